// The eBPF generator's state and its smallest shared pieces: helper ids, the stack layout, the per-program state
// every construct module reads (`EbpfGen`), constants into registers, widening and byte swaps, the expression
// temporaries on the stack.
// Invariants: one EbpfGen per program; `depth` counts the stack temporaries in use (fp-8 .. fp-8*TEMP_SLOTS) and is
// 0 between leaves; `checked` is the packet range [0, checked) proven on every path to the code being emitted
// (direct access only); maps are listed once each, in first-use order.
import { alu64, type Insn, jmp, jmp32, ldImm64, mem, mov, R0, R2, R10, type Reg, toBe } from '@tfc/bpf/ebpf';
import type { Dag, EbpfJump, Expr, Width } from '@tfc/ir';
import {
  type BpfFeatures,
  type Ctx,
  type MapDef,
  type ProgType,
  type RecordLayout,
  Unsupported,
} from '../options.ts';
import type { RawOptions } from '../raw/options.ts';
import { registerNeed } from '../register-need.ts';
import type { SkbOptions } from '../skb/options.ts';
import { snaplenOf } from '../skb/program.ts';
import { type Emitter, emit, newEmitter } from './emitter.ts';

export const HELPER = {
  mapLookup: 1,
  probeReadUserStr: 114,
  probeReadKernelStr: 115,
  probeReadKernel: 113,
  cpu: 8,
  pidTgid: 14,
  comm: 16,
  skbLoadBytes: 26,
} as const;

/** Stack layout (offsets below r10). */
export const TEMP_SLOTS = 24; // fp-8 .. fp-192: expression temporaries
export const SCRATCH = 200; // fp-200: 8 bytes for a loaded value
export const STRBUF = 512; // fp-512 .. fp-201: string bytes (comm, socket loads)
export const STRBUF_MAX = STRBUF - SCRATCH;
/** Per-CPU buffer for `char *` copies (the kernel's filter copies into 1,024 bytes too). */
export const STRBUF_MAP = 'tfc_strbuf';
export const PTR_BUF = 1024;
/** The per-CPU buffer's size: a tracefs record never exceeds a page, so neither does a string in it. */
export const STRBUF_SIZE = 4096;
/** Share of the verifier's 1,000,000-instruction limit that string loops may use. */
export const LOOP_BUDGET = 700_000;

export interface EbpfGenOptions {
  readonly ctx: Ctx;
  readonly progType: ProgType;
  readonly onMatch: number;
  readonly onMiss: number;
  readonly binarySearchMin: number;
  readonly setLookup: 'search' | 'map';
  readonly record: RecordLayout;
  /** ctx skb: the hook, layout and mode (skb/program.ts writes the prologue and epilogue). */
  readonly skb?: SkbOptions;
  /** ctx tracepoint on a raw tracepoint (tp_btf): record loads come from the arguments (raw/program.ts). */
  readonly raw?: RawOptions;
  /** The kernel's eBPF features (may_goto: loops, else unrolled walks and no frame string loops). */
  readonly bpfFeatures: BpfFeatures;
}

export type Mask = 'mask' | 'sext' | 'none';

export interface EbpfGen {
  readonly dag: Dag;
  readonly o: EbpfGenOptions;
  readonly em: Emitter;
  readonly maps: MapDef[];
  readonly packetCtx: boolean;
  /** Packet bytes through data/data_end (tc, xdp) rather than bpf_skb_load_bytes (socket). */
  readonly direct: boolean;
  /** ctx skb: the packet is `buffer` bytes of a map value at R7 with R8 = captured length (a scalar): guards compare
   *  offsets with R8, reads at or past `buffer` abort, record loads read the capture record before R7. */
  readonly buffer: number | undefined;
  /** Temporaries an expression needs (Sethi-Ullman number); memoised per node object. */
  readonly need: (x: Expr) => number;
  /** Emits one instruction (dropped in dead code). */
  readonly e: (i: Insn) => void;
  /** Label placed right after the node being emitted (a jump there is a fall-through). */
  fallLabel: string;
  /** Packet bytes [0, checked) are known to be inside the packet here (direct access only). */
  checked: number;
  depth: number;
  /** Instructions the verifier may still walk through string loops (string-buffer.ts). */
  loopBudget: number;
  /** ctx skb: shared values stored in their record slots on every path to the code being emitted (by value id). */
  readonly refSlots: Map<number, number>;
  /** middle/glob leaves on frame strings so far (their may_goto loops are budgeted: frame-string.ts). */
  frameLoops: number;
  /** may_goto turns the protochain walks so far may take (chain-leaf.ts), budgeted with the frame loops. */
  chainTurns: number;
}

