// gen_protochain of libpcap 1.10.3: `[ip|ip6] protochain N` as the link-type test and one IR `chain` leaf, the
// header walk libpcap runs as a loop (a backward `ja` its userland bpf_filter executes). The leaf (@tfc/ir
// chain.ts) holds the whole walk: the start state (A = the next-header byte, X = the IPv4 header length or 40),
// the extension headers stepped over (IPv6: hop-by-hop, routing, fragment, destination options; both: AH), the
// AH rule with 1.10.3's bug (X = (len + 2) · 4, the old X forgotten: an AH can point back at itself and libpcap
// loops forever) and the step bound CHAIN_BOUND, which decides every walk libpcap ends on a packet of up to
// 65,535 bytes; a walk still going after it aborts (the packet is rejected where libpcap would hang).
// Invariants: the same refusals and wording as libpcap (variable-length link headers: 802.11, after geneve, after a
// live Linux capture's first `vlan`);
// both dialects walk alike (later libpcaps keep the AH rule).
import { and, CHAIN_BOUND, chain, type Pred } from '@tfc/ir';
import { fail } from './diagnostics.ts';
import { type Encap, isWlan, netOffset } from './encap.ts';
import { linkTypeTest } from './linklayer.ts';
import { isDyn } from './lower-ops.ts';
import type { Span } from './tokens.ts';

const ETHERTYPE = { ip: 0x800, ip6: 0x86dd } as const;

/** gen_protochain(N, ip | ip6) under the encapsulation `encap`. */
export function protochain(encap: Encap, proto: number, ver: 'ip' | 'ip6', span: Span): Pred {
  if (encap.geneve || isWlan(encap) || isDyn(encap.linkpl))
    return fail('qualifier', "'protochain' not supported with variable length headers", span);
  return and(
    linkTypeTest(encap, ETHERTYPE[ver], span),
    chain(ver, netOffset(encap), proto, 'reset', CHAIN_BOUND),
  );
}
