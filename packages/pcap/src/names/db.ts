// The names database of the pcap front end as plain data. libpcap resolves names through the C library
// (getaddrinfo/getservbyname over /etc/services, getprotobyname over /etc/protocols, /etc/hosts,
// getnetbyname over /etc/networks, ether_hostton over /etc/ethers); tfc takes the same facts as a value
// so that compiling stays pure, reproducible and never touches the network (no DNS: files only).
// This module parses the text of those files with glibc's files-backend rules: `#` starts a comment,
// fields are separated by blanks, the first entry for a name wins (services and protocols match names
// and aliases case-sensitively; hosts, networks and ethers case-insensitively, so their keys are
// lower-cased); /etc/hosts keeps every address of a name in file order (getaddrinfo returns them all).
// Invariants: pure; never throws; malformed lines are skipped as the C library skips them.
import { parseIPv6 } from '../numbers.ts';

/** The port of a service per transport protocol (libpcap asks only for tcp and udp). */
export interface ServicePorts {
  readonly tcp?: number;
  readonly udp?: number;
}

export interface NameDb {
  /** /etc/services: name or alias → ports. */
  readonly services: Readonly<Record<string, ServicePorts>>;
  /** /etc/protocols: name or alias → IP protocol number. */
  readonly protocols: Readonly<Record<string, number>>;
  /** /etc/hosts: lower-cased name or alias → address texts (IPv4 dotted quads, IPv6), file order. */
  readonly hosts: Readonly<Record<string, readonly string[]>>;
  /** /etc/networks: lower-cased name or alias → network number (inet_network: not left-justified). */
  readonly networks: Readonly<Record<string, number>>;
  /** /etc/ethers: lower-cased host name → MAC address text (six colon-separated hex bytes). */
  readonly ethers: Readonly<Record<string, string>>;
}

/** The text of each file (absent = empty). */
export interface NameFiles {
  readonly services?: string | undefined;
  readonly protocols?: string | undefined;
  readonly hosts?: string | undefined;
  readonly networks?: string | undefined;
  readonly ethers?: string | undefined;
}

export const EMPTY_NAME_DB: NameDb = { services: {}, protocols: {}, hosts: {}, networks: {}, ethers: {} };

function lines(text: string | undefined): string[][] {
  if (text === undefined) return [];
  const out: string[][] = [];
  for (const raw of text.split('\n')) {
    const l = raw.replace(/#.*/, '').trim();
    if (l !== '') out.push(l.split(/[ \t]+/));
  }
  return out;
}

const own = <T>(r: Record<string, T>, k: string): T | undefined => (Object.hasOwn(r, k) ? r[k] : undefined);

/** inet_network(3): 1-4 parts (decimal, 0x hex, 0 octal), combined without left-justifying. */
export function inetNetwork(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return undefined;
  let v = 0;
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9A-Fa-f]+$/.test(p)) n = Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = Number.parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) n = Number.parseInt(p, 10);
    else return undefined;
    if (n > 255) return undefined;
    v = ((v << 8) | n) >>> 0;
  }
  return v;
}

/** A strict dotted quad (inet_pton AF_INET). */
export function isDottedQuad(s: string): boolean {
  const p = s.split('.');
  return p.length === 4 && p.every((x) => /^[0-9]{1,3}$/.test(x) && Number(x) <= 255);
}

function parseServices(text: string | undefined): Record<string, ServicePorts> {
  const out: Record<string, { tcp?: number; udp?: number }> = {};
  for (const f of lines(text)) {
    const m = /^([0-9]+)\/([a-z]+)$/.exec(f[1] ?? '');
    if (!m || (m[2] !== 'tcp' && m[2] !== 'udp')) continue;
    const port = Number(m[1]);
    if (port > 65535) continue;
    const proto = m[2];
    for (const name of [f[0]!, ...f.slice(2)]) {
      const e = own(out, name) ?? {};
      if (e[proto] === undefined) out[name] = { ...e, [proto]: port };
    }
  }
  return out;
}

function parseProtocols(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of lines(text)) {
    if (!/^[0-9]+$/.test(f[1] ?? '')) continue;
    for (const name of [f[0]!, ...f.slice(2)]) if (own(out, name) === undefined) out[name] = Number(f[1]);
  }
  return out;
}

function parseHosts(text: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of lines(text)) {
    const addr = f[0]!;
    if (!isDottedQuad(addr) && parseIPv6(addr) === undefined) continue;
    for (const name of f.slice(1)) {
      const k = name.toLowerCase();
      const l = own(out, k) ?? [];
      if (!l.includes(addr)) l.push(addr);
      out[k] = l;
    }
  }
  return out;
}

function parseNetworks(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of lines(text)) {
    const n = inetNetwork(f[1] ?? '');
    if (n === undefined) continue;
    for (const name of [f[0]!, ...f.slice(2)]) {
      const k = name.toLowerCase();
      if (own(out, k) === undefined) out[k] = n;
    }
  }
  return out;
}

function parseEthers(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of lines(text)) {
    const parts = (f[0] ?? '').split(':');
    if (parts.length !== 6 || parts.some((p) => !/^[0-9A-Fa-f]{1,2}$/.test(p)) || f[1] === undefined)
      continue;
    const k = f[1].toLowerCase();
    if (own(out, k) === undefined) out[k] = parts.map((p) => p.padStart(2, '0').toLowerCase()).join(':');
  }
  return out;
}

/** The database of the five files' texts. */
export function nameDbFromFiles(files: NameFiles): NameDb {
  return {
    services: parseServices(files.services),
    protocols: parseProtocols(files.protocols),
    hosts: parseHosts(files.hosts),
    networks: parseNetworks(files.networks),
    ethers: parseEthers(files.ethers),
  };
}
