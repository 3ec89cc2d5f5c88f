// docs/benchmarks.md generation (report.ts, doc-sections.ts, the kernel summary): regenerating the document keeps
// the sections of suites not run and the notes blocks of the ones that were, drops every other old line of a
// regenerated section, is deterministic, and states issue 19's goals from the rows (met and not met).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { docSections, notesOf } from '../src/doc-sections.ts';
import { markdownReport } from '../src/report.ts';
import { type Row, row } from '../src/row.ts';
import { kernelSummary } from '../src/suites/kernel-summary.ts';

const machine = { cpu: 'CPU', cores: 2, memoryGiB: 1, kernel: '6.18', node: 'v20' };
const titles = { compile: 'compile things', kernel: 'kernel things', capture: 'capture things' };
const one = (v: number) => ({ runs: 1, min: v, median: v, max: v });
const r = (suite: string, kase: string, engine: string, v: number): Row =>
  row(suite, kase, engine, 'marginal_ns_per_event', 'ns', one(v));

const OLD = `# Benchmarks

Generated long ago.

## Machine

- CPU: old

## compile: compile things

| case | old compile table |

## kernel: kernel things

An old paragraph that the generator owns.

<!-- notes -->
Hand-written: the machine was idle.

\`\`\`console
## not a heading inside a fence
\`\`\`
<!-- /notes -->

| old kernel table |

<!-- notes -->
Second note.
<!-- /notes -->

## capture: capture things

Capture text kept as is.

<!-- notes -->
capture note
`;

test('docSections splits at ## headings outside fences; notesOf finds every block, closing an open one', () => {
  const s = docSections(OLD);
  assert.deepEqual(
    s.map((x) => x.name),
    ['Machine', 'compile', 'kernel', 'capture'],
  );
  const kernel = s.find((x) => x.name === 'kernel');
  assert.ok(kernel);
  const notes = notesOf(kernel.text);
  assert.equal(notes.length, 2);
  assert.match(notes[0] as string, /idle[\s\S]*## not a heading inside a fence[\s\S]*<!-- \/notes -->$/);
  assert.equal(notes[1], '<!-- notes -->\nSecond note.\n<!-- /notes -->');
  const capture = s.find((x) => x.name === 'capture');
  assert.deepEqual(notesOf(capture?.text ?? ''), ['<!-- notes -->\ncapture note\n<!-- /notes -->']);
});

test('markdownReport keeps unmeasured sections verbatim and a measured section only its notes', () => {
  const rows = [r('kernel', 'k1', 'e1', 5)];
  const doc = markdownReport(rows, machine, 'tfc bench --suite kernel', titles, 'bench', OLD);
  assert.ok(doc.includes('## compile: compile things\n\n| case | old compile table |\n'));
  assert.ok(doc.includes('Capture text kept as is.'));
  assert.ok(doc.includes('Hand-written: the machine was idle.'));
  assert.ok(doc.includes('Second note.'));
  assert.ok(!doc.includes('An old paragraph that the generator owns.'));
  assert.ok(!doc.includes('| old kernel table |'));
  assert.ok(doc.includes('| k1 | e1 | marginal_ns_per_event | 5.00 |'));
  assert.ok(doc.includes('Rows of `tfc bench --suite kernel`'));
  assert.ok(!doc.includes('- CPU: old'));
  // order: the suites' registry order (compile, kernel, capture)
  assert.ok(
    doc.indexOf('## compile') < doc.indexOf('## kernel') &&
      doc.indexOf('## kernel') < doc.indexOf('## capture'),
  );
  // deterministic, and a second regeneration is a fixed point
  assert.equal(markdownReport(rows, machine, 'tfc bench --suite kernel', titles, 'bench', OLD), doc);
  assert.equal(markdownReport(rows, machine, 'tfc bench --suite kernel', titles, 'bench', doc), doc);
});

test('markdownReport without a previous document writes the measured suites only', () => {
  const doc = markdownReport([r('compile', 'c', 'e', 1)], machine, 'tfc bench', titles);
  assert.deepEqual(
    docSections(doc).map((s) => s.name),
    ['Machine', 'compile'],
  );
});

test('kernel summary: series side by side, floors, and the goals stated met or not met from the rows', () => {
  const k = (kase: string, engine: string, v: number) => r('kernel', kase, engine, v);
  const rows = [
    k('lseek-or-1', 'baseline', 400),
    k('lseek-or-1', 'kernel-interpreter', 250),
    k('lseek-or-1', 'tfc-ebpf-raw', 150),
    k('lseek-or-1', 'tfc-raw/kernel', 0.6),
    k('lseek-or-64', 'baseline', 400),
    k('lseek-or-64', 'tfc-raw/kernel', 0.3),
    k('kfree_skb-or-1', 'baseline', 1600),
    k('kfree_skb-or-1', 'tfc-raw/kernel', 0.4),
    k('kfree_skb-or-64', 'baseline', 1600),
    k('kfree_skb-or-64', 'tfc-raw/kernel', 0.1),
    k('kfree_skb-or-64-accept-half', 'baseline', 1600),
    k('kfree_skb-or-64-accept-half', 'tfc-raw/kernel', 0.2),
    k('kfree_skb-floor', 'baseline', 1600),
    k('kfree_skb-floor', 'raw-return-0', 80),
    k('getppid-pass-over', 'tfc-ebpf-raw', 160),
  ];
  const s = kernelSummary(rows);
  assert.ok(s);
  assert.match(s, /\| lseek \| 1 \| none \| 250 \| – \| 150 \| – \| 0\.600 \|/);
  assert.match(s, /\| kfree_skb \| 1\.60e\+3 \| – \| – \| 80\.0 \| – \| – \| – \| – \|/);
  assert.match(
    s,
    /at 1 predicate, raw ≤ 1\/2 .*lseek 0\.600 \(runs 0\.600–0\.600\): \*\*not met\*\*; kfree_skb 0\.400 .*\*\*met\*\*/,
  );
  assert.match(
    s,
    /at 64 predicates, raw ≤ 1\/8 .*lseek 0\.300 .*\*\*not met\*\*; kfree_skb 0\.100 .*\*\*met\*\*; accepting half 0\.200 \(not met\)/,
  );
  assert.match(s, /getppid loop\): tfc-ebpf-raw 160 ns/);
  assert.equal(kernelSummary([r('kernel', 'other', 'e', 1)]), undefined);
});
