/*
 * The capture suite's view of the running kernel: the sk_buff / net_device / net layout and the skb:kfree_skb hook
 * (its sk_buff, reason and location arguments, its BTF id) read from /sys/kernel/btf/vmlinux, in the compiler's
 * plain-data shapes. The same facts the CLI's host adapter reads (`packages/tfc/src/host/skb-layout.ts`), which the
 * bench may not import. Invariants: reads BTF once per call; every failure is a sentence, never a throw.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { SkbHook, SkbLayout } from '@tfc/compiler';
import { type BtfTable, btfField, btfHookParams, parseBtf } from '@tfc/kernel/sys';

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

export interface LiveKfreeSkb {
  readonly layout: SkbLayout;
  readonly hook: SkbHook;
  /** attach_btf_id: the btf_trace_kfree_skb typedef. */
  readonly btfId: number;
}

type SkbField = SkbLayout['skb']['head'];

function layoutFrom(table: BtfTable): SkbLayout | string {
  const errors: string[] = [];
  const field = (struct: string, path: readonly string[]): SkbField => {
    const r = btfField(table, struct, path);
    if (!r.ok) {
      errors.push(r.error);
      return { offset: 0, size: 0 };
    }
    const f = r.field;
    return f.bit ? { offset: f.offset, size: f.size, bit: f.bit } : { offset: f.offset, size: f.size };
  };
  const s = (name: string) => field('sk_buff', [name]);
  const layout: SkbLayout = {
    source: `BTF of the running kernel ${release()}`,
    skb: {
      head: s('head'),
      data: s('data'),
      len: s('len'),
      macHeader: s('mac_header'),
      networkHeader: s('network_header'),
      tail: s('tail'),
      dev: s('dev'),
      protocol: s('protocol'),
      pktType: s('pkt_type'),
      mark: s('mark'),
      vlanTci: s('vlan_tci'),
      vlanProto: s('vlan_proto'),
    },
    dev: {
      ifindex: field('net_device', ['ifindex']),
      type: field('net_device', ['type']),
      ndNet: field('net_device', ['nd_net', 'net']),
    },
    net: { inum: field('net', ['ns', 'inum']) },
  };
  return errors.length > 0 ? `sk_buff layout from BTF: ${errors.join('; ')}` : layout;
}

/** The running kernel's layout and its tp_btf/kfree_skb hook, or why not. */
export function liveKfreeSkb(path = VMLINUX_BTF): LiveKfreeSkb | string {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    return `no BTF (${path}: ${(e as Error).message})`;
  }
  const t = parseBtf(bytes);
  if (!t.ok) return `${path}: ${t.error}`;
  const layout = layoutFrom(t.table);
  if (typeof layout === 'string') return layout;
  const p = btfHookParams(t.table, { kind: 'tp_btf', name: 'kfree_skb' });
  if (!p.ok) return p.error;
  const skbArg = p.params.findIndex((x) => x.type === 'struct sk_buff *');
  if (skbArg < 0) return 'tp_btf/kfree_skb has no struct sk_buff * argument';
  const reasonArg = p.params.findIndex((x) => x.type === 'enum skb_drop_reason');
  const locationArg = p.params.findIndex((x) => x.type === 'void *');
  const hook: SkbHook = {
    kind: 'tp_btf',
    name: 'kfree_skb',
    skbArg,
    ...(reasonArg >= 0 ? { reasonArg } : {}),
    ...(locationArg >= 0 ? { locationArg } : {}),
  };
  return { layout, hook, btfId: p.btfId };
}
