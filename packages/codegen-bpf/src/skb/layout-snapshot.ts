// A fixed sk_buff layout for offline compiles and golden listings: the offsets read from the BTF of one named kernel
// build (Linux 6.18.44-fc-v1272, x86-64, gcc 15.3.0). Programs for a running kernel take their layout from its BTF
// (the CLI's host adapter); this snapshot is only right for that build.
// Invariants: plain data; `source` names the build; regenerating it means reading the same members from BTF.
import type { SkbLayout } from './options.ts';

const f = (offset: number, size: number) => ({ offset, size });

export const SKB_LAYOUT_SNAPSHOT: SkbLayout = {
  source: 'snapshot of Linux 6.18.44-fc-v1272 x86-64 (vmlinux BTF)',
  skb: {
    head: f(192, 8),
    data: f(200, 8),
    len: f(112, 4),
    macHeader: f(182, 2),
    networkHeader: f(180, 2),
    tail: f(184, 4),
    dev: f(16, 8),
    protocol: f(176, 2),
    pktType: { offset: 128, size: 1, bit: { shift: 0, bits: 3 } },
    mark: f(164, 4),
    vlanTci: f(154, 2),
    vlanProto: f(152, 2),
  },
  dev: { ifindex: f(224, 4), type: f(536, 2), ndNet: f(264, 8) },
  net: { inum: f(176, 4) },
};

/** The hooks of that build whose sk_buff argument index is known without BTF (tp_btf argument lists). */
export const SKB_HOOKS_SNAPSHOT: Readonly<
  Record<string, { skbArg: number; reasonArg?: number; locationArg?: number }>
> = {
  'tp_btf/kfree_skb': { skbArg: 0, locationArg: 1, reasonArg: 2 },
  'tp_btf/consume_skb': { skbArg: 0, locationArg: 1 },
  'tp_btf/netif_receive_skb': { skbArg: 0 },
  'tp_btf/net_dev_queue': { skbArg: 0 },
  'tp_btf/net_dev_xmit': { skbArg: 0 },
};