export function newGen(dag: Dag, o: EbpfGenOptions): EbpfGen {
  const em = newEmitter();
  const packetCtx = o.ctx !== 'tracepoint';
  return {
    dag,
    o,
    em,
    maps: [],
    packetCtx,
    direct: packetCtx && (o.progType !== 'socket' || o.skb !== undefined),
    buffer: o.skb === undefined ? undefined : snaplenOf(o.skb),
    need: registerNeed(dag),
    e: (i) => emit(em, i),
    fallLabel: '',
    checked: 0,
    depth: 0,
    loopBudget: LOOP_BUDGET,
    frameLoops: 0,
    chainTurns: 0,
    refSlots: new Map(),
  };
}

export function loadConst(g: EbpfGen, r: Reg, v: bigint) {
  const u = BigInt.asUintN(64, v);
  if (u <= 0x7fffffffn) g.e(mov.imm(r, Number(u)));
  else g.e(ldImm64(r, u));
}

export function extend(g: EbpfGen, r: Reg, width: Width, signed: boolean) {
  if (width === 8) return;
  const sh = 64 - 8 * width;
  g.e(alu64.lsh.imm(r, sh));
  g.e(signed ? alu64.arsh.imm(r, sh) : alu64.rsh.imm(r, sh));
}

export function swap(g: EbpfGen, r: Reg, width: Width) {
  if (width !== 1) g.e(toBe(r, (width * 8) as 16 | 32 | 64));
}

export function sizeName(w: Width) {
  return (w === 1 ? 'b' : w === 2 ? 'h' : w === 4 ? 'w' : 'dw') as 'b' | 'h' | 'w' | 'dw';
}

export function push(g: EbpfGen): number {
  if (g.depth >= TEMP_SLOTS)
    throw new Unsupported('expr-depth', `expression needs more than ${TEMP_SLOTS} temporaries`);
  g.depth++;
  g.e(mem.stx('dw', R10, -8 * g.depth, R0));
  return g.depth;
}

export function pop(g: EbpfGen, r: Reg, slot: number) {
  g.e(mem.ldx('dw', r, R10, -8 * slot));
  g.depth--;
}

export function normalize(g: EbpfGen, r: Reg, w: Width, m: Mask) {
  if (w === 8 || w === 4 || m === 'none') return;
  if (m === 'mask') g.e(alu64.and.imm(r, w === 1 ? 0xff : 0xffff));
  else extend(g, r, w, true);
}

export function normalizeConst(v: bigint, w: Width, m: Mask): bigint {
  if (w === 8) return BigInt.asUintN(64, v);
  if (w === 4) return v & 0xffffffffn;
  const t = BigInt.asUintN(w * 8, v);
  return m === 'sext' ? BigInt.asUintN(64, BigInt.asIntN(w * 8, t)) : t;
}

export function jumpConst(g: EbpfGen, j: EbpfJump, r: Reg, c: bigint, w: Width, target: string) {
  if (w === 4) {
    g.e(jmp32[j].imm(r, Number(BigInt.asIntN(32, c & 0xffffffffn)), target));
    return;
  }
  if (fitsS32(c)) g.e(jmp[j].imm(r, Number(BigInt.asIntN(64, c)), target));
  else {
    g.e(ldImm64(R2, c));
    g.e(jmp[j].reg(r, R2, target));
  }
}

/** An unsigned load no wider than `w` is already zero-extended: masking it again changes nothing. */
export function zeroExtended(x: Expr, w: Width, m: 'mask' | 'sext' | 'none'): boolean {
  return m === 'mask' && x.kind === 'load' && !x.signed && x.width <= w;
}

export function leBytes(v: bigint, w: number): Uint8Array {
  const out = new Uint8Array(w);
  for (let i = 0; i < w; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

function fitsS32(v: bigint): boolean {
  const s = BigInt.asIntN(64, v);
  return s >= -0x80000000n && s <= 0x7fffffffn;
}

/** `tfc_s` + 40 bits of FNV-1a-64 over the key width and the keys (a BPF object name: at most 15 characters). */
export function setMapName(width: number, entries: readonly { readonly key: Uint8Array }[]): string {
  let h = 0xcbf29ce484222325n;
  const mix = (b: number) => {
    h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  };
  mix(width);
  for (const e of entries) for (const b of e.key) mix(b);
  return `tfc_s${(h >> 24n).toString(16).padStart(10, '0')}`;
}
