// Defect R4: --target flower refuses the most common flower filters. docs/tc.md sells flower for "pcap filters over
// header fields the flow dissector keys on" and `--target tc` tries it first, but:
//   tfc compile --lang pcap 'tcp port 80' --target flower --dev eth0
//     → exit 1 "a load at a computed offset (e.g. IPv4 ports behind the IHL) is not mapped yet"
//   tfc compile --lang pcap 'udp' --target flower --dev eth0   (also 'tcp', 'ip6 proto 6', 'ip6 and udp')
//     → exit 1 "IPv6 payload bytes without next header tcp, udp or sctp (no flower key for them)"
// IPv4 ports are exactly what cls_flower's dst_port/src_port keys are for (IHL ≥ 5 is already in flower's stated
// contract), and the IPv6-fragment term that blocks `udp` only covers frames with an extension header, which the
// contract already excludes. `--target tc` then falls back to 32 u32 rules / 152 keys for `tcp port 80`.
// Owner: packages/codegen-tc/src/flower.ts. Fixed: the IHL cases fold into one port key (the dissector follows the
// IHL), and entries with an IPv6 extension header as next header are dropped (never inside the contract).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tfc } from './helpers.ts';

async function flower(expr: string) {
  return tfc(['compile', '--lang', 'pcap', expr, '--target', 'flower', '--dev', 'eth0']);
}

test('R4 control: flower takes ip proto and IPv6 ports', async () => {
  const a = await flower('ip and tcp');
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /protocol ip prio 1 flower ip_proto tcp /);
  const b = await flower('ip6 and tcp port 443');
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /protocol ipv6 .* flower ip_proto tcp dst_port 443 /);
});

test('R4: flower expresses IPv4 ports (tcp dst port 80, udp port 53)', async () => {
  const a = await flower('tcp dst port 80');
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /protocol ip .*flower ip_proto tcp dst_port 80 /);
  const b = await flower('udp port 53');
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /protocol ip .*flower ip_proto udp (src|dst)_port 53 /);
});

test('R4: flower expresses plain protocol filters (udp, tcp, ip6 proto 6)', async () => {
  for (const [expr, proto] of [
    ['udp', 'udp'],
    ['tcp', 'tcp'],
    ['ip6 proto 6', 'tcp'],
  ] as const) {
    const r = await flower(expr);
    assert.equal(r.code, 0, `${expr}: ${r.err}`);
    assert.match(r.out, new RegExp(`flower ip_proto ${proto} `), expr);
  }
});

test('R4: --target tc picks flower for tcp port 80', async () => {
  const r = await tfc(['compile', '--lang', 'pcap', 'tcp port 80', '--target', 'tc', '--dev', 'eth0']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /protocol ip prio \d+ flower ip_proto tcp dst_port 80 /);
  assert.doesNotMatch(r.out, / u32 /);
});

test('R4: flower expresses host 10.0.0.1 (IPv4 addresses, ARP/RARP arp_sip/arp_tip)', async () => {
  const r = await flower('host 10.0.0.1');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /protocol ip .*flower src_ip 10\.0\.0\.1\/32 /);
  assert.match(r.out, /protocol ip .*flower dst_ip 10\.0\.0\.1\/32 /);
  assert.match(r.out, /protocol arp .*flower arp_sip 10\.0\.0\.1\/32 /);
  assert.match(r.out, /protocol arp .*flower arp_tip 10\.0\.0\.1\/32 /);
});
