// Differential tests against the running kernel: programs are attached with SO_ATTACH_FILTER to an AF_UNIX
// datagram socket by the C harness harness/kernel-socket.c (compiled at test time into a per-process temporary
// directory, removed after; every socket is closed by the harness). Checks (1) validate() accepts exactly what the
// kernel accepts and (2) the VM's kernel semantics give what the kernel delivers: min(result, length), or a drop
// when the result is 0. Skips only when gcc is absent.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RawInsn, VmContext } from '../../src/cbpf/index.ts';
import { printDdd, run, validate } from '../../src/cbpf/index.ts';
import { arbCanonicalProgram, arbKernelProgram, arbRawProgram } from './arbitraries.ts';
import { corpusPrograms, frames } from './corpus.ts';

const skip = spawnSync('gcc', ['--version']).status === 0 ? false : 'gcc is not installed';
/** What an AF_UNIX datagram skb looks like to a classic filter. */
const UNIX_CTX: VmContext = { netOffset: 0, macOffset: -1, noDevice: true };
const CPU = 0xfffff024;
const RANDOM = 0xfffff038;

function harness(t: {
  after: (fn: () => void) => void;
}): (p: readonly RawInsn[], pkts: readonly Uint8Array[]) => string[] {
  const dir = mkdtempSync(join(tmpdir(), `tfc-cbpf-kernel-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'kernel-socket');
  execFileSync('gcc', ['-O1', '-o', bin, join(import.meta.dirname, 'harness', 'kernel-socket.c')]);
  return (p, pkts) =>
    execFileSync(
      bin,
      pkts.map((b) => Buffer.from(b).toString('hex')),
      { input: printDdd(p) },
    )
      .toString()
      .trim()
      .split('\n');
}

function expected(p: readonly RawInsn[], pkt: Uint8Array): string {
  const r = run(p, pkt, { ctx: UNIX_CTX });
  if ('error' in r) return `error: ${r.error}`;
  return r.result === 0 ? '-1' : String(Math.min(r.result, pkt.length));
}

test('validate() accepts exactly the programs the kernel accepts', { skip }, (t) => {
  const kernel = harness(t);
  let accepted = 0;
  let rejected = 0;
  fc.assert(
    fc.property(fc.oneof(arbCanonicalProgram(1, 12), arbRawProgram(1, 4), arbKernelProgram(8)), (p) => {
      const k = kernel(p, [])[0]!;
      const ours = validate(p);
      assert.equal(k === 'OK', ours.length === 0, `kernel: ${k}; validate: ${JSON.stringify(ours)}`);
      if (k === 'OK') accepted++;
      else rejected++;
    }),
    { numRuns: 400 },
  );
  t.diagnostic(`${accepted} accepted and ${rejected} rejected programs agree with the kernel`);
  assert.ok(accepted > 50 && rejected > 50);
});

test('VM kernel semantics equal SO_ATTACH_FILTER results on random programs and packets', { skip }, (t) => {
  const kernel = harness(t);
  let compared = 0;
  // CPU and RANDOM ancillary loads are not deterministic in the kernel: replace them by SKF_AD_PROTOCOL.
  const arbProg = arbKernelProgram(24).map((p) =>
    p.map((r) => ((r.code & 0x07) === 0 && (r.k === CPU || r.k === RANDOM) ? { ...r, k: 0xfffff000 } : r)),
  );
  fc.assert(
    fc.property(
      arbProg,
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 6 }),
      (p, pkts) => {
        const got = kernel(p, pkts);
        assert.deepEqual(
          pkts.map((b) => expected(p, b)),
          got,
        );
        compared += pkts.length;
      },
    ),
    { numRuns: 200 },
  );
  t.diagnostic(`${compared} program/packet pairs agree with the kernel`);
});

test('VM kernel semantics equal SO_ATTACH_FILTER on the corpus programs and frames', { skip }, (t) => {
  const kernel = harness(t);
  const fs = frames().map((f) => f.bytes);
  let compared = 0;
  for (const p of corpusPrograms()) {
    if (validate(p.program).length > 0) continue; // protochain: backward jumps
    assert.deepEqual(
      kernel(p.program, fs),
      fs.map((b) => expected(p.program, b)),
      p.path,
    );
    compared += fs.length;
  }
  t.diagnostic(`${compared} corpus program/frame pairs agree with the kernel`);
});
