// The `chain` leaf's semantics (libpcap's gen_protochain header walk, types.ts): the reference loop every target's
// code for it is tested against, plus its constructor and text form.
// Invariants: pure; reads only packet bytes at net + X and net + X + 1 (X the walk's u32 offset register), both
// before the next test, each out of bounds → abort (libpcap's bpf_filter returns 0 for the whole filter); a walk
// that has taken `bound` steps and would take another aborts. Termination argument (why a bound is exact): the
// next step depends only on X and on whether A is AH, so a walk that meets the same (X, AH-or-not) twice loops
// forever in libpcap; every X is a multiple of 4 below the packet's length, so a walk libpcap ends on a packet of
// at most L bytes takes at most 2·⌈L/4⌉ steps (L/8 without AH, where each step advances X by at least 8).
import type { ChainAh, ChainPred } from './types.ts';
import { CHAIN_AH_PROTO, CHAIN_EXT6 } from './types.ts';

/** Steps that decide every walk libpcap ends on a packet of up to 65,535 bytes (2 · 65,536 / 4). */
export const CHAIN_BOUND = 32768;

/** A protochain walk (types.ts `chain`). */
export function chain(
  family: 'ip' | 'ip6',
  net: number,
  proto: number,
  ah: ChainAh = 'reset',
  bound: number = CHAIN_BOUND,
): ChainPred {
  return { kind: 'chain', family, net, proto, ah, bound };
}

/** The walk's verdict on `packet`: 0 false, 1 true, 2 abort (the Tri of eval.ts). */
export function walkChain(p: ChainPred, packet: Uint8Array): 0 | 1 | 2 {
  const at = (k: number): number | undefined => (k < packet.length ? packet[k] : undefined);
  const n = p.net;
  let a = at(n + (p.family === 'ip' ? 9 : 6));
  if (a === undefined) return 2;
  let x = 40;
  if (p.family === 'ip') {
    const b = at(n);
    if (b === undefined) return 2;
    x = (b & 0xf) << 2;
  }
  const ext6 = p.family === 'ip6';
  for (let step = 0; ; step++) {
    if (a === p.proto) return 1;
    const isAh = a === CHAIN_AH_PROTO;
    if (!isAh && !(ext6 && CHAIN_EXT6.includes(a))) return 0;
    if (step >= p.bound) return 2;
    const next = at(n + x);
    const len = at(n + x + 1);
    if (next === undefined || len === undefined) return 2;
    if (!isAh) x = (x + (len + 1) * 8) >>> 0;
    else x = ((p.ah === 'advance' ? x : 0) + (len + 2) * 4) >>> 0;
    a = next;
  }
}

/** The leaf's text form: `(chain ip6 14 6 reset 32768)`. */
export function printChain(p: ChainPred): string {
  return `(chain ${p.family} ${p.net} ${p.proto} ${p.ah} ${p.bound})`;
}
