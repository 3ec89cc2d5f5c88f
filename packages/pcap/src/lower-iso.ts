// `iso proto N` and `isis proto N` as libpcap 1.10.3's gen_proto generates them (Q_ISO, Q_ISIS): the
// frame is OSI over LLC SAP 0xfe (gen_linktype, given by the caller), then the NLPID — the first byte
// after the 3-byte LLC header on Ethernet (OR_LINKPL_NOSNAP), right after the protocol field on PPP —
// equals N; for isis the NLPID is IS-IS (0x83) and the PDU type (4 bytes later) equals N.
// `esis proto`, `clnp proto` and the IS-IS PDU names refuse with libpcap's words.
// Invariants: pure; offsets from the encapsulation in force (run-time ones on 802.11 and after `geneve`).
import { and, cmp, type Expr as IrExpr, konst, type Pred } from '@tfc/ir';
import { fail } from './diagnostics.ts';
import type { Encap } from './encap.ts';
import { ld as ldAt } from './lower-ops.ts';
import type { ProtoName, Span } from './tokens.ts';

// offsets may be run-time ones (802.11: the payload follows a variable header): lower-ops' load reads both kinds
const ld = (off: number): IrExpr => ldAt(off, 1);
const eq = (l: IrExpr, v: number): Pred => cmp('eq', 4, false, l, konst(v >>> 0));

/** OR_LINKPL_NOSNAP: the 802.2 LLC header is 3 bytes on Ethernet; PPP and raw IP have none. */
export function nosnapOffset(e: Encap): number {
  return e.linkpl + e.nlNosnap;
}

/** Whether `proto` is one this module lowers under `proto`. */
export function isOsiProtoQual(proto: ProtoName | undefined): boolean {
  return proto === 'iso' || proto === 'isis' || proto === 'esis' || proto === 'clnp';
}

export function osiProtoQual(
  e: Encap,
  v: number,
  proto: ProtoName,
  linktype: (etherProto: number) => Pred,
  span: Span,
): Pred {
  const iso = (n: number) => and(linktype(0xfe), eq(ld(nosnapOffset(e)), n));
  switch (proto) {
    case 'iso':
      return iso(v);
    case 'isis':
      return and(iso(0x83), eq(ld(nosnapOffset(e) + 4), v));
    case 'clnp':
      return fail('qualifier', "'clnp proto' is not supported", span);
    default:
      return fail('qualifier', `'${proto} proto' is bogus`, span);
  }
}
