// `tfc compile --lang pcap --pcap-capture offline|linux-live`: the option reaches the pcap lowering for the cBPF and
// eBPF targets (libpcap's live `vlan`: ldb [vlanp] / [vlan_tci], __sk_buff vlan_present / vlan_tci), offline stays
// the default (its program byte for byte), and every place the option does not apply is a usage error (exit 2) or,
// for XDP, a refusal by name (exit 1). Invariant: in-memory I/O only; no kernel needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

async function tfc(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(['compile', '--lang', 'pcap', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('--pcap-capture linux-live compiles the live vlan for cBPF and eBPF; offline is the default', async () => {
  const live = await tfc(['vlan 100 and tcp', '--target', 'cbpf', '--pcap-capture', 'linux-live']);
  assert.equal(live.code, 0, live.err);
  assert.match(live.out, /ldb {6}\[vlanp\]/);
  assert.match(live.out, /ldb {6}\[vlan_tci\]/);
  const dflt = await tfc(['vlan 100 and tcp', '--target', 'cbpf']);
  const offline = await tfc(['vlan 100 and tcp', '--target', 'cbpf', '--pcap-capture', 'offline']);
  assert.equal(dflt.code, 0);
  assert.equal(offline.out, dflt.out);
  assert.doesNotMatch(dflt.out, /vlanp|vlan_tci/);
  // a filter without vlan is the same program either way
  const tcp = await tfc(['tcp port 80', '--target', 'cbpf', '--pcap-capture', 'linux-live']);
  assert.equal(tcp.out, (await tfc(['tcp port 80', '--target', 'cbpf'])).out);
  for (const progType of ['socket', 'tc']) {
    const e = await tfc([
      'vlan 100',
      '--target',
      'ebpf',
      '--prog-type',
      progType,
      '--pcap-capture',
      'linux-live',
      '--emit',
      'asm',
    ]);
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, /\(r6 \+20\)/, `${progType}: __sk_buff.vlan_present`);
    assert.match(e.out, /\(r6 \+24\)/, `${progType}: __sk_buff.vlan_tci`);
  }
});

test('--pcap-capture: refusals and usage errors', async () => {
  const xdp = await tfc([
    'vlan 100',
    '--target',
    'ebpf',
    '--prog-type',
    'xdp',
    '--pcap-capture',
    'linux-live',
  ]);
  assert.equal(xdp.code, 1);
  assert.match(xdp.err, /^tfc: .*XDP has no VLAN metadata/m);
  // libpcap's shift depends on the path: refused with the primitive's position
  const path = await tfc(['ip or vlan and ip', '--pcap-capture', 'linux-live']);
  assert.equal(path.code, 1);
  assert.match(path.err, /\^\^/);
  assert.equal((await tfc(['ip or (vlan and ip)', '--pcap-capture', 'linux-live'])).code, 0);
  const usage: readonly (readonly string[])[] = [
    ['vlan', '--pcap-capture', 'live'],
    ['vlan', '--pcap-capture', 'linux-live', '--target', 'u32', '--dev', 'eth0'],
    ['vlan', '--pcap-capture', 'linux-live', '--target', 'p4'],
    ['vlan', '--pcap-capture', 'linux-live', '--ctx', 'skb'],
  ];
  for (const args of usage) {
    const r = await tfc(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, /^tfc: .*pcap-capture/m);
  }
  const trace = memoryIo();
  assert.equal(await main(['compile', 'a == 1', '--pcap-capture', 'linux-live'], trace), 2);
});
