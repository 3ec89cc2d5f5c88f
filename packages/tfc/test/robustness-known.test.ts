// Regression tests for the audit's findings in code the audit did not own (robustness-known.ts kept them as
// t.todo reproductions until their owners fixed them; all four are fixed): K1 the kernel's rendering and notes on
// the tc targets, K2 no tc-bpf object left behind, K3 the caret on the P4 target, P1 pcap port chains in
// polynomial time. Run through the harness child, so that a regression can neither hang nor exhaust the suite.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BUDGET_MS, Harness } from './robustness-runner.ts';

const here = new URL('.', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), `tfc-robust-known-${process.pid}-`));
const FMT = join(dir, 'pv.format');
writeFileSync(FMT, readFileSync(join(here, 'fixtures/uprobe-pv.format')));
const LONG = join(dir, 'long-filter.txt');
writeFileSync(LONG, `${'a8 == 1 && '.repeat(500)}a8 == 1`);
mkdirSync(join(dir, 'cwd'));
const harness = new Harness(join(dir, 'cwd'));
after(() => {
  harness.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('K1: compile and apply --target u32 explain a filter of 4096 bytes or more on stderr', async () => {
  for (const argv of [
    ['compile', '--filter-file', LONG, '--format', FMT, '--target', 'u32', '--dev', 'tfcrb0'],
    ['compile', '--filter-file', LONG, '--format', FMT, '--target', 'tc-bpf', '--dev', 'tfcrb0'],
    ['apply', '--filter-file', LONG, '--format', FMT, '--target', 'u32', '--dev', 'tfcrb0'],
  ]) {
    const r = await harness.call(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.err, /4096 bytes/, `${argv.join(' ')}: stderr ${JSON.stringify(r.err)}`);
  }
  for (const target of ['u32', 'tc-bpf']) {
    const r = await harness.call([
      'compile',
      'b == 1 || a32 == 2 &&',
      '--format',
      FMT,
      '--target',
      target,
      '--dev',
      'x',
      // the shape reaches the program builder only on kernels that ignore a trailing operator
      '--kernel',
      '6.18-v669',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /warning: this filter shape/,
      `--target ${target}: the kernel-hazard warning is missing`,
    );
  }
});

test('K3: compile --target p4 shows where the kernel rejects a trace filter', async () => {
  const early = ['--kernel', '6.18-v669'];
  const r = await harness.call([
    'compile',
    'b == 1 || a32 == 2 &&',
    '--format',
    FMT,
    '--target',
    'p4',
    ...early,
  ]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^b == 1 \|\| a32 == 2 &&\nError: \(0\)\n/, `stderr ${JSON.stringify(r.err)}`);
  const today = await harness.call([
    'compile',
    'b == 1 || a32 == 2 &&',
    '--format',
    FMT,
    '--target',
    'p4',
    '-k',
    '6.18',
  ]);
  assert.match(today.err, /^b == 1 \|\| a32 == 2 &&\n {21}\^\nparse_error: Meaningless filter expression\n/);
  const caret = await harness.call(['compile', 'a8 == 1 x', '--format', FMT, '--target', 'p4']);
  assert.match(caret.err, /\^/, `no caret: ${JSON.stringify(caret.err)}`);
});

test('K2: compile --target tc-bpf leaves no --object behind when the batch cannot be written', async () => {
  const object = join(dir, 'k2.o');
  const r = await harness.call([
    ...['compile', 'a8 == 1', '--format', FMT, '--target', 'tc-bpf', '--dev', 'tfcrb0'],
    ...['--mode', 'obj-da', '--object', object, '-o', join(dir, 'no-such-dir', 'batch.tc')],
  ]);
  assert.equal(r.code, 2, r.err);
  assert.equal(existsSync(object), false, 'the object was written although the command failed');
});

test('P1: 20- and 300-term pcap port chains compile within the budget (regression: lowering was exponential)', async () => {
  for (const n of [20, 300]) {
    for (const port of [(i: number) => i, (i: number) => i * 7 + 1]) {
      const chain = Array.from({ length: n }, (_, i) => `port ${port(i)}`).join(' or ');
      for (const target of ['cbpf', 'ebpf']) {
        const r = await harness.call(['compile', '--lang', 'pcap', chain, '--target', target]);
        assert.equal(r.hang, false, `${n} terms: no answer within ${BUDGET_MS} ms`);
        assert.equal(r.code, 0, `${n} terms, --target ${target}: exit ${r.code}: ${r.err.slice(0, 300)}`);
      }
    }
  }
});
