// Link-layer tests for every link type the front end compiles, after gencode.c (libpcap 1.10.3):
// gen_linktype (Ethernet's type/length field with its 802.2/SNAP/IPX forms, Linux cooked v1's protocol
// field with 802.2/802.3 pseudo-types, v2's protocol field, raw IP's version nibble, DLT_IPV4/IPV6's
// constant answers, 802.11's data-frame check + LLC/SNAP type), the 802.11 run-time offsets (radiotap
// length, 802.11 header length with QoS and radiotap's data padding — insert_compute_vloffsets), and
// 802.11 addresses (gen_wlanhostop: SA/DA, and addr1..addr4/ra/ta with libpcap's errors for their misuse).
// Invariants: tests come out in libpcap's block order (a load past the end rejects the whole filter, so
// order is observable); run-time offsets are shared values created once per filter by `wlanOffsets`; no
// ambient state.
import {
  and,
  arith,
  cmp,
  FALSE,
  type Expr as IrExpr,
  not,
  or,
  type Pred,
  ref,
  TRUE,
  type ValueDef,
} from '@tfc/ir';
import { type DirQual, isWlanDir as isWlanDirQual, type WlanDir } from './ast.ts';
import { fail } from './diagnostics.ts';
import { type Encap, isWlan, netOffset, noLinkHeader, prevMplsOffset } from './encap.ts';
import { dynOff, eq, jset, ld, mcmp, u } from './lower-ops.ts';
import type { Span } from './tokens.ts';

const ETH = { IP: 0x800, IPV6: 0x86dd } as const;
/** Linux cooked header pseudo-protocols (LINUX_SLL_P_802_3, LINUX_SLL_P_802_2). */
const SLL_P_802_3 = 0x0001;
const SLL_P_802_2 = 0x0004;

/** gencode.c ethertype_to_ppptype: libpcap's Ethernet protocol numbers in PPP; others unchanged. */
const ETHERTYPE_TO_PPP: ReadonlyMap<number, number> = new Map([
  [0x800, 0x0021],
  [0x86dd, 0x0057],
  [0x6003, 0x0027],
  [0x809b, 0x0029],
  [0x0600, 0x0025],
  [0xfe, 0x0023],
  [0x42, 0x0031],
  [0xe0, 0x002b],
]);

/** gen_snap: the 8-byte 802.2 + SNAP header at `at` (last word first, as gen_bcmp compares). */
function snap(at: number, oui: number, type: number): Pred {
  return and(eq(ld(at + 4, 4), ((oui & 0xff) << 16) | type), eq(ld(at, 4), 0xaaaa0300 | (oui >>> 16)));
}

/** gen_ether_linktype (DLT_EN10MB). */
function etherLinktype(e: Encap, proto: number): Pred {
  const notLlc = cmp('le', 4, false, ld(e.linktype, 2), u(1500));
  if (proto === 0xfe || proto === 0x06 || proto === 0xf0)
    return and(notLlc, eq(ld(e.linkpl, 2), (proto << 8) | proto));
  // IPX (Ethernet II, SNAP, 802.2 SAP 0xe0, raw 802.3) and AppleTalk/AARP (SNAP) forms
  if (proto === 0xe0)
    return or(
      eq(ld(e.linktype, 2), 0x8137),
      and(notLlc, or(snap(e.linkpl, 0, 0x8137), eq(ld(e.linkpl, 1), 0xe0), eq(ld(e.linkpl, 2), 0xffff))),
    );
  if (proto === 0x809b)
    return or(eq(ld(e.linktype, 2), 0x809b), and(notLlc, snap(e.linkpl, 0x080007, 0x809b)));
  if (proto === 0x80f3) return or(eq(ld(e.linktype, 2), 0x80f3), and(notLlc, snap(e.linkpl, 0, 0x80f3)));
  if (proto <= 1500) return and(notLlc, eq(ld(e.linktype + 2, 1), proto));
  return eq(ld(e.linktype, 2), proto);
}

/** gen_linux_sll_linktype (DLT_LINUX_SLL): the protocol field, with 802.2 / 802.3 pseudo-protocols. */
function sllLinktype(e: Encap, proto: number): Pred {
  const pt = (v: number) => eq(ld(e.linktype, 2), v);
  if (proto === 0xfe || proto === 0x06 || proto === 0xf0)
    return and(pt(SLL_P_802_2), eq(ld(e.linkpl, 2), (proto << 8) | proto));
  if (proto === 0xe0)
    return or(
      pt(0x8137),
      pt(SLL_P_802_3),
      and(pt(SLL_P_802_2), or(eq(ld(e.linkpl, 1), 0xe0), snap(e.linkpl, 0, 0x8137))),
    );
  if (proto === 0x809b) return or(pt(0x809b), and(pt(SLL_P_802_2), snap(e.linkpl, 0x080007, 0x809b)));
  if (proto === 0x80f3) return or(pt(0x80f3), and(pt(SLL_P_802_2), snap(e.linkpl, 0, 0x80f3)));
  if (proto <= 1500) return and(pt(SLL_P_802_2), eq(ld(e.linkpl, 1), proto));
  return pt(proto);
}

