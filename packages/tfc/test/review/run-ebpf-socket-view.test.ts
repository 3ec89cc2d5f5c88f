// Defect R7 (usability), fixed: `tfc run --isa ebpf` cannot run tfc's own eBPF socket filters. A pcap filter compiled with
// `tfc compile --lang pcap 'tcp port 80' --target ebpf` (default --prog-type socket) reads the frame from the
// Ethernet header, as a packet socket presents it; `tfc run --isa ebpf` (VM and --kernel) presents the frame as
// BPF_PROG_TEST_RUN does, from the network header, so every frame reads 14 bytes off and the verdict is r0 = 0 for
// all 2000 frames of a capture on which tcpdump matches 31 — silently, without a warning. The same program as cBPF
// (`--target cbpf`) is run correctly by `tfc run`. Expected: `tfc run` presents socket programs as the packet socket
// the compiler targets (or at least warns that verdicts are shifted). Owners: packages/tfc/src/cli/commands/run.ts
// (eBPF socket input) / docs/bpf-toolkit.md.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tfc } from './helpers.ts';

// Ethernet + IPv4 (1.2.3.4 → 5.6.7.8) + TCP 1234 → 80, SYN; 54 bytes.
const FRAME = [
  '020000000001',
  '020000000002',
  '0800',
  '45000028',
  '00014000',
  '40060000',
  '01020304',
  '05060708',
  '04d20050',
  '00000001',
  '00000000',
  '50020000',
  '00000000',
].join('');

test('R7: tfc run --isa ebpf accepts a TCP port 80 frame with the eBPF socket filter tfc compiled for tcp port 80', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-review-r7-'));
  try {
    const cb = join(dir, 'p.ddd');
    const c1 = await tfc([
      'compile',
      '--lang',
      'pcap',
      'tcp port 80',
      '--target',
      'cbpf',
      '--emit',
      'ddd',
      '-o',
      cb,
    ]);
    assert.equal(c1.code, 0, c1.err);
    const r1 = await tfc(['run', cb, '--packet', FRAME]);
    assert.match(r1.out, /^1: accept/, `control: cBPF accepts (${r1.out})`);
    const eb = join(dir, 'p.o');
    const c2 = await tfc([
      'compile',
      '--lang',
      'pcap',
      'tcp port 80',
      '--target',
      'ebpf',
      '--emit',
      'elf',
      '-o',
      eb,
    ]);
    assert.equal(c2.code, 0, c2.err);
    const r2 = await tfc(['run', '--isa', 'ebpf', eb, '--packet', FRAME]);
    assert.match(r2.out, /^1: r0 = [1-9]/m, `eBPF socket filter: ${r2.out.trim()}; ${r2.err.trim()}`);
    if (process.getuid?.() === 0) {
      const k = await tfc(['run', '--isa', 'ebpf', eb, '--packet', FRAME, '--kernel']);
      assert.equal(k.out, r2.out, `the kernel's test run agrees with the VM: ${k.err}`);
    }
    const other = FRAME.replace('04d20050', '04d20051');
    const r3 = await tfc(['run', '--isa', 'ebpf', eb, '--packet', other]);
    assert.match(r3.out, /^1: r0 = 0$/m, `port 81 is not port 80: ${r3.out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
