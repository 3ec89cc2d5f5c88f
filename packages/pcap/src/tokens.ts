// Token vocabulary of pcap-filter(7) as libpcap 1.10's flex scanner (scanner.l) defines it.
// Invariants: keywords are case-sensitive and map to one token kind each (synonyms share a kind);
// named constants (tcpflags, icmp-echo, ...) are NUM tokens with a fixed value, exactly as the scanner
// returns them; the tables are plain frozen data.

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Protocol qualifiers (`pname` in libpcap's grammar). */
export type ProtoName =
  | 'link'
  | 'ip'
  | 'arp'
  | 'rarp'
  | 'sctp'
  | 'tcp'
  | 'udp'
  | 'icmp'
  | 'igmp'
  | 'igrp'
  | 'pim'
  | 'vrrp'
  | 'carp'
  | 'atalk'
  | 'aarp'
  | 'decnet'
  | 'lat'
  | 'sca'
  | 'moprc'
  | 'mopdl'
  | 'ip6'
  | 'icmp6'
  | 'ah'
  | 'esp'
  | 'iso'
  | 'esis'
  | 'isis'
  | 'l1'
  | 'l2'
  | 'iih'
  | 'lsp'
  | 'snp'
  | 'psnp'
  | 'csnp'
  | 'clnp'
  | 'stp'
  | 'ipx'
  | 'netbeui'
  | 'radio';

export type TokenKind =
  | 'num'
  | 'hid'
  | 'hid6'
  | 'eid'
  | 'aid'
  | 'id'
  | 'pname'
  | 'src'
  | 'dst'
  | 'host'
  | 'net'
  | 'port'
  | 'portrange'
  | 'mask'
  | 'proto'
  | 'protochain'
  | 'gateway'
  | 'less'
  | 'greater'
  | 'broadcast'
  | 'multicast'
  | 'and'
  | 'or'
  | 'not'
  | 'len'
  | 'vlan'
  | 'mpls'
  | 'pppoed'
  | 'inbound'
  | 'outbound'
  | 'ifindex'
  | 'pppoes'
  | 'geneve'
  | 'llc'
  | 'byte'
  /** An 802.11 address qualifier (grammar.y's ADDR1..ADDR4, RA, TA): `addr1`/`address1` … `ra`, `ta`. */
  | 'wdir'
  /** A keyword libpcap knows that tfc does not implement (802.11, ATM, MTP, pf, ...). */
  | 'unsupported'
  | 'punct'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly span: Span;
  /** NUM tokens: the value (u32). */
  readonly value?: number;
  /** pname tokens: the protocol. */
  readonly proto?: ProtoName;
}

const PNAMES: Readonly<Record<string, ProtoName>> = {
  link: 'link',
  ether: 'link',
  ppp: 'link',
  slip: 'link',
  fddi: 'link',
  tr: 'link',
  wlan: 'link',
  arp: 'arp',
  rarp: 'rarp',
  ip: 'ip',
  sctp: 'sctp',
  tcp: 'tcp',
  udp: 'udp',
  icmp: 'icmp',
  igmp: 'igmp',
  igrp: 'igrp',
  pim: 'pim',
  vrrp: 'vrrp',
  carp: 'carp',
  radio: 'radio',
  ip6: 'ip6',
  icmp6: 'icmp6',
  ah: 'ah',
  esp: 'esp',
  atalk: 'atalk',
  aarp: 'aarp',
  decnet: 'decnet',
  lat: 'lat',
  sca: 'sca',
  moprc: 'moprc',
  mopdl: 'mopdl',
  iso: 'iso',
  esis: 'esis',
  'es-is': 'esis',
  isis: 'isis',
  'is-is': 'isis',
  l1: 'l1',
  l2: 'l2',
  iih: 'iih',
  lsp: 'lsp',
  snp: 'snp',
  csnp: 'csnp',
  psnp: 'psnp',
  clnp: 'clnp',
  stp: 'stp',
  ipx: 'ipx',
  netbeui: 'netbeui',
};

const KEYWORDS: Readonly<Record<string, TokenKind>> = {
  src: 'src',
  dst: 'dst',
  host: 'host',
  net: 'net',
  mask: 'mask',
  port: 'port',
  portrange: 'portrange',
  proto: 'proto',
  protochain: 'protochain',
  gateway: 'gateway',
  less: 'less',
  greater: 'greater',
  broadcast: 'broadcast',
  multicast: 'multicast',
  and: 'and',
  or: 'or',
  not: 'not',
  len: 'len',
  length: 'len',
  vlan: 'vlan',
  mpls: 'mpls',
  pppoed: 'pppoed',
  inbound: 'inbound',
  outbound: 'outbound',
  ifindex: 'ifindex',
  pppoes: 'pppoes',
  geneve: 'geneve',
  llc: 'llc',
  byte: 'byte',
  address1: 'wdir',
  addr1: 'wdir',
  address2: 'wdir',
  addr2: 'wdir',
  address3: 'wdir',
  addr3: 'wdir',
  address4: 'wdir',
  addr4: 'wdir',
  ra: 'wdir',
  ta: 'wdir',
};

