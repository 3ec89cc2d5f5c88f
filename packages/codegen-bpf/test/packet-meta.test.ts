// packet-meta.ts, the one table of where a packet program finds the packet's Linux metadata: struct __sk_buff's
// pkt_type (4), vlan_present (20), vlan_tci (24), ifindex (40) for socket filters and tc (and the C names), XDP's
// ingress_ifindex (12) and nothing else there, refusals naming the reason in the skb and tracepoint contexts and for
// the trace environment's cpu/pid. Invariant: pure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PSEUDO_NAMES } from '@tfc/ir';
import { isPacketMeta, packetMetaField } from '../src/lower/packet-meta.ts';
import { Unsupported } from '../src/options.ts';

/** fn throws tfc's Unsupported with a message matching re. */
const refuses = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof Unsupported && re.test(e.message));

test('socket filters and tc read __sk_buff; XDP only its ingress ifindex', () => {
  const want = {
    pkttype: [4, 'pkt_type'],
    ifindex: [40, 'ifindex'],
    vlan_present: [20, 'vlan_present'],
    vlan_tci: [24, 'vlan_tci'],
  } as const;
  for (const progType of ['socket', 'tc', undefined] as const)
    for (const [name, [offset, cField]] of Object.entries(want) as [
      keyof typeof want,
      (typeof want)[keyof typeof want],
    ][])
      assert.deepEqual(packetMetaField('packet', progType, name), { offset, cField }, `${progType} ${name}`);
  assert.deepEqual(packetMetaField('packet', 'xdp', 'ifindex'), { offset: 12, cField: 'ingress_ifindex' });
  for (const name of ['pkttype', 'vlan_present', 'vlan_tci'] as const)
    refuses(() => packetMetaField('packet', 'xdp', name), /XDP has no/);
  refuses(() => packetMetaField('packet', 'xdp', 'vlan_tci'), /no VLAN metadata/);
});

test('which pseudo-fields are packet metadata, and where none is served', () => {
  assert.deepEqual(PSEUDO_NAMES.filter(isPacketMeta), ['pkttype', 'ifindex', 'vlan_present', 'vlan_tci']);
  refuses(() => packetMetaField('packet', 'socket', 'cpu'), /needs --ctx tracepoint/);
  refuses(() => packetMetaField('skb', undefined, 'vlan_present'), /capture record/);
  refuses(() => packetMetaField('tracepoint', undefined, 'vlan_tci'), /needs a packet context/);
});
