// The struct layout a capture program needs, read from BTF at load time and handed to the code generator as plain
// data: offsets and sizes of the sk_buff, net_device, possible_net_t and net members the record is built from.
// Invariants: pure over a BtfTable; every offset comes from BTF (nothing hard-coded); a bitfield (`pkt_type`) is
// given as the byte that holds it plus shift and mask; a missing struct or member is an error value naming it.
import { type BtfTable, findMember, findType, KIND, typeSize } from './btf-types.ts';

/** One member: byte offset from its struct, load size in bytes; a bitfield adds `shift`/`mask` within that load. */
export interface FieldLayout {
  readonly offset: number;
  readonly size: number;
  readonly shift?: number;
  readonly mask?: number;
}

export interface SkbLayout {
  readonly skb: {
    readonly len: FieldLayout;
    readonly dataLen: FieldLayout;
    readonly head: FieldLayout;
    readonly data: FieldLayout;
    readonly macHeader: FieldLayout;
    readonly networkHeader: FieldLayout;
    readonly dev: FieldLayout;
    readonly protocol: FieldLayout;
    readonly pktType: FieldLayout;
    readonly mark: FieldLayout;
    readonly vlanTci: FieldLayout;
    readonly vlanProto: FieldLayout;
  };
  readonly netDevice: {
    readonly ifindex: FieldLayout;
    /** `nd_net.net`: possible_net_t's pointer, from the start of net_device. */
    readonly net: FieldLayout;
    readonly type: FieldLayout;
    readonly hardHeaderLen: FieldLayout;
  };
  /** `ns.inum` from the start of struct net. */
  readonly net: { readonly nsInum: FieldLayout };
}

export type LayoutResult =
  | { readonly ok: true; readonly layout: SkbLayout }
  | { readonly ok: false; readonly error: string };

class Missing extends Error {}

function field(table: BtfTable, struct: string, path: readonly string[]): FieldLayout {
  const s = findType(table, struct, KIND.STRUCT);
  if (s === undefined) throw new Missing(`struct ${struct}`);
  let id = s.id;
  let bits = 0;
  let last: { bitSize: number; type: number } | undefined;
  for (const name of path) {
    const m = findMember(table, id, name);
    if (m === undefined) throw new Missing(`${struct}.${path.join('.')}`);
    bits += m.bitOffset;
    id = m.type;
    last = m;
  }
  if (last === undefined) throw new Missing(`${struct}.<empty path>`);
  if (last.bitSize > 0) {
    const byte = Math.floor(bits / 8);
    return { offset: byte, size: 1, shift: bits - byte * 8, mask: (1 << last.bitSize) - 1 };
  }
  const size = typeSize(table, last.type);
  if (size === undefined || bits % 8 !== 0) throw new Missing(`${struct}.${path.join('.')} (unsized)`);
  return { offset: bits / 8, size };
}

/** Reads the capture layout from BTF. */
export function skbLayout(table: BtfTable): LayoutResult {
  try {
    const f = (path: string) => field(table, 'sk_buff', path.split('.'));
    const layout: SkbLayout = {
      skb: {
        len: f('len'),
        dataLen: f('data_len'),
        head: f('head'),
        data: f('data'),
        macHeader: f('mac_header'),
        networkHeader: f('network_header'),
        dev: f('dev'),
        protocol: f('protocol'),
        pktType: f('pkt_type'),
        mark: f('mark'),
        vlanTci: f('vlan_tci'),
        vlanProto: f('vlan_proto'),
      },
      netDevice: {
        ifindex: field(table, 'net_device', ['ifindex']),
        net: field(table, 'net_device', ['nd_net', 'net']),
        type: field(table, 'net_device', ['type']),
        hardHeaderLen: field(table, 'net_device', ['hard_header_len']),
      },
      net: { nsInum: field(table, 'net', ['ns', 'inum']) },
    };
    return { ok: true, layout };
  } catch (e) {
    if (e instanceof Missing) return { ok: false, error: `BTF lacks ${e.message}` };
    throw e;
  }
}
