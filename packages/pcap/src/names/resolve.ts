// Names in pcap filters resolved as libpcap 1.10.3's gen_scode does (gencode.c, nametoaddr.c): each
// name under its qualifier becomes the numeric ids libpcap would have generated code for, with the
// qualifier libpcap then uses (a service known only for tcp makes `port NAME` a tcp port; a host name
// becomes its addresses joined by `or` in the database's order, IPv4 addresses tested as `ip`-only on
// link types without a link-type field). The lowering compiles those ids as if they had been written.
// Built in (no database needed): libpcap's Ethernet protocol names (eproto_db), LLC SAP names
// (llc_db) and OSI protocol names; numeric service strings (getaddrinfo's numeric port, 16 bits).
// Invariants: pure; errors are PcapFail values with libpcap's wording (code `name` for an unknown name,
// `qualifier` for a misapplied one); never consults anything but the NameDb given.
import type { Id, Qual } from '../ast.ts';
import { fail } from '../diagnostics.ts';
import { parseIPv6 } from '../numbers.ts';
import type { ProtoName, Span } from '../tokens.ts';
import { isDottedQuad, type NameDb } from './db.ts';

/** pcap_nametoeproto's table (nametoaddr.c eproto_db). */
export const EPROTO_NAMES: Readonly<Record<string, number>> = {
  aarp: 0x80f3,
  arp: 0x0806,
  atalk: 0x809b,
  decnet: 0x6003,
  ip: 0x0800,
  ip6: 0x86dd,
  lat: 0x6004,
  loopback: 0x9000,
  mopdl: 0x6001,
  moprc: 0x6002,
  rarp: 0x8035,
  sca: 0x6007,
};
/** pcap_nametollc's table (llc_db): LLC SAPs. */
export const LLC_NAMES: Readonly<Record<string, number>> = { iso: 0xfe, stp: 0x42, ipx: 0xe0, netbeui: 0xf0 };
/** lookup_proto's OSI names (Q_ISO). */
const OSI_NAMES: Readonly<Record<string, number>> = { esis: 0x82, isis: 0x83, clnp: 0x81 };

/** An id with the qualifier it is lowered under. */
export interface Resolved {
  readonly id: Id;
  readonly q: Qual;
}

/** What of the link type the lookup needs. */
export interface NameLink {
  /** DLT_EN10MB outside PPPoE: link-level host names through /etc/ethers. */
  readonly ethernet: boolean;
  /** 802.11 (with or without radiotap) outside PPPoE: link-level host names through /etc/ethers too. */
  readonly wlan: boolean;
  /** The link type has a link-type field (libpcap's off_linktype is set): raw IP has none. */
  readonly typeField: boolean;
}

const own = <T>(r: Readonly<Record<string, T>>, k: string): T | undefined =>
  Object.hasOwn(r, k) ? r[k] : undefined;

type L4 = 'tcp' | 'udp' | undefined;

/** pcap_nametoport: the tcp port, else the udp one; proto undefined when both exist and are equal. */
function nameToPort(name: string, db: NameDb): { port: number; proto: L4 } | undefined {
  let tcp: number | undefined;
  let udp: number | undefined;
  if (/^[0-9]+$/.test(name)) {
    // getaddrinfo's numeric service: strtoul, then htons (16 bits)
    const n = BigInt(name);
    tcp = udp = Number((n > 0xffffffffffffffffn ? 0xffffffffffffffffn : n) & 0xffffn);
  } else {
    const e = own(db.services, name);
    tcp = e?.tcp;
    udp = e?.udp;
  }
  if (tcp !== undefined) return { port: tcp, proto: udp === tcp ? undefined : 'tcp' };
  if (udp !== undefined) return { port: udp, proto: 'udp' };
  return undefined;
}

/** The protocol the port is tested under (gen_scode's Q_PORT/Q_PORTRANGE conflict rules). */
function portQual(q: Qual, real: L4, what: string, name: string, span: Span): ProtoName | undefined {
  if (q.proto === 'udp' || q.proto === 'tcp' || q.proto === 'sctp') {
    if (real !== undefined && real !== q.proto) fail('name', `${what} '${name}' is ${real}`, span);
    return q.proto;
  }
  return real;
}

function ports(name: string, q: Qual, db: NameDb, span: Span): Resolved[] {
  if (q.proto !== undefined && q.proto !== 'udp' && q.proto !== 'tcp' && q.proto !== 'sctp')
    return fail('qualifier', "illegal qualifier of 'port'", span);
  const r = nameToPort(name, db);
  if (r === undefined) return fail('name', `unknown port '${name}'`, span);
  const proto = portQual(q, r.proto, 'port', name, span);
  return [{ id: { kind: 'num', value: r.port, span }, q: { ...q, proto } }];
}

