// The link types (libpcap DLT_* values) the pcap front end compiles for, by libpcap's names: the table the
// CLI's `--linktype` and the differential tests read. Invariants: plain data; every entry's `dlt` is the
// value pcap_open_dead takes on Linux; `description` is libpcap's pcap_datalink_val_to_description text,
// which its error messages quote ("no VLAN support for Linux cooked v1").

export type LinkType =
  | 'ethernet'
  | 'raw'
  | 'ipv4'
  | 'ipv6'
  | 'linux_sll'
  | 'linux_sll2'
  | 'ieee802_11'
  | 'ieee802_11_radio';

export interface LinkTypeInfo {
  readonly id: LinkType;
  /** libpcap's name (pcap_datalink_val_to_name without `DLT_`). */
  readonly name: string;
  readonly dlt: number;
  readonly description: string;
}

export const LINK_TYPES: readonly LinkTypeInfo[] = [
  { id: 'ethernet', name: 'EN10MB', dlt: 1, description: 'Ethernet' },
  { id: 'raw', name: 'RAW', dlt: 12, description: 'Raw IP' },
  { id: 'ipv4', name: 'IPV4', dlt: 228, description: 'Raw IPv4' },
  { id: 'ipv6', name: 'IPV6', dlt: 229, description: 'Raw IPv6' },
  { id: 'linux_sll', name: 'LINUX_SLL', dlt: 113, description: 'Linux cooked v1' },
  { id: 'linux_sll2', name: 'LINUX_SLL2', dlt: 276, description: 'Linux cooked v2' },
  { id: 'ieee802_11', name: 'IEEE802_11', dlt: 105, description: '802.11' },
  { id: 'ieee802_11_radio', name: 'IEEE802_11_RADIO', dlt: 127, description: '802.11 plus radiotap header' },
];

export function linkTypeInfo(id: LinkType): LinkTypeInfo {
  return LINK_TYPES.find((l) => l.id === id)!;
}

/**
 * A link type by libpcap's name (`EN10MB`, `DLT_LINUX_SLL`, case-insensitive), its DLT number, or tfc's
 * own spellings (`ethernet`, `raw`, `linux_sll`, …); undefined for anything else.
 */
export function linkTypeByName(text: string): LinkType | undefined {
  const t = text.trim().toUpperCase().replace(/^DLT_/, '');
  if (/^[0-9]+$/.test(t)) return LINK_TYPES.find((l) => l.dlt === Number(t))?.id;
  if (t === 'ETHERNET') return 'ethernet';
  return LINK_TYPES.find((l) => l.name === t || l.id.toUpperCase() === t)?.id;
}
