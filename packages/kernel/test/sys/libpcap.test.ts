// libpcap through koffi: pcap_compile on a dead handle reproduces `tcpdump -ddd` byte for byte
// (corpus .ddd files for EN10MB optimized/unoptimized and DLT_RAW, plus a live tcpdump run), reports
// libpcap's own error text for bad expressions, and bpf_filter agrees with tcpdump's verdicts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { DLT, loadLibpcap } from '../../src/sys/index.ts';
import { corpusPrograms, encodeSockFilter } from './corpus.ts';
import { CORPUS_DIR } from './frames.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

function ddd(bytes: Uint8Array): string {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lines = [String(bytes.length / 8)];
  for (let i = 0; i < bytes.length; i += 8) {
    lines.push(
      `${v.getUint16(i, true)} ${v.getUint8(i + 2)} ${v.getUint8(i + 3)} ${v.getUint32(i + 4, true)}`,
    );
  }
  return lines.join('\n');
}

test('pcap_compile (EN10MB) = corpus tcpdump -ddd, optimized and unoptimized', { skip }, () => {
  assert.ok(pcap.ok);
  assert.match(pcap.value.version, /libpcap version 1\.10\.3/);
  using c = pcap.value.compiler(DLT.EN10MB, 262144);
  let n = 0;
  for (const p of corpusPrograms()) {
    const kind = p.id.startsWith('unopt/') ? 'unopt' : p.id.includes('/') ? undefined : 'opt';
    if (kind === undefined) continue;
    const r = c.compile(p.filter, { optimize: kind === 'opt' });
    assert.ok(r.ok, `${p.id}: ${r.ok ? '' : r.error}`);
    assert.equal(ddd(r.program), ddd(p.bytes), p.id);
    n++;
  }
  assert.equal(n, 128);
});

test('pcap_compile (DLT_RAW) = corpus raw/*.ddd', { skip }, () => {
  assert.ok(pcap.ok);
  using c = pcap.value.compiler(DLT.RAW, 262144);
  const dir = `${CORPUS_DIR}/raw`;
  const files = readdirSync(dir).filter((f) => f.endsWith('.ddd'));
  assert.ok(files.length > 40);
  for (const f of files) {
    const t = readFileSync(`${dir}/${f}`, 'utf8').trim().split('\n');
    const r = c.compile(t[0] ?? '');
    assert.ok(r.ok, f);
    assert.equal(ddd(r.program), t.slice(1).join('\n'), f);
  }
});

test('pcap_compile errors come back as libpcap error text; dispose is idempotent', { skip }, () => {
  assert.ok(pcap.ok);
  const c = pcap.value.compiler(DLT.EN10MB);
  const bad = c.compile('tcp and and');
  assert.deepEqual(bad, { ok: false, error: "can't parse filter expression: syntax error" });
  const empty = c.compile('tcp[13] = 2 and ip6');
  assert.ok(!empty.ok);
  assert.match(empty.error, /expression rejects all packets/);
  const unopt = c.compile('tcp[13] = 2 and ip6', { optimize: false });
  assert.ok(unopt.ok && unopt.program.length === 34 * 8);
  c.dispose();
  c.dispose();
  assert.deepEqual(c.compile('tcp'), { ok: false, error: 'compiler disposed' });
});

test('pcap_compile = a live `tcpdump -ddd` run on this machine', {
  skip:
    skip ||
    (existsSync('/usr/bin/tcpdump') || existsSync('/usr/sbin/tcpdump') ? false : 'tcpdump not installed'),
}, (t) => {
  assert.ok(pcap.ok);
  const file = `/tmp/tfc-empty-${process.pid}.pcap`;
  // pcap global header: magic, v2.4, tz 0, sigfigs 0, snaplen 262144, linktype EN10MB
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(1, 20);
  writeFileSync(file, h);
  t.after(() => rmSync(file, { force: true }));
  using c = pcap.value.compiler(DLT.EN10MB, 262144);
  for (const expr of [
    'tcp port 80',
    'vlan 100 and udp',
    'ip6 protochain 6',
    'ether[0] & 1 != 0',
    'icmp[icmptype] = icmp-echo',
  ]) {
    const r = spawnSync('tcpdump', ['-ddd', '-r', file, expr], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const mine = c.compile(expr);
    assert.ok(mine.ok);
    assert.equal(ddd(mine.program), r.stdout.trim(), expr);
  }
});

test('bpf_filter: wirelen vs buflen, and a program encoded by the test helper', { skip }, () => {
  assert.ok(pcap.ok);
  // ld #len; ret a  → returns the wire length, not the buffer length
  const prog = encodeSockFilter([
    [0x80, 0, 0, 0],
    [0x16, 0, 0, 0],
  ]);
  assert.equal(pcap.value.filter(prog, new Uint8Array(10), 1500), 1500);
  assert.equal(pcap.value.filter(prog, new Uint8Array(10)), 10);
  // ldb [20]; ret a on a 10-byte buffer: out of bounds → 0
  const oob = encodeSockFilter([
    [0x30, 0, 0, 20],
    [0x16, 0, 0, 0],
  ]);
  assert.equal(pcap.value.filter(oob, new Uint8Array(10)), 0);
  assert.equal(pcap.value.filter(oob, new Uint8Array(21).fill(7)), 7);
});
