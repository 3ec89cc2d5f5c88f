// Defect R2: `tfc bench --out DIR` promises to check DIR before measuring ("a run of minutes never ends in an
// unwritable path"), but as root checkOutDir() only asks access(W_OK) of the nearest existing ancestor, which root
// always passes; for a DIR under /proc (or /sys) the suite then runs, and writing the results calls Node's
// mkdirSync(DIR, { recursive: true }), which on Node 20 loops forever on /proc's ENOENT (strace: mkdir("/proc/x")
// = ENOENT, mkdir("/proc") = EEXIST, again and again) — the command never ends and burns a CPU.
// Expected: exit 2 with "--out …" before anything is measured. Owners: packages/tfc/src/cli/commands/bench.ts
// (checkOutDir) and bench/src/run.ts (mkdirSync recursive).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tfcProcess } from './helpers.ts';

test('R2: bench --out under /proc is refused before measuring (exit 2), not a hang', (t) => {
  if (process.getuid?.() !== 0) return t.skip('the check is only fooled as root');
  const r = tfcProcess(['bench', '--suite', 'compile', '--quick', '--out', '/proc/tfc-review-out'], {
    timeoutMs: 45_000,
  });
  assert.equal(r.hang, false, `killed after ${r.ms} ms without an answer`);
  assert.equal(r.code, 2);
  assert.match(r.err, /--out \/proc\/tfc-review-out/);
});
