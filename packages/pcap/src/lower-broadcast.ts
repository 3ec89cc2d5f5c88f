// `ip broadcast` as libpcap 1.10.3's gen_broadcast generates it when the capture's netmask is known
// (pcap_compile's netmask argument; tfc's `netmask` option): the frame is IPv4 and its destination's
// host part (the bits outside the netmask) is all zeros or all ones.
// Invariants: pure; without a netmask it refuses with libpcap's words.
import { and, arith, cmp, type Expr as IrExpr, konst, or, type Pred } from '@tfc/ir';
import { fail } from './diagnostics.ts';
import type { Encap } from './encap.ts';
import { ld as ldAt } from './lower-ops.ts';
import type { Span } from './tokens.ts';

/** PCAP_NETMASK_UNKNOWN */
export const NETMASK_UNKNOWN = 0xffffffff;

export function ipBroadcast(
  e: Encap,
  netmask: number | undefined,
  linktype: (etherProto: number) => Pred,
  span: Span,
): Pred {
  if (netmask === undefined || netmask >>> 0 === NETMASK_UNKNOWN)
    return fail('unsupported', "netmask not known, so 'ip broadcast' not supported", span);
  const host = ~netmask >>> 0;
  // lower-ops' load: the offset may be a run-time one (802.11's payload follows a variable header)
  const dst = (): IrExpr => arith('&', ldAt(e.linkpl + e.nl + 16, 4), konst(host));
  return and(
    linktype(0x800),
    or(cmp('eq', 4, false, dst(), konst(0)), cmp('eq', 4, false, dst(), konst(host))),
  );
}
