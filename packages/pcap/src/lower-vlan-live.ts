// `vlan` as libpcap 1.10.3 compiles it for a live Linux capture (pcap-linux.c sets BPF_SPECIAL_VLAN_HANDLING): the
// kernel moves a received frame's outer 802.1Q/802.1ad tag into skb metadata before packet sockets and tc see it, so
// the first `vlan` on Ethernet (gen_vlan_bpf_extensions) accepts SKF_AD_VLAN_TAG_PRESENT or the in-band TPID test,
// and `vlan N` reads the VID from SKF_AD_VLAN_TAG when the tag is in the metadata, else from the frame; on the in-band
// path libpcap adds 4 to run-time link-type/payload offsets (registers a prologue zeroes), so every later primitive
// reads at `shift + k`, shift = 0 (tag in metadata) or 4 (tag in the frame) — here one shared value of the IR.
// Invariants: pure; the IR built is libpcap's unoptimized program test for test (same loads, same order, the TPID
// and VID tests at the constant offsets 12 and 14); the shift equals libpcap's register only where that first `vlan`
// ran (a primitive reached without it sees libpcap's zeroed register): `runsBefore` decides that from the AST, and
// lower.ts refuses a primitive that reads the shift where it cannot be sure.
import { and, arith, type Expr as IrExpr, not, or, type Pred, pseudo } from '@tfc/ir';
import type { Expr } from './ast.ts';
import { eq, ld, mcmp, u } from './lower-ops.ts';

/** The capture a pcap program is for: a savefile / pcap_open_dead (`offline`, the default) or a live Linux one. */
export type PcapCapture = 'offline' | 'linux-live';
export const PCAP_CAPTURES: readonly PcapCapture[] = ['offline', 'linux-live'];

/** `ldb [vlanp]; jeq #1`: the kernel holds the outer tag in the skb. */
const inMeta = (): Pred => eq(pseudo('vlan_present'), 1);

/** libpcap's run-time shift after the first live `vlan`: 0 with the tag in the metadata, else 4. */
export const LIVE_VLAN_SHIFT: IrExpr = arith('*', arith('-', u(1), pseudo('vlan_present')), u(4));

/**
 * gen_vlan_bpf_extensions: `vlanp == 1 or <TPID test>`, then for `vlan N` the VID from `ldb [vlan_tci]` when the tag
 * is in the metadata, else `ldh [vidOffset]`, masked with 0xfff. `tpid` is the TPID test at the constant offsets.
 */
export function liveVlan(tpid: Pred, value: number | undefined, vidOffset: number): Pred {
  const head = or(inMeta(), tpid);
  if (value === undefined) return head;
  const vid = or(
    and(inMeta(), mcmp(pseudo('vlan_tci'), value, 0x0fff)),
    and(not(inMeta()), mcmp(ld(vidOffset, 2), value, 0x0fff)),
  );
  return and(head, vid);
}

/** [when `s` is false, when `s` is true]: does that outcome of `s` imply that `v` (a primitive inside it) ran? */
export type RunPair = readonly [boolean, boolean];

/** The pair of `left op item` from the pair of `left` (v inside left): the operand that short-circuits (false for
 *  and, true for or) may have decided alone, so that outcome implies v only if both outcomes of `left` do. */
export function stepRuns(p: RunPair, op: 'and' | 'or'): RunPair {
  return op === 'and' ? [p[0] && p[1], p[1]] : [p[0], p[0] && p[1]];
}

/** The pair of `left op item` with v inside item: item ran only if left did not short-circuit. */
export function itemRuns(p: RunPair, op: 'and' | 'or'): RunPair {
  return op === 'and' ? [false, p[1]] : [p[0], false];
}

/** The pair of `s` for `v`, or undefined when `v` is not inside `s` (and/or short-circuit left to right). */
export function runsBefore(s: Expr, v: Expr): RunPair | undefined {
  if (s === v) return [true, true];
  switch (s.kind) {
    case 'paren':
      return runsBefore(s.body, v);
    case 'not': {
      const r = runsBefore(s.arg, v);
      return r === undefined ? undefined : [r[1], r[0]];
    }
    case 'chain': {
      let p = runsBefore(s.first, v);
      for (const l of s.rest) {
        if (p !== undefined) p = stepRuns(p, l.op);
        else {
          const r = runsBefore(l.item, v);
          if (r !== undefined) p = itemRuns(r, l.op);
        }
      }
      return p;
    }
    default:
      return undefined;
  }
}
