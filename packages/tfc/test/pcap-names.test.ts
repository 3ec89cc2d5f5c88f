// The names database as the CLI reads it (src/host/pcap-names.ts) and the pcap options that carry it:
// `--names-from DIR` resolves names from DIR's five files exactly as the pcap front end does from the same
// text (a name compiles to the program of its number), `--netmask` enables `ip broadcast`, both are refused
// where they mean nothing, a filter over the IR size budget is a usage error (exit 2), quickly, and the words of
// a pcap expression given as several arguments are joined as tcpdump joins them.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { readPcapNames } from '../src/host/pcap-names.ts';

const FIXTURE = fileURLToPath(new URL('../../pcap/test/fixtures/names', import.meta.url));

async function run(args: readonly string[], files: Readonly<Record<string, string>> = {}) {
  const io = memoryIo(files);
  const code = await main(['compile', '--lang', 'pcap', ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('readPcapNames reads the five files of a directory; a missing directory is an error', () => {
  const r = readPcapNames(FIXTURE);
  assert.ok(r.ok);
  assert.deepEqual(r.names.services.onlyudp, { udp: 5000 });
  assert.deepEqual(r.names.hosts.dual, ['10.1.2.3', '2001:db8::7']);
  const bad = readPcapNames('/nonexistent-tfc-dir');
  assert.ok(!bad.ok && /ENOENT/.test(bad.reason));
});

test('--names-from: a name compiles to the program of the number it stands for', async () => {
  for (const [named, numeric] of [
    ['udp port onlyudp', 'udp port 5000'],
    ['port split', 'tcp port 700'],
    ['ip proto myproto', 'ip proto 253'],
    ['ether host sun', 'ether host 08:00:20:01:02:03'],
    ['host multi', 'host 10.9.9.9 or host 10.9.9.10'],
  ]) {
    const a = await run([named!, '--names-from', FIXTURE, '--emit', 'ddd']);
    const b = await run([numeric!, '--emit', 'ddd']);
    assert.equal(a.code, 0, a.err);
    assert.equal(a.out, b.out, named);
  }
  const unknown = await run(['udp port domain', '--names-from', FIXTURE.replace(/names$/, '')]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown port 'domain'/);
  const p4 = await run(['udp port onlyudp', '--names-from', FIXTURE, '--target', 'p4']);
  assert.equal(p4.code, 0, p4.err);
});

test('--netmask enables ip broadcast; bad values and inapplicable uses are usage errors', async () => {
  assert.equal((await run(['ip broadcast'])).code, 1);
  const ok = await run(['ip broadcast', '--netmask', '255.255.255.0']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal((await run(['ip broadcast', '--netmask', '255.255.256.0'])).code, 2);
  assert.equal((await run(['tcp', '--names-from', '/nonexistent-tfc-dir'])).code, 2);
  const io = memoryIo();
  assert.equal(
    await main(['compile', 'x == 1', '--event', 'sock/inet_sock_set_state', '--netmask', '1.2.3.4'], io),
    2,
  );
});

test('--ctx skb and tfc capture resolve names and take --netmask, --pcap-version and --bpf-loops as the packet targets do', async () => {
  const skb = ['--target', 'ebpf', '--ctx', 'skb', '--attach', 'tp_btf/kfree_skb', '--layout', 'snapshot'];
  for (const [named, numeric] of [
    ['udp port onlyudp', 'udp port 5000'],
    ['host multi', 'host 10.9.9.9 or host 10.9.9.10'],
  ]) {
    const a = await run([named!, ...skb, '--names-from', FIXTURE]);
    const b = await run([numeric!, ...skb]);
    assert.equal(a.code, 0, a.err);
    assert.equal(a.out, b.out, named);
  }
  assert.equal((await run(['udp port onlyudp', ...skb])).code, 1, 'not in /etc');
  assert.equal((await run(['ip broadcast', ...skb])).code, 1);
  const bc = await run(['ip broadcast', ...skb, '--netmask', '255.255.255.0']);
  assert.equal(bc.code, 0, bc.err);
  const v = await run(['ip multicast', ...skb, '--pcap-version', 'current']);
  const v10 = await run(['ip multicast', ...skb]);
  assert.equal(v.code, 0, v.err);
  assert.notEqual(v.out, v10.out, '--pcap-version current changes ip multicast');
  assert.equal((await run(['tcp', ...skb, '--pcap-version', '2.0'])).code, 2);
  const loop = await run(['ip6 protochain 17', ...skb, '--bpf-loops', 'may_goto']);
  const unrolled = await run(['ip6 protochain 17', ...skb, '--bpf-loops', 'unrolled']);
  assert.match(loop.out, /may_goto/);
  assert.equal(unrolled.code, 0, unrolled.err);
  assert.doesNotMatch(unrolled.out, /may_goto/, '--bpf-loops unrolled at an skb hook');
  assert.equal((await run(['tcp', ...skb, '--bpf-loops', 'forever'])).code, 2);
  // tfc capture checks the filter (with the same options) before it needs root (its hooks come from BTF)
  if (!existsSync('/sys/kernel/btf/vmlinux')) return;
  const capture = async (args: readonly string[]) => {
    const io = memoryIo();
    const code = await main(['capture', ...args, '--drops'], io);
    return { code, err: io.stderr() };
  };
  const unknown = await capture(['udp port onlyudp']);
  assert.equal(unknown.code, 1, unknown.err);
  assert.match(unknown.err, /unknown port 'onlyudp'/);
  assert.equal((await capture(['ip broadcast', '--netmask', '255.255.255.0.1'])).code, 2);
  assert.equal((await capture(['tcp', '--names-from', '/nonexistent-tfc-dir'])).code, 2);
  const nb = await capture(['ip broadcast']);
  assert.equal(nb.code, 1, nb.err);
  assert.match(nb.err, /netmask not known/);
});

test('a 100,000-term or chain: exit 2 with a size diagnostic, quickly', async () => {
  const text = Array.from({ length: 100_000 }, (_, i) => `port ${(i % 65535) + 1}`).join(' or ');
  const t0 = Date.now();
  const r = await run(['--filter-file', '/chain.txt', '--target', 'cbpf'], { '/chain.txt': text });
  assert.equal(r.code, 2);
  assert.match(r.err, /filter too large/);
  assert.doesNotMatch(r.err, /nested/);
  assert.ok(Date.now() - t0 < 15_000, `${Date.now() - t0} ms`);
});

test('pcap words are joined as tcpdump joins its arguments; a trace filter stays one argument', async () => {
  const joined = await run(['tcp', 'port', '80', '--emit', 'ddd']);
  const one = await run(['tcp port 80', '--emit', 'ddd']);
  assert.equal(joined.code, 0, joined.err);
  assert.equal(joined.out, one.out);
  const io = memoryIo();
  assert.equal(await main(['compile', 'x == 1', 'y', '--event', 'sock/inet_sock_set_state'], io), 2);
  assert.match(io.stderr(), /unexpected argument 'y'/);
});