function portRange(name: string, q: Qual, db: NameDb, span: Span): Resolved[] {
  if (q.proto !== undefined && q.proto !== 'udp' && q.proto !== 'tcp' && q.proto !== 'sctp')
    return fail('qualifier', "illegal qualifier of 'portrange'", span);
  // sscanf("%d-%d") first (trailing text ignored), then two service names split at the first '-'
  const m = /^([0-9]+)-(-?[0-9]+)/.exec(name);
  let lo: number;
  let hi: number;
  let real: L4;
  if (m) {
    lo = Number(m[1]);
    hi = Number(m[2]);
    real = undefined;
  } else {
    const dash = name.indexOf('-');
    const a = dash < 0 ? undefined : nameToPort(name.slice(0, dash), db);
    const b = a === undefined ? undefined : nameToPort(name.slice(dash + 1), db);
    if (a === undefined || b === undefined) return fail('name', `unknown port in range '${name}'`, span);
    lo = a.port;
    hi = b.port;
    real = a.proto === b.proto ? b.proto : undefined;
  }
  const proto = portQual(q, real, 'port in range', name, span);
  for (const p of [lo, hi]) {
    if (p < 0) fail('range', `illegal port number ${p} < 0`, span);
    if (p > 65535) fail('range', `illegal port number ${p} > 65535`, span);
  }
  return [{ id: { kind: 'name', text: `${lo}-${hi}`, span }, q: { ...q, proto } }];
}

/** lookup_proto: the protocol number of a name under `proto`/`protochain`, or libpcap's error. */
function protoNumber(name: string, q: Qual, db: NameDb, span: Span): number {
  switch (q.proto) {
    case undefined:
    case 'ip':
    case 'ip6': {
      const v = own(db.protocols, name);
      return v ?? fail('name', `unknown ip proto '${name}'`, span);
    }
    case 'link': {
      const v = own(EPROTO_NAMES, name) ?? own(LLC_NAMES, name);
      return v ?? fail('name', `unknown ether proto '${name}'`, span);
    }
    case 'iso': {
      const v = own(OSI_NAMES, name);
      return v ?? fail('name', `unknown osi proto '${name}'`, span);
    }
    default:
      return fail('name', `unknown protocol: ${name}`, span);
  }
}

/** The addresses of a host name: a numeric address as itself, else /etc/hosts. */
function hostAddrs(name: string, db: NameDb): readonly string[] {
  if (isDottedQuad(name) || parseIPv6(name) !== undefined) return [name];
  return own(db.hosts, name.toLowerCase()) ?? [];
}

function hosts(name: string, q: Qual, db: NameDb, link: NameLink, span: Span): Resolved[] {
  if (q.proto === 'link') {
    if (!link.ethernet && !link.wlan)
      return fail(
        'link',
        'only ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel supports link-level host name',
        span,
      );
    const mac = own(db.ethers, name.toLowerCase());
    if (mac === undefined)
      return fail('name', `unknown ${link.ethernet ? 'ether' : '802.11'} host '${name}'`, span);
    return [{ id: { kind: 'eid', text: mac, span }, q }];
  }
  if (q.proto === 'decnet')
    return fail('name', `decnet name support not included, '${name}' cannot be translated`, span);
  const addrs = hostAddrs(name, db);
  if (addrs.length === 0) return fail('name', `unknown host '${name}'`, span);
  const p4: ProtoName | undefined = q.proto === undefined && !link.typeField ? 'ip' : q.proto;
  const p6: ProtoName | undefined = q.proto === undefined && !link.typeField ? 'ip6' : q.proto;
  const out: Resolved[] = [];
  for (const a of addrs) {
    if (isDottedQuad(a)) {
      if (p4 !== 'ip6') out.push({ id: { kind: 'hid', text: a, span }, q: { ...q, proto: p4 } });
    } else if (p6 !== 'ip')
      out.push({ id: { kind: 'hid6', text: a, len: undefined, span }, q: { ...q, proto: p6 } });
  }
  if (out.length === 0)
    return fail(
      'name',
      `unknown host '${name}'${q.proto === undefined ? '' : ' for specified address family'}`,
      span,
    );
  return out;
}

/**
 * gen_scode: the ids (joined by `or`, in order) that a name under qualifier `q` stands for. Without a
 * database (`db` undefined) only the built-in names and numeric services resolve.
 */
export function resolveName(
  name: string,
  q: Qual,
  db: NameDb | undefined,
  link: NameLink,
  span: Span,
): readonly Resolved[] {
  const d: NameDb = db ?? { services: {}, protocols: {}, hosts: {}, networks: {}, ethers: {} };
  switch (q.addr) {
    case 'net': {
      const n = own(d.networks, name.toLowerCase()) ?? 0;
      if (n === 0) return fail('name', `unknown network '${name}'`, span);
      return [{ id: { kind: 'num', value: n, span }, q }];
    }
    case undefined:
    case 'host':
      return hosts(name, q, d, link, span);
    case 'port':
      return ports(name, q, d, span);
    case 'portrange':
      return portRange(name, q, d, span);
    case 'gateway':
      return fail('unsupported', "'gateway' not supported in this configuration", span);
    case 'proto':
    case 'protochain':
      return [{ id: { kind: 'num', value: protoNumber(name, q, d, span), span }, q }];
  }
}
