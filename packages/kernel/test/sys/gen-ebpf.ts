// Test helper: fast-check generator of verifier-safe eBPF programs for BPF_PROG_TYPE_SCHED_CLS
// (or XDP) that compute a value from the packet: one bounds check (data + N <= data_end) guards
// all direct packet loads; ALU64/ALU32 ops (incl. div/mod by registers that may be 0, shifts by
// registers, signed div/mod, movsx, byte swaps), stack spills, LD_ABS/LD_IND (sched_cls only),
// context field reads (__sk_buff / xdp_md), and forward-only conditional jumps (JMP and JMP32). r6 = ctx, r7 = data, r8 = data_end are never
// written; every other register is initialised before the body; r1–r5 are re-initialised after
// each LD_ABS/LD_IND (which clobbers them). The exit value folds all scratch registers into r0.
// Invariants: pure; lowering is deterministic; jumps only target item boundaries after them.
import fc from 'fast-check';
import { ins, ldImm64, type Slot } from './ebpf-bytes.ts';

const SCRATCH = [0, 1, 2, 3, 4, 5, 9] as const;
type R = (typeof SCRATCH)[number];
const reg = fc.constantFrom(...SCRATCH);

const ALU = {
  add: 0x00,
  sub: 0x10,
  mul: 0x20,
  div: 0x30,
  or: 0x40,
  and: 0x50,
  lsh: 0x60,
  rsh: 0x70,
  mod: 0x90,
  xor: 0xa0,
  mov: 0xb0,
  arsh: 0xc0,
} as const;
type AluName = keyof typeof ALU;
const JMP = {
  jeq: 0x10,
  jgt: 0x20,
  jge: 0x30,
  jset: 0x40,
  jne: 0x50,
  jsgt: 0x60,
  jsge: 0x70,
  jlt: 0xa0,
  jle: 0xb0,
  jslt: 0xc0,
  jsle: 0xd0,
} as const;
type JmpName = keyof typeof JMP;

export type Item =
  | {
      readonly k: 'alu';
      readonly wide: boolean;
      readonly op: AluName;
      readonly dst: R;
      readonly src: R | { readonly imm: number };
      readonly signed: boolean;
    }
  | { readonly k: 'neg'; readonly wide: boolean; readonly dst: R }
  | {
      readonly k: 'movsx';
      readonly wide: boolean;
      readonly dst: R;
      readonly src: R;
      readonly bits: 8 | 16 | 32;
    }
  | { readonly k: 'end'; readonly how: 'be' | 'le' | 'bswap'; readonly dst: R; readonly bits: 16 | 32 | 64 }
  | {
      readonly k: 'ld';
      readonly size: 1 | 2 | 4 | 8;
      readonly sx: boolean;
      readonly dst: R;
      readonly off: number;
    }
  | { readonly k: 'spill'; readonly src: R; readonly slot: number }
  | { readonly k: 'fill'; readonly dst: R; readonly slot: number }
  | {
      readonly k: 'ldabs';
      readonly size: 1 | 2 | 4;
      readonly ind: R | undefined;
      readonly off: number;
      readonly reinit: readonly number[];
    }
  | { readonly k: 'imm64'; readonly dst: R; readonly value: bigint }
  | { readonly k: 'ctx'; readonly dst: R; readonly off: number }
  | {
      readonly k: 'jmp';
      readonly wide: boolean;
      readonly op: JmpName;
      readonly dst: R;
      readonly src: R | { readonly imm: number };
      readonly skip: number;
    };

export interface GenProgram {
  readonly kind: 'sched_cls' | 'xdp';
  /** Bytes guaranteed readable after the bounds check. */
  readonly window: number;
  readonly init: readonly number[];
  readonly fallback: number;
  readonly items: readonly Item[];
}

const imm32 = fc.oneof(
  { arbitrary: fc.integer({ min: -16, max: 16 }), weight: 3 },
  { arbitrary: fc.constantFrom(0x7fffffff, -0x80000000, 0xff, 0xffff, 0x8000, -1, 0x10000), weight: 1 },
  { arbitrary: fc.integer({ min: -0x80000000, max: 0x7fffffff }), weight: 2 },
);

/**
 * Readable u32 context fields whose values TEST_RUN fixes: __sk_buff len, pkt_type, mark,
 * queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto, priority, ingress_ifindex, ifindex,
 * tc_index, cb[0..4], tc_classid, gso_segs, gso_size; xdp_md ingress_ifindex, rx_queue_index.
 */
const SKB_FIELDS = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 72, 164, 176] as const;
const XDP_FIELDS = [12, 16] as const;

