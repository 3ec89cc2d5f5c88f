// The C form's text buffer and its smallest pieces: the self-contained prelude (fixed-width typedefs, helpers
// declared by id, no headers), fresh locals `tN`, one statement per line at the current indentation, C types and
// literals for IR widths and constants.
// Invariants: one CGen per program; names are fresh per program and in emission order (the text is deterministic);
// a literal is the constant's 64-bit two's complement as an unsigned long long.
import type { Dag, Width } from '@tfc/ir';
import type { Ctx, ProgType, RecordLayout } from '../options.ts';

export interface CEmitOptions {
  readonly ctx: Ctx;
  readonly progType: ProgType;
  readonly onMatch: number;
  readonly onMiss: number;
  readonly section: string;
  readonly record: RecordLayout;
}

export const PRELUDE = `typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
static long (*bpf_probe_read_kernel)(void *dst, u32 size, const void *src) = (void *)113;
static u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static u32 (*bpf_get_smp_processor_id)(void) = (void *)8;
static long (*bpf_get_current_comm)(void *buf, u32 size) = (void *)16;
static long (*bpf_skb_load_bytes)(const void *skb, u32 offset, void *to, u32 len) = (void *)26;
`;

export interface CGen {
  readonly dag: Dag;
  readonly o: CEmitOptions;
  readonly out: string[];
  readonly packetCtx: boolean;
  /** Packet bytes through data/data_end (tc, xdp) rather than bpf_skb_load_bytes (socket). */
  readonly direct: boolean;
  indent: string;
  tmp: number;
}

export function newCGen(dag: Dag, o: CEmitOptions): CGen {
  const packetCtx = o.ctx !== 'tracepoint';
  return { dag, o, out: [], packetCtx, direct: packetCtx && o.progType !== 'socket', indent: '  ', tmp: 0 };
}

export function line(g: CGen, s: string): void {
  g.out.push(g.indent + s);
}

export function fresh(g: CGen): string {
  return `t${g.tmp++}`;
}

export const uType = (w: Width) => (w === 1 ? 'u8' : w === 2 ? 'u16' : w === 4 ? 'u32' : 'u64');
export const sType = (w: Width) => (w === 1 ? 's8' : w === 2 ? 's16' : w === 4 ? 's32' : 's64');
export const lit = (v: bigint) => `0x${BigInt.asUintN(64, v).toString(16)}ULL`;
export const narrow = (v: string, w: Width, signed: boolean) =>
  signed ? `(${sType(w)})${v}` : w === 8 ? v : `(${uType(w)})${v}`;
