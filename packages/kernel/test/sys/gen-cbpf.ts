// Test helper: fast-check generator of classic BPF programs the kernel's checker accepts: loads
// (absolute, indirect, len, msh, immediate, scratch memory), ALU ops with K and X operands (K shifts
// < 32, K divisors ≠ 0; X divisors and shift amounts are runtime values), tax/txa, conditional
// jumps forward only (jt/jf ≤ remaining items), `ja` forward, and `ret #k` / `ret a` exits.
// Invariants: pure; every scratch slot M[0..15] is stored before any load (the kernel refuses
// reads of unset slots, libpcap would read garbage); the last instruction is a ret; programs never
// use ancillary offsets (k < 0x1000 for loads).
import fc from 'fast-check';

export type CInsn = readonly [code: number, jt: number, jf: number, k: number];

const ALU_OPS = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0] as const;
const JMP_OPS = [0x10, 0x20, 0x30, 0x40] as const;

type Item =
  | { readonly k: 'plain'; readonly insn: CInsn }
  | {
      readonly k: 'jmp';
      readonly code: number;
      readonly value: number;
      readonly jt: number;
      readonly jf: number;
    }
  | { readonly k: 'ja'; readonly skip: number }
  | { readonly k: 'ret'; readonly insn: CInsn };

const u32 = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 64 }), weight: 3 },
  {
    arbitrary: fc.constantFrom(0x800, 0x86dd, 0x8100, 6, 17, 80, 443, 0xffff, 0xffffffff, 0x80000000, 0x1fff),
    weight: 2,
  },
  { arbitrary: fc.integer({ min: 0, max: 0xffffffff }), weight: 1 },
);
const off = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 64 }), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 0xfff }), weight: 1 },
);

const plain: fc.Arbitrary<Item> = fc.oneof(
  // ld [k] / ldh [k] / ldb [k]
  {
    arbitrary: fc
      .tuple(fc.constantFrom(0x20, 0x28, 0x30), off)
      .map(([c, k]): Item => ({ k: 'plain', insn: [c, 0, 0, k] })),
    weight: 4,
  },
  // ld [x+k] / ldh / ldb
  {
    arbitrary: fc
      .tuple(fc.constantFrom(0x40, 0x48, 0x50), off)
      .map(([c, k]): Item => ({ k: 'plain', insn: [c, 0, 0, k] })),
    weight: 2,
  },
  // ld #k, ldx #k, ld #len, ldx #len, ldxb 4*([k]&0xf)
  { arbitrary: u32.map((k): Item => ({ k: 'plain', insn: [0x00, 0, 0, k] })), weight: 1 },
  { arbitrary: u32.map((k): Item => ({ k: 'plain', insn: [0x01, 0, 0, k] })), weight: 1 },
  {
    arbitrary: fc.constantFrom<Item>(
      { k: 'plain', insn: [0x80, 0, 0, 0] },
      { k: 'plain', insn: [0x81, 0, 0, 0] },
    ),
    weight: 1,
  },
  { arbitrary: off.map((k): Item => ({ k: 'plain', insn: [0xb1, 0, 0, k] })), weight: 1 },
  // ld M[k], ldx M[k], st M[k], stx M[k]
  {
    arbitrary: fc
      .tuple(fc.constantFrom(0x60, 0x61, 0x02, 0x03), fc.integer({ min: 0, max: 15 }))
      .map(([c, k]): Item => ({ k: 'plain', insn: [c, 0, 0, k] })),
    weight: 2,
  },
  // alu K
  {
    arbitrary: fc.tuple(fc.constantFrom(...ALU_OPS), u32).map(([op, k]): Item => {
      let kk = k;
      if (op === 0x60 || op === 0x70) kk = k % 32;
      if ((op === 0x30 || op === 0x90) && k === 0) kk = 3;
      return { k: 'plain', insn: [0x04 | op, 0, 0, kk] };
    }),
    weight: 4,
  },
  // alu X, neg
  {
    arbitrary: fc
      .constantFrom(...ALU_OPS)
      .map((op): Item => ({ k: 'plain', insn: [0x04 | op | 0x08, 0, 0, 0] })),
    weight: 3,
  },
  { arbitrary: fc.constant<Item>({ k: 'plain', insn: [0x84, 0, 0, 0] }), weight: 1 },
  // tax, txa
  {
    arbitrary: fc.constantFrom<Item>(
      { k: 'plain', insn: [0x07, 0, 0, 0] },
      { k: 'plain', insn: [0x87, 0, 0, 0] },
    ),
    weight: 2,
  },
);

const item: fc.Arbitrary<Item> = fc.oneof(
  { arbitrary: plain, weight: 10 },
  {
    arbitrary: fc
      .record({
        op: fc.constantFrom(...JMP_OPS),
        x: fc.boolean(),
        value: u32,
        jt: fc.integer({ min: 0, max: 5 }),
        jf: fc.integer({ min: 0, max: 5 }),
      })
      .map(
        (a): Item => ({ k: 'jmp', code: 0x05 | a.op | (a.x ? 0x08 : 0), value: a.value, jt: a.jt, jf: a.jf }),
      ),
    weight: 4,
  },
  { arbitrary: fc.integer({ min: 0, max: 4 }).map((skip): Item => ({ k: 'ja', skip })), weight: 1 },
  {
    arbitrary: fc.oneof(
      u32.map((k): Item => ({ k: 'ret', insn: [0x06, 0, 0, k] })),
      fc.constant<Item>({ k: 'ret', insn: [0x16, 0, 0, 0] }),
    ),
    weight: 1,
  },
);

/** Lowers items: jumps past the end are clamped to the final ret. */
function lower(items: readonly Item[], finalRet: CInsn): CInsn[] {
  const prologue: CInsn[] = [];
  for (let m = 0; m < 16; m++) prologue.push([0x00, 0, 0, m * 0x01010101], [0x02, 0, 0, m]);
  prologue.push([0x00, 0, 0, 0]);
  const body: CInsn[] = [];
  const n = items.length;
  items.forEach((it, i) => {
    const remaining = n - i - 1; // items after this one; the final ret is at distance `remaining`
    if (it.k === 'jmp')
      body.push([it.code, Math.min(it.jt, remaining), Math.min(it.jf, remaining), it.value >>> 0]);
    else if (it.k === 'ja') body.push([0x05, 0, 0, Math.min(it.skip, remaining)]);
    else body.push(it.insn);
  });
  return [...prologue, ...body, finalRet];
}

export const cbpfProgramArbitrary: fc.Arbitrary<CInsn[]> = fc
  .tuple(
    fc.array(item, { minLength: 1, maxLength: 40 }),
    fc.oneof(
      u32.map((k): CInsn => [0x06, 0, 0, k]),
      fc.constant<CInsn>([0x16, 0, 0, 0]),
    ),
  )
  .map(([items, ret]) => lower(items, ret));

/** Uses a shift by X (where kernel and libpcap differ for X ≥ 32). */
export function hasXShift(p: readonly CInsn[]): boolean {
  return p.some(([c]) => c === 0x6c || c === 0x7c);
}

/** Uses an indirect load `ld [x + k]` (where kernel and libpcap differ when X + k wraps past 2^32). */
export function hasIndirectLoad(p: readonly CInsn[]): boolean {
  return p.some(([c]) => c === 0x40 || c === 0x48 || c === 0x50);
}