function itemArb(window: number, kind: 'sched_cls' | 'xdp', withCtx: boolean): fc.Arbitrary<Item> {
  const alu = fc
    .record({
      wide: fc.boolean(),
      op: fc.constantFrom(...(Object.keys(ALU) as AluName[])),
      dst: reg,
      useReg: fc.boolean(),
      src: reg,
      imm: imm32,
      signed: fc.boolean(),
      sh: fc.integer({ min: 0, max: 63 }),
    })
    .map((a): Item => {
      const isDiv = a.op === 'div' || a.op === 'mod';
      const isShift = a.op === 'lsh' || a.op === 'rsh' || a.op === 'arsh';
      let src: R | { imm: number } = a.src;
      if (!a.useReg) src = { imm: isShift ? a.sh % (a.wide ? 64 : 32) : isDiv && a.imm === 0 ? 3 : a.imm };
      return { k: 'alu', wide: a.wide, op: a.op, dst: a.dst, src, signed: isDiv && a.signed };
    });
  const sizes = [1, 2, 4, 8] as const;
  const ld = fc
    .record({
      size: fc.constantFrom(...sizes),
      sx: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
      dst: reg,
      at: fc.nat(),
    })
    .map(
      (a): Item => ({
        k: 'ld',
        size: a.size,
        sx: a.sx && a.size !== 8,
        dst: a.dst,
        off: a.at % Math.max(1, window - a.size + 1),
      }),
    );
  const items: { arbitrary: fc.Arbitrary<Item>; weight: number }[] = [
    { arbitrary: alu, weight: 10 },
    { arbitrary: window >= 8 ? ld : alu, weight: 5 },
    {
      arbitrary: fc.record({ wide: fc.boolean(), dst: reg }).map((a): Item => ({ k: 'neg', ...a })),
      weight: 1,
    },
    {
      arbitrary: fc
        .record({
          wide: fc.boolean(),
          dst: reg,
          src: reg,
          b: fc.constantFrom(8, 16, 32) as fc.Arbitrary<8 | 16 | 32>,
        })
        .map(
          (a): Item => ({
            k: 'movsx',
            wide: a.wide,
            dst: a.dst,
            src: a.src,
            bits: a.wide ? a.b : a.b === 32 ? 16 : a.b,
          }),
        ),
      weight: 1,
    },
    {
      arbitrary: fc
        .record({
          how: fc.constantFrom('be', 'le', 'bswap') as fc.Arbitrary<'be' | 'le' | 'bswap'>,
          dst: reg,
          bits: fc.constantFrom(16, 32, 64) as fc.Arbitrary<16 | 32 | 64>,
        })
        .map((a): Item => ({ k: 'end', ...a })),
      weight: 1,
    },
    {
      arbitrary: fc
        .record({ src: reg, slot: fc.integer({ min: 1, max: 4 }) })
        .map((a): Item => ({ k: 'spill', ...a })),
      weight: 1,
    },
    {
      arbitrary: fc
        .record({ dst: reg, slot: fc.integer({ min: 1, max: 4 }) })
        .map((a): Item => ({ k: 'fill', ...a })),
      weight: 1,
    },
    {
      arbitrary: fc
        .record({ dst: reg, value: fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }) })
        .map((a): Item => ({ k: 'imm64', ...a })),
      weight: 1,
    },
    {
      arbitrary: fc
        .record({
          wide: fc.boolean(),
          op: fc.constantFrom(...(Object.keys(JMP) as JmpName[])),
          dst: reg,
          useReg: fc.boolean(),
          src: reg,
          imm: imm32,
          skip: fc.integer({ min: 0, max: 6 }),
        })
        .map(
          (a): Item => ({
            k: 'jmp',
            wide: a.wide,
            op: a.op,
            dst: a.dst,
            src: a.useReg ? a.src : { imm: a.imm },
            skip: a.skip,
          }),
        ),
      weight: 5,
    },
  ];
  const ctxFields = kind === 'sched_cls' ? [...SKB_FIELDS] : [...XDP_FIELDS];
  if (withCtx)
    items.push({
      arbitrary: fc
        .record({ dst: reg, off: fc.constantFrom(...ctxFields) })
        .map((a): Item => ({ k: 'ctx', ...a })),
      weight: 2,
    });
  if (kind === 'sched_cls') {
    items.push({
      arbitrary: fc
        .record({
          size: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
          ind: fc.option(reg, { nil: undefined }),
          off: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 2000 })),
          reinit: fc.array(imm32, { minLength: 5, maxLength: 5 }),
        })
        .map(
          (a): Item => ({
            k: 'ldabs',
            size: a.size,
            ind: a.ind === 0 ? undefined : a.ind,
            off: a.off,
            reinit: a.reinit,
          }),
        ),
      weight: 2,
    });
  }
  return fc.oneof(...items);
}

export function programArbitrary(
  kinds: readonly ('sched_cls' | 'xdp')[] = ['sched_cls', 'xdp'],
  withCtx = true,
): fc.Arbitrary<GenProgram> {
  return fc
    .record({
      kind: fc.constantFrom(...kinds),
      window: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(14, 34, 54, 60)),
      init: fc.array(imm32, { minLength: SCRATCH.length, maxLength: SCRATCH.length }),
      fallback: imm32,
    })
    .chain((h) =>
      fc
        .array(itemArb(h.window, h.kind, withCtx), { minLength: 1, maxLength: 28 })
        .map((items): GenProgram => ({ ...h, items })),
    );
}