/** gen_check_802_11_data_frame: type bits of the frame control are "data" (!(fc & 4) && (fc & 8)). */
export function wlanDataFrame(e: Encap): Pred {
  const hdr = e.linkhdr ?? 0;
  return and(not(jset(ld(hdr, 1), 0x04)), jset(ld(hdr, 1), 0x08));
}

/** gen_llc_linktype on the 802.11 link payload (LLC header; Ethernet types in a SNAP header). */
function llcLinktype(e: Encap, proto: number): Pred {
  if (proto === 0xfe || proto === 0x06 || proto === 0xf0) return eq(ld(e.linkpl, 2), (proto << 8) | proto);
  if (proto === 0xe0) return eq(ld(e.linkpl, 1), 0xe0);
  if (proto === 0x809b) return snap(e.linkpl, 0x080007, 0x809b);
  if (proto <= 1500) return eq(ld(e.linkpl, 1), proto);
  return eq(ld(e.linkpl + 6, 2), proto);
}

/** gen_linktype: does the packet carry `proto` (an EtherType, or an LLC SAP when ≤ 1500)? */
export function linkTypeTest(e: Encap, proto: number, span: Span): Pred {
  // libpcap's order: a label stack first, then the link type in force (PPP after `pppoes`, also on raw IP)
  if (e.mplsDepth > 0) {
    const bos = mcmp(ld(prevMplsOffset(e) + 2, 1), 1, 1);
    if (proto === ETH.IP) return and(bos, mcmp(ld(netOffset(e), 1), 0x40, 0xf0));
    if (proto === ETH.IPV6) return and(bos, mcmp(ld(netOffset(e), 1), 0x60, 0xf0));
    return fail('unsupported', 'unsupported protocol over mpls', span);
  }
  if (e.ppp) return eq(ld(e.linktype, 2), ETHERTYPE_TO_PPP.get(proto) ?? proto);
  switch (e.link) {
    case 'raw':
      if (proto === ETH.IP) return mcmp(ld(0, 1), 0x40, 0xf0);
      if (proto === ETH.IPV6) return mcmp(ld(0, 1), 0x60, 0xf0);
      return FALSE;
    case 'ipv4':
      return proto === ETH.IP ? TRUE : FALSE;
    case 'ipv6':
      return proto === ETH.IPV6 ? TRUE : FALSE;
    case 'linux_sll':
      return sllLinktype(e, proto);
    case 'linux_sll2':
      // not in gen_linktype's switch: its default compares the protocol field with any value
      return eq(ld(e.linktype, 2), proto);
    case 'ieee802_11':
    case 'ieee802_11_radio':
      return and(wlanDataFrame(e), llcLinktype(e, proto));
    case 'ethernet':
      return etherLinktype(e, proto);
  }
}

/** 1 when the packet's link-type test for IPv4 fails, 0 when it holds (on a packet that is IPv4 or IPv6). */
export function notIpv4(e: Encap): IrExpr {
  const sel = (x: IrExpr, v: number, bits: number) =>
    arith('>>', arith('+', arith('^', x, u(v)), u(2 ** bits - 1)), u(bits));
  if (e.mplsDepth > 0 || (e.link === 'raw' && !e.ppp))
    return sel(arith('&', ld(netOffset(e), 1), u(0xf0)), 0x40, 8);
  if (!e.ppp && e.link === 'ipv4') return u(0);
  if (!e.ppp && e.link === 'ipv6') return u(1);
  // 802.11: the SNAP type of a data frame (both paths already checked it is a data frame)
  if (!e.ppp && isWlan(e)) return sel(ld(e.linkpl + 6, 2), ETH.IP, 16);
  return sel(ld(e.linktype, 2), e.ppp ? 0x21 : ETH.IP, 16);
}

