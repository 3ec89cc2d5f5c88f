// The disassembler against the kernel itself: a socket filter using most instruction forms is
// loaded with `bpftool -d prog load` (verifier log level 1|2|4) and every instruction line the
// verifier prints, `N: (cc) text`, must equal our disassembly of slot N. Skips only without root or
// bpftool. The pinned program and temporary files are always removed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { disassemble, parseAsm } from '@tfc/bpf/ebpf';
import { writeObject } from '@tfc/bpf/elf';

function why(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to load BPF programs';
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
  } catch {
    return 'bpftool is not installed';
  }
  return undefined;
}

const PROGRAM = `
  r6 = r1
  r0 = *(u8 *)skb[12]
  r0 = *(u16 *)skb[12]
  r0 = *(u32 *)skb[10]
  r1 = 14
  r0 = *(u8 *)skb[r1 + 0]
  r7 = 0x1122334455667788
  r8 = -1
  r1 = 3
  r2 = 5
  r1 += r2
  r1 -= 1
  r1 *= r2
  r1 /= 3
  r1 |= r2
  r1 &= 255
  r1 <<= 3
  r1 >>= 1
  r1 %= 7
  r1 ^= r2
  r1 s>>= 1
  r1 = -r1
  w1 += w2
  w1 -= 1
  w1 *= w2
  w1 /= 3
  w1 |= w2
  w1 &= 255
  w1 <<= 3
  w1 >>= 1
  w1 %= 7
  w1 ^= w2
  w1 s>>= 1
  w1 = -w1
  w1 = w2
  w1 = -7
  r1 s/= 3
  r1 s%= 3
  w1 s/= -3
  w1 s%= 3
  r1 s/= r2
  w1 s%= w2
  r1 = (s8)r2
  r1 = (s16)r2
  r1 = (s32)r2
  w1 = (s8)w2
  w1 = (s16)w2
  r1 = be16 r1
  r1 = be32 r1
  r1 = be64 r1
  r1 = le16 r1
  r1 = le32 r1
  r1 = le64 r1
  r1 = bswap16 r1
  r1 = bswap32 r1
  r1 = bswap64 r1
  *(u64 *)(r10 -8) = r1
  *(u32 *)(r10 -16) = 7
  *(u16 *)(r10 -18) = -7
  *(u8 *)(r10 -19) = 7
  *(u32 *)(r10 -24) = r2
  *(u16 *)(r10 -26) = r2
  *(u8 *)(r10 -27) = r2
  r3 = *(u64 *)(r10 -8)
  r3 = *(u32 *)(r10 -16)
  r3 = *(u16 *)(r10 -18)
  r3 = *(u8 *)(r10 -19)
  r3 = *(s32 *)(r10 -16)
  r3 = *(s16 *)(r10 -18)
  r3 = *(s8 *)(r10 -19)
  lock *(u64 *)(r10 -8) += r2
  lock *(u32 *)(r10 -16) |= r2
  lock *(u64 *)(r10 -8) &= r2
  lock *(u64 *)(r10 -8) ^= r2
  r2 = atomic64_fetch_add((u64 *)(r10 -8), r2)
  r2 = atomic_fetch_xor((u32 *)(r10 -16), r2)
  r2 = atomic64_xchg((u64 *)(r10 -8), r2)
  r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)
  store_release((u64 *)(r10 -8), r2)
  r3 = load_acquire((u64 *)(r10 -8))
  r3 = load_acquire((u8 *)(r10 -8))
  may_goto pc+0
  call bpf_get_smp_processor_id#8
  r2 = 5
  if r0 > 0x5 goto pc+0
  if r0 == 0xffffffff goto pc+0
  if w0 s< 0x3 goto pc+0
  if r0 != r2 goto pc+0
  if w0 & w2 goto pc+0
  if r0 s>= r8 goto pc+0
  goto pc+0
  gotol pc+0
  r0 = 0
  exit`;

test('disassembly equals the kernel verifier log, line by line', { skip: why() }, () => {
  const p = parseAsm(PROGRAM);
  assert.ok(p.ok, p.ok ? '' : `${p.error} at ${p.line}`);
  const ours = new Map(
    disassemble(p.insns)
      .split('\n')
      .map((l) => [Number(l.slice(0, l.indexOf(':'))), l] as const),
  );
  const dir = mkdtempSync(join(tmpdir(), `tfc-ebpf-log-${process.pid}-`));
  const pin = `/sys/fs/bpf/tfc_ebpf_log_${process.pid}`;
  try {
    const file = join(dir, 'p.o');
    writeFileSync(
      file,
      writeObject({ license: 'GPL', programs: [{ name: 'forms', section: 'socket', insns: p.insns }] }),
    );
    const r = spawnSync('bpftool', ['-d', 'prog', 'load', file, pin], { encoding: 'utf8' });
    const log = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, log);
    const seen = new Map<number, string>();
    for (const line of log.split('\n')) {
      const m = /^(\d+): (\([0-9a-f]{2}\) .*?)(?:\s+;.*)?$/.exec(line);
      if (m !== null && !seen.has(Number(m[1]))) seen.set(Number(m[1]), `${m[1]}: ${m[2]!.trimEnd()}`);
    }
    assert.ok(
      seen.size >= ours.size - 1,
      `the verifier printed only ${seen.size} of ${ours.size} instructions`,
    );
    for (const [slot, kernelLine] of seen) assert.equal(ours.get(slot), kernelLine);
  } finally {
    rmSync(pin, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