/** Keywords of libpcap 1.10.3 that tfc rejects as unsupported. */
const UNSUPPORTED: readonly string[] = [
  'type',
  'subtype',
  'direction',
  'dir',
  'lane',
  'metac',
  'bcc',
  'oam',
  'oamf4',
  'oamf4ec',
  'oamf4sc',
  'sc',
  'ilmic',
  'vpi',
  'vci',
  'connectmsg',
  'metaconnect',
  'on',
  'ifname',
  'rnr',
  'rulenum',
  'reason',
  'rset',
  'ruleset',
  'srnr',
  'subrulenum',
  'action',
  'fisu',
  'lssu',
  'lsu',
  'msu',
  'hfisu',
  'hlssu',
  'hmsu',
  'sio',
  'opc',
  'dpc',
  'sls',
  'hsio',
  'hopc',
  'hdpc',
  'hsls',
];

/** Named constants the scanner returns as NUM (scanner.l). */
export const NAMED_CONSTANTS: Readonly<Record<string, number>> = {
  icmptype: 0,
  icmpcode: 1,
  'icmp-echoreply': 0,
  'icmp-unreach': 3,
  'icmp-sourcequench': 4,
  'icmp-redirect': 5,
  'icmp-echo': 8,
  'icmp-routeradvert': 9,
  'icmp-routersolicit': 10,
  'icmp-timxceed': 11,
  'icmp-paramprob': 12,
  'icmp-tstamp': 13,
  'icmp-tstampreply': 14,
  'icmp-ireq': 15,
  'icmp-ireqreply': 16,
  'icmp-maskreq': 17,
  'icmp-maskreply': 18,
  icmp6type: 0,
  icmp6code: 1,
  'icmp6-destinationunreach': 1,
  'icmp6-packettoobig': 2,
  'icmp6-timeexceeded': 3,
  'icmp6-parameterproblem': 4,
  'icmp6-echo': 128,
  'icmp6-echoreply': 129,
  'icmp6-multicastlistenerquery': 130,
  'icmp6-multicastlistenerreportv1': 131,
  'icmp6-multicastlistenerdone': 132,
  'icmp6-routersolicit': 133,
  'icmp6-routeradvert': 134,
  'icmp6-neighborsolicit': 135,
  'icmp6-neighboradvert': 136,
  'icmp6-redirect': 137,
  'icmp6-routerrenum': 138,
  'icmp6-nodeinformationquery': 139,
  'icmp6-nodeinformationresponse': 140,
  'icmp6-ineighbordiscoverysolicit': 141,
  'icmp6-ineighbordiscoveryadvert': 142,
  'icmp6-multicastlistenerreportv2': 143,
  'icmp6-homeagentdiscoveryrequest': 144,
  'icmp6-homeagentdiscoveryreply': 145,
  'icmp6-mobileprefixsolicit': 146,
  'icmp6-mobileprefixadvert': 147,
  'icmp6-certpathsolicit': 148,
  'icmp6-certpathadvert': 149,
  'icmp6-multicastrouteradvert': 151,
  'icmp6-multicastroutersolicit': 152,
  'icmp6-multicastrouterterm': 153,
  tcpflags: 13,
  'tcp-fin': 0x01,
  'tcp-syn': 0x02,
  'tcp-rst': 0x04,
  'tcp-push': 0x08,
  'tcp-ack': 0x10,
  'tcp-urg': 0x20,
  'tcp-ece': 0x40,
  'tcp-cwr': 0x80,
};

export type WordClass =
  | { readonly kind: 'pname'; readonly proto: ProtoName }
  | { readonly kind: Exclude<TokenKind, 'pname'> }
  | { readonly kind: 'named'; readonly value: number };

/** Classifies a word that the scanner would return as a keyword or named constant; undefined = ID. */
export function classifyWord(word: string): WordClass | undefined {
  const p = Object.hasOwn(PNAMES, word) ? PNAMES[word] : undefined;
  if (p !== undefined) return { kind: 'pname', proto: p };
  const k = Object.hasOwn(KEYWORDS, word) ? KEYWORDS[word] : undefined;
  if (k !== undefined) return { kind: k } as WordClass;
  if (UNSUPPORTED.includes(word)) return { kind: 'unsupported' };
  const n = Object.hasOwn(NAMED_CONSTANTS, word) ? NAMED_CONSTANTS[word] : undefined;
  if (n !== undefined) return { kind: 'named', value: n };
  return undefined;
}