// ---------------------------------------------------------------- 802.11 run-time offsets
/**
 * insert_compute_vloffsets for 802.11: with radiotap, the link header starts after the radiotap header
 * (little-endian length at bytes 2..3); the link payload is 24 bytes after it, + 2 for a QoS data frame,
 * rounded up to 4 when radiotap's flags say "data pad" (flags field present, no extended bitmap; at 16
 * after a TSFT, else at 8). Non-data frames keep 24. Each load of libpcap's prologue is loaded exactly on
 * the frames where libpcap loads it: an unneeded one reads byte 0 instead (always in bounds once the
 * first loads succeeded). Returns the value ids (appended to `values`) and the encapsulation to lower with.
 */
export function wlanOffsets(
  e: Encap,
  values: ValueDef[],
): { readonly encap: Encap; readonly hdr: number | undefined; readonly pl: number } {
  const def = (expr: IrExpr): number => {
    const id = values.length;
    values.push({ id, expr });
    return id;
  };
  const radio = e.link === 'ieee802_11_radio';
  const hdr = radio ? def(arith('|', ld(2, 1), arith('<<', ld(3, 1), u(8)))) : undefined;
  const h: IrExpr = hdr === undefined ? u(0) : ref(hdr);
  const fc = ld(h, 1);
  // data = !(fc & 4) && (fc & 8), as 0/1
  const data = arith('&', arith('>>', fc, u(3)), arith('^', arith('&', arith('>>', fc, u(2)), u(1)), u(1)));
  const dataId = def(data);
  const qos = arith('&', arith('>>', ld(h, 1), u(7)), ref(dataId));
  const base = arith('+', arith('+', h, u(24)), arith('*', qos, u(2)));
  if (!radio) {
    const pl = def(base);
    return { encap: { ...e, linkpl: dynOff(pl) }, hdr, pl };
  }
  const baseId = def(base);
  const d = ref(dataId);
  // the present word (bytes 4..7, big-endian load as libpcap's `ld [4]`) only on data frames
  const present = def(ld(arith('*', d, u(4)), 4));
  const p = ref(present);
  const bit = (n: number) => arith('&', arith('>>', p, u(n)), u(1));
  // flags present (LE bit 1 = BE bit 25), no extension (LE bit 31 = BE bit 7)
  const flagsUsed = def(arith('&', d, arith('&', bit(25), arith('^', bit(7), u(1)))));
  const tsft = bit(24);
  const flagsAt = arith('*', ref(flagsUsed), arith('+', u(8), arith('*', tsft, u(8))));
  const pad = arith('&', ref(flagsUsed), arith('&', arith('>>', ld(flagsAt, 1), u(5)), u(1)));
  const b = ref(baseId);
  const rounded = arith('&', arith('+', b, u(3)), u(0xfffffffc));
  const pl = def(arith('+', b, arith('*', pad, arith('-', rounded, b))));
  return { encap: { ...e, linkpl: dynOff(pl), linkhdr: dynOff(hdr!) }, hdr, pl };
}

// ---------------------------------------------------------------- 802.11 addresses

/** gen_bcmp of a 6-byte address at `off` from the 802.11 header. */
function addrAt(e: Encap, off: number, mac: Uint8Array): Pred {
  const h = e.linkhdr ?? 0;
  return and(
    eq(ld(h + off + 2, 4), ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0),
    eq(ld(h + off, 2), (mac[0]! << 8) | mac[1]!),
  );
}

/** Where an 802.11 address qualifier (`addr1`..`addr4`, `ra`, `ta`) meets something that is not an 802.11 MAC
 *  address: IP/DECnet addresses, ports, port ranges, or Ethernet's MAC addresses (`ether`). */
export type WlanDirUse = 'addresses' | 'ports' | 'port ranges' | 'ether';

/** libpcap 1.10.3's error for an 802.11 address qualifier used with `what` (gen_hostop, gen_portop,
 *  gen_portrangeop, gen_ehostop, word for word). */
export function wlanDirMisuse(dir: WlanDir, what: WlanDirUse, span: Span): never {
  const one = dir === 'ra' || dir === 'ta';
  const subject = one ? `'${dir}' is` : `'${dir}' and 'address${dir.slice(4)}' are`;
  if (what === 'ether')
    return fail('qualifier', `${subject} only supported on 802.11 with 802.11 headers`, span);
  const valid = one ? 'a valid qualifier' : 'valid qualifiers';
  const of = what === 'addresses' ? 'addresses other than 802.11 MAC addresses' : what;
  return fail('qualifier', `${subject} not ${valid} for ${of}`, span);
}

/** IEEE80211_FC0_TYPE_CTL / _SUBTYPE_CTS / _SUBTYPE_ACK and their masks (frame control byte 0). */
const FC0_TYPE_MASK = 0x0c;
const FC0_SUBTYPE_MASK = 0xf0;
const FC0_TYPE_CTL = 0x04;
const FC0_SUBTYPE_CTS = 0xc0;
const FC0_SUBTYPE_ACK = 0xd0;

