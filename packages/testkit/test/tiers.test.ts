// The test tiers of docs/testing.md hold: every test file of the workspace is in exactly one tier (the three
// `run-tests.mjs --tier` selections partition `run-tests.mjs --list`), every property-tier file runs fast-check, the
// list of unit/property files with a guarded kernel/libpcap/tc step in docs/testing.md is exactly the set the rule
// finds, and no *.test.ts lies outside a test/ folder (where run-tests.mjs would not find it).
// Invariants: reads files and runs run-tests.mjs --list only (no test is run); deterministic.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasGuardedSystemStep, kernelReason, TIERS, tierOf } from '../../../scripts/test-tiers.mjs';

const ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
const read = (f: string) => readFileSync(join(ROOT, f), 'utf8');

function listed(tier?: string): string[] {
  const args = [join(ROOT, 'scripts/run-tests.mjs'), '--list', ...(tier ? ['--tier', tier] : [])];
  const out = execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[1] ?? '');
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(join(ROOT, dir))) {
    if (name === 'node_modules' || name === 'dist') continue;
    const rel = `${dir}/${name}`;
    if (statSync(join(ROOT, rel)).isDirectory()) walk(rel, out);
    else if (name.endsWith('.test.ts')) out.push(rel);
  }
  return out;
}

const all = listed();

test('the three tiers partition the test files', () => {
  const byTier = Object.fromEntries(TIERS.map((t) => [t, listed(t)]));
  const seen = new Map<string, string[]>();
  for (const t of TIERS) for (const f of byTier[t] ?? []) seen.set(f, [...(seen.get(f) ?? []), t]);
  for (const f of all)
    assert.equal(seen.get(f)?.length, 1, `${f} is in tiers [${seen.get(f)?.join(', ') ?? ''}]`);
  assert.equal(seen.size, all.length);
  for (const t of TIERS) assert.ok((byTier[t]?.length ?? 0) > 0, `tier ${t} is not empty`);
});

test('every *.test.ts is under a test/ folder, so run-tests.mjs finds it', () => {
  const found = [...walk('packages'), ...walk('bench')].sort();
  assert.deepEqual(found, [...all].sort());
});

test('property-tier files run fast-check; kernel-tier files say why they are kernel suites', () => {
  for (const f of all) {
    const text = read(f);
    const tier = tierOf(f, text);
    if (tier === 'property')
      assert.match(text, /fc\.(assert|check)\(/, `${f} is a property suite without fast-check`);
    if (tier === 'kernel') assert.notEqual(kernelReason(f, text), null);
  }
});

test('docs/testing.md lists exactly the unit/property files with a guarded kernel, libpcap or tc step', () => {
  const doc = read('docs/testing.md');
  const section = doc.slice(doc.indexOf('## Guarded system steps'));
  const documented = [...section.matchAll(/^- `([^`]+\.test\.ts)`/gm)].map((m) => m[1]).sort();
  const found = all.filter((f) => tierOf(f, read(f)) !== 'kernel' && hasGuardedSystemStep(read(f))).sort();
  assert.deepEqual(documented, found);
});

test('the tier rules on examples', () => {
  assert.equal(tierOf('packages/x/test/kernel/a.test.ts', ''), 'kernel');
  assert.equal(tierOf('packages/kernel/test/sys/attr.test.ts', ''), 'kernel');
  assert.equal(tierOf('packages/x/test/p4-kernel.test.ts', ''), 'kernel');
  assert.equal(tierOf('packages/tfc/test/tc-x.test.ts', "import { Lab } from '@tfc/tc-test';\n"), 'kernel');
  assert.equal(
    tierOf('packages/tfc/test/x.test.ts', 'const s = "import { Lab } from \'@tfc/tc-test\'";'),
    'unit',
    'a string is not an import',
  );
  assert.equal(tierOf('packages/x/test/properties.test.ts', ''), 'property');
  assert.equal(tierOf('packages/x/test/lower-properties.test.ts', ''), 'property');
  assert.equal(tierOf('packages/x/test/vm-diff.test.ts', ''), 'property');
  assert.equal(
    tierOf('packages/bpf/test/cbpf/kernel-diff.test.ts', ''),
    'kernel',
    'kernel wins over property',
  );
  assert.equal(
    tierOf('packages/x/test/eval.test.ts', "import { loadProgram } from '@tfc/kernel/sys';"),
    'unit',
  );
  assert.equal(hasGuardedSystemStep("import { loadProgram } from '@tfc/kernel/sys';"), true);
});