const SIZE_BITS = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 } as const;

function lowerItem(it: Item): Slot[] {
  switch (it.k) {
    case 'alu': {
      const cls = it.wide ? 0x07 : 0x04;
      const off = it.signed ? 1 : 0;
      if (typeof it.src === 'number') return [ins(cls | ALU[it.op] | 0x08, it.dst, it.src, off, 0)];
      return [ins(cls | ALU[it.op], it.dst, 0, off, it.src.imm)];
    }
    case 'neg':
      return [ins((it.wide ? 0x07 : 0x04) | 0x80, it.dst, 0, 0, 0)];
    case 'movsx':
      return [ins((it.wide ? 0x07 : 0x04) | 0xb0 | 0x08, it.dst, it.src, it.bits, 0)];
    case 'end':
      return [ins(it.how === 'bswap' ? 0xd7 : it.how === 'be' ? 0xdc : 0xd4, it.dst, 0, 0, it.bits)];
    case 'ld':
      return [ins((it.sx ? 0x81 : 0x61) | SIZE_BITS[it.size], it.dst, 7, it.off, 0)];
    case 'spill':
      return [ins(0x7b, 10, it.src, -8 * it.slot, 0)];
    case 'fill':
      return [ins(0x79, it.dst, 10, -8 * it.slot, 0)];
    case 'imm64':
      return ldImm64(it.dst, it.value);
    case 'ctx':
      return [ins(0x61, it.dst, 6, it.off, 0)];
    case 'ldabs': {
      const mode = it.ind === undefined ? 0x20 : 0x40;
      const size = it.size === 1 ? 0x10 : it.size === 2 ? 0x08 : 0x00;
      const load = ins(mode | size, 0, it.ind ?? 0, 0, it.off);
      return [load, ...it.reinit.map((v, i) => ins(0xb7, i + 1, 0, 0, v))];
    }
    case 'jmp':
      return []; // resolved in lowerProgram
  }
}

/** Lowers a generated program to instruction slots. */
export function lowerProgram(p: GenProgram): Slot[] {
  const [dataOff, endOff] = p.kind === 'sched_cls' ? [76, 80] : [0, 4];
  const pro: Slot[] = [ins(0xbf, 6, 1, 0, 0), ins(0x61, 7, 6, dataOff, 0), ins(0x61, 8, 6, endOff, 0)];
  for (let s = 1; s <= 4; s++) pro.push(ins(0x7a, 10, 0, -8 * s, s * 0x1111)); // st dw [r10-8s], imm
  SCRATCH.forEach((r, i) => {
    pro.push(ins(0xb7, r, 0, 0, p.init[i] ?? 0));
  });
  // r1 = r7 + window; if r1 > r8 goto fallback (patched below); r1 = init again
  pro.push(ins(0xbf, 1, 7, 0, 0), ins(0x07, 1, 0, 0, p.window));
  const checkAt = pro.length;
  pro.push(ins(0x2d, 1, 8, 0, 0), ins(0xb7, 1, 0, 0, p.init[1] ?? 0));
  // body: lower items, remembering each item's start slot for forward jumps
  const lowered = p.items.map((it) => (it.k === 'jmp' ? [ins(0, 0, 0, 0, 0)] : lowerItem(it)));
  const starts: number[] = [];
  let at = pro.length;
  for (const l of lowered) {
    starts.push(at);
    at += l.length;
  }
  const endLabel = at;
  const body: Slot[] = [];
  p.items.forEach((it, i) => {
    if (it.k !== 'jmp') {
      body.push(...(lowered[i] ?? []));
      return;
    }
    const target = i + 1 + it.skip < p.items.length ? (starts[i + 1 + it.skip] ?? endLabel) : endLabel;
    const from = (starts[i] ?? 0) + 1;
    const cls = it.wide ? 0x05 : 0x06;
    if (typeof it.src === 'number') body.push(ins(cls | JMP[it.op] | 0x08, it.dst, it.src, target - from, 0));
    else body.push(ins(cls | JMP[it.op], it.dst, 0, target - from, it.src.imm));
  });
  const epi: Slot[] = [];
  for (const r of SCRATCH) if (r !== 0) epi.push(ins(0x0f, 0, r, 0, 0)); // r0 += r
  epi.push(ins(0x95, 0, 0, 0, 0));
  const fallbackAt = endLabel + epi.length;
  const fb = [ins(0xb7, 0, 0, 0, p.fallback), ins(0x95, 0, 0, 0, 0)];
  const all = [...pro, ...body, ...epi, ...fb];
  const check = all[checkAt];
  if (check) all[checkAt] = { ...check, off: fallbackAt - (checkAt + 1) };
  return all;
}
