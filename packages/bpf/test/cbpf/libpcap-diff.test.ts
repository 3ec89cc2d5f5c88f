// Differential test of the VM's libpcap semantics against the installed libpcap's own bpf_filter(), through the
// C harness golden/libpcap-oracle.c compiled at test time into a per-process temporary directory (removed after).
// Skips only when gcc or libpcap.so.0.8 is absent.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RawInsn } from '../../src/cbpf/index.ts';
import { printDdd, run } from '../../src/cbpf/index.ts';
import { arbKernelProgram } from './arbitraries.ts';
import { GOLDEN } from './corpus.ts';

const LIBPCAP = '/usr/lib/x86_64-linux-gnu/libpcap.so.0.8';
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const skip = !hasGcc
  ? 'gcc is not installed'
  : !existsSync(LIBPCAP)
    ? 'libpcap.so.0.8 is not installed'
    : false;

test('libpcap semantics agree with libpcap bpf_filter on random programs and packets', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), `tfc-cbpf-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const oracle = join(dir, 'oracle');
  execFileSync('gcc', ['-O1', '-o', oracle, join(GOLDEN, 'libpcap-oracle.c'), '-l:libpcap.so.0.8']);
  const libpcap = (p: RawInsn[], pkts: Uint8Array[]): number[] => {
    const out = execFileSync(oracle, ['filter', ...pkts.map((b) => Buffer.from(b).toString('hex') || '00')], {
      input: printDdd(p),
    });
    return out
      .toString()
      .trim()
      .split('\n')
      .map((l) => Number(l));
  };
  let compared = 0;
  fc.assert(
    fc.property(
      arbKernelProgram(20),
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 48 }), { minLength: 1, maxLength: 8 }),
      (p, pkts) => {
        const want = libpcap(p, pkts);
        const got = pkts.map((b) => {
          const r = run(p, b, { semantics: 'libpcap' });
          return 'error' in r ? -1 : r.result;
        });
        assert.deepEqual(got, want);
        compared += pkts.length;
      },
    ),
    { numRuns: 150 },
  );
  t.diagnostic(`${compared} program/packet pairs agree with libpcap 1.10.3 bpf_filter`);
});
