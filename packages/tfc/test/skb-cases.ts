// Test cases shared by the skb-context suites: the libpcap corpus (filters and frames, ../shared/corpus) and filters
// that exercise what the skb context must get right (protochain, vlan, IPv6 extension headers, port ranges, len).
// Invariant: read-only data; the corpus is read once per call.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CORPUS = fileURLToPath(
  new URL('../../../../shared/corpus/pcap-libpcap-1.10.3/semantic/', import.meta.url),
);

export function corpusFilterTexts(): string[] {
  const v = JSON.parse(readFileSync(`${CORPUS}verdicts.json`, 'utf8')) as { filters: { filter: string }[] };
  return v.filters.map((f) => f.filter);
}

export function corpusFrameBytes(): Uint8Array[] {
  const p = JSON.parse(readFileSync(`${CORPUS}packets.json`, 'utf8')) as { hex: string }[];
  return p.map((x) => Uint8Array.from(Buffer.from(x.hex, 'hex')));
}

export const SKB_FILTERS: readonly string[] = [
  'ip protochain 17',
  'ip6 protochain 17',
  'protochain 6',
  'ip6 protochain 44',
  'ip6 and udp port 53',
  'ip6[6] == 0 and udp',
  'vlan and udp',
  'vlan 200 and tcp',
  'not vlan and ip',
  'udp portrange 50-60',
  'tcp dst portrange 1-1024',
  'portrange 1000-2000 or portrange 5000-6000',
  'len >= 60 and ip',
  'greater 200 or less 50',
  'udp[8:4] = 0xdeadbeef',
  'ip[0] & 0xf0 = 0x40',
  'ether proto 0x86dd and ip6 protochain 58',
  'src net 10.0.0.0/8 and dst port 53',
  'icmp or icmp6',
  'tcp[tcpflags] & tcp-syn != 0 and not tcp[tcpflags] & tcp-ack != 0',
];

/** Filters that need the names database (this machine's /etc, as libpcap reads it) or the netmask
 *  (SKB_ENV_NETMASK, given to pcap_compile as well): compiled with `env` by the skb context. */
export const SKB_ENV_FILTERS: readonly string[] = [
  'udp port domain',
  'tcp port http or udp port ntp',
  'udp portrange 60-bootps',
  'host localhost',
  'src host localhost and udp',
  'net loopback',
  'dst net link-local or icmp',
  'ip broadcast',
  'ip broadcast or ip multicast',
  'not ip broadcast and udp',
  'ip proto \\udp and port domain',
];

/** 255.255.255.0: the netmask of SKB_ENV_FILTERS (`ip broadcast`). */
export const SKB_ENV_NETMASK = 0xffffff00;