/**
 * gen_wlanhostop's address-field qualifiers: addr1 (always), addr2 (not in CTS/ACK control frames), addr3
 * (not in control frames), addr4 (only with both DS bits), ra (addr1 of data or reserved-type frames: fc & 8),
 * ta (addr2 of those, not CTS/ACK) — libpcap's tests in its order. The CTS/ACK tests compare the subtype bits
 * alone (any frame type), as libpcap does.
 */
function wlanAddrField(e: Encap, mac: Uint8Array, dir: WlanDir): Pred {
  const h = e.linkhdr ?? 0;
  const fc0 = () => ld(h, 1);
  const notCtl = () => not(mcmp(fc0(), FC0_TYPE_CTL, FC0_TYPE_MASK));
  const notCtsAck = () =>
    or(
      notCtl(),
      and(
        not(mcmp(fc0(), FC0_SUBTYPE_CTS, FC0_SUBTYPE_MASK)),
        not(mcmp(fc0(), FC0_SUBTYPE_ACK, FC0_SUBTYPE_MASK)),
      ),
    );
  switch (dir) {
    case 'addr1':
      return addrAt(e, 4, mac);
    case 'addr2':
      return and(notCtsAck(), addrAt(e, 10, mac));
    case 'addr3':
      return and(notCtl(), addrAt(e, 16, mac));
    case 'addr4':
      return and(mcmp(ld(h + 1, 1), 0x03, 0x03), addrAt(e, 24, mac));
    case 'ra':
      return and(jset(fc0(), 0x08), addrAt(e, 4, mac));
    case 'ta':
      return and(and(jset(fc0(), 0x08), notCtsAck()), addrAt(e, 10, mac));
  }
}

/** gen_wlanhostop: src / dst (and / or of both) — the address fields that hold SA or DA per frame type — and
 *  the address-field qualifiers (wlanAddrField). */
export function wlanHost(e: Encap, mac: Uint8Array, dir: DirQual | undefined): Pred {
  if (isWlanDirQual(dir)) return wlanAddrField(e, mac, dir);
  const h = e.linkhdr ?? 0;
  const fc0 = (bits: number) => jset(ld(h, 1), bits);
  const fc1 = (bits: number) => jset(ld(h + 1, 1), bits);
  const src = (): Pred => {
    let b: Pred = or(and(not(fc1(0x01)), addrAt(e, 16, mac)), and(fc1(0x01), addrAt(e, 24, mac)));
    b = and(fc1(0x02), b);
    b = or(and(not(fc1(0x02)), addrAt(e, 10, mac)), b);
    b = and(fc0(0x08), b);
    b = or(and(not(fc0(0x08)), addrAt(e, 10, mac)), b);
    return and(not(fc0(0x04)), b);
  };
  const dst = (): Pred => {
    let b: Pred = or(and(not(fc1(0x01)), addrAt(e, 4, mac)), and(fc1(0x01), addrAt(e, 16, mac)));
    b = and(fc0(0x08), b);
    b = or(and(not(fc0(0x08)), addrAt(e, 4, mac)), b);
    return and(not(fc0(0x04)), b);
  };
  if (dir === 'src') return src();
  if (dir === 'dst') return dst();
  if (dir === 'src and dst') return and(src(), dst());
  return or(src(), dst());
}

/** gen_multicast on 802.11: the DA's group bit, wherever the frame type puts the DA. */
export function wlanMulticast(e: Encap): Pred {
  const h = e.linkhdr ?? 0;
  const fc0 = (bits: number) => jset(ld(h, 1), bits);
  const fc1 = (bits: number) => jset(ld(h + 1, 1), bits);
  const group = (off: number) => jset(ld(h + off, 1), 1);
  let b: Pred = or(and(not(fc1(0x01)), group(4)), and(fc1(0x01), group(16)));
  b = and(fc0(0x08), b);
  b = or(and(not(fc0(0x08)), group(4)), b);
  return and(not(fc0(0x04)), b);
}

/** gen_p80211_type (byte 0) / gen_p80211_fcdir (byte 1): a frame-control field, 802.11 only. */
export function wlanFrameControl(e: Encap, byte: 0 | 1, value: number, mask: number, span: Span): Pred {
  if (!isWlan(e) || e.ppp)
    return fail(
      'link',
      byte === 0
        ? '802.11 link-layer types supported only on 802.11'
        : 'frame direction supported only with 802.11 headers',
      span,
    );
  return mcmp(ld((e.linkhdr ?? 0) + byte, 1), value, mask);
}

export { isWlan, noLinkHeader };
