// Defect R3: compiled programs disagree with the kernel on a __data_loc string whose locator has length 0 (what a
// probe stores when its string fetch fails; the data offset then points at the next dynamic field's bytes).
// The kernel (and tfc's reference interpreter, docs/trace-filters.md "the empty string that is not empty",
// verified live by packages/tracefs/test/kernel/data-loc.test.ts) compares `==`, `x*` from that offset up to a NUL:
// `str == "hello"` is TRUE when the zero-length locator points at "hello", and `str == ""` is FALSE.
// The IR already decides otherwise — its evaluator's stringView() reads exactly `len` bytes of a dataloc, so len 0
// is the empty string — and the code generators follow the IR: the eBPF tracepoint program (listing:
// `if r8 == 0x0 goto <reject>` right after the locator is read), the trace-frame cBPF and eBPF programs.
// Owners: packages/ir/src/eval.ts (stringView, case 'dataloc') and packages/codegen-bpf (ebpf-gen.ts, cbpf-gen.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ebpf from '@tfc/bpf/ebpf';
import { compile } from '@tfc/compiler';
import * as ir from '@tfc/ir';
import { evaluate, parseFilter, parseFormat, recordFromJson } from '@tfc/tracefs';
import { ROOT, tfc, UPROBE_FORMAT } from './helpers.ts';

const RAW = join(ROOT, 'examples/uprobe-raw-records.jsonl');
// Record 1: zero-length locator pointing at "hello"; 2: a real "hello"; 3: zero-length locator at the record's end.
const CASES: [string, string][] = [
  ['str == "hello"', '110'],
  ['str == ""', '001'],
  ['str ~ "hel*"', '110'],
  ['str != ""', '110'],
];

function event() {
  const f = parseFormat(readFileSync(UPROBE_FORMAT, 'utf8'), { system: 'uprobes', name: 'pv' });
  assert.ok(f.ok);
  return f.event;
}

function records() {
  const ev = event();
  return readFileSync(RAW, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const r = recordFromJson(ev, JSON.parse(l));
      assert.ok(r.ok);
      return r;
    });
}

test('R3 control: the reference interpreter agrees with the kernel', () => {
  const ev = event();
  for (const [filter, want] of CASES) {
    const p = parseFilter(filter, ev, { nrCpuIds: 2 });
    assert.ok(p.ok, filter);
    const interp = records()
      .map((r) => (r.ok && evaluate(p.filter, r.record, r.ctx) ? '1' : '0'))
      .join('');
    assert.equal(interp, want, `interpreter: ${filter}`);
  }
});

test('R3: the lowered IR decides a zero-length __data_loc string as the kernel does', () => {
  const ev = event();
  for (const [filter, want] of CASES) {
    const c = compile({ filter, event: ev, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2, optimize: 0 });
    assert.ok(c.ok, filter);
    const irv = records()
      .map((r) => (r.ok && ir.evaluate(c.lowered, { record: r.record }) === 'accept' ? '1' : '0'))
      .join('');
    assert.equal(irv, want, `IR: ${filter}`);
  }
});

test('R3: the eBPF tracepoint program decides a zero-length __data_loc string as the kernel does', () => {
  const ev = event();
  for (const [filter, want] of CASES) {
    const c = compile({ filter, event: ev, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2 });
    assert.ok(c.ok && c.program.target === 'ebpf', filter);
    if (c.program.target !== 'ebpf') continue;
    const insns = c.program.insns;
    const got = records()
      .map((r) => {
        const out = r.ok ? ebpf.run(insns, { kind: 'tracepoint', record: r.record }) : undefined;
        assert.ok(out?.ok, filter);
        return out.r0 === 1n ? '1' : '0';
      })
      .join('');
    assert.equal(got, want, `eBPF tracepoint program: ${filter}`);
  }
});

test('R3 CLI: trace-frame cBPF from tfc compile, run by tfc run on tfc encap frames, agrees with tfc eval', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-review-r3-'));
  try {
    const pcap = join(dir, 'r.pcap');
    const enc = await tfc(['encap', '--format', UPROBE_FORMAT, '--records', RAW, '-o', pcap]);
    assert.equal(enc.code, 0, enc.err);
    for (const [filter, want] of CASES) {
      const ev = await tfc(['eval', filter, '--format', UPROBE_FORMAT, '--records', RAW]);
      assert.equal(ev.out.replace(/\n/g, ''), want, `tfc eval ${filter}`);
      const prog = join(dir, 'p.ddd');
      const c = await tfc([
        'compile',
        filter,
        '--format',
        UPROBE_FORMAT,
        '--target',
        'cbpf',
        '--emit',
        'ddd',
        '-o',
        prog,
      ]);
      assert.equal(c.code, 0, c.err);
      const r = await tfc(['run', prog, '--pcap', pcap]);
      const got = r.out
        .trim()
        .split('\n')
        .map((l) => (/: accept/.test(l) ? '1' : '0'))
        .join('');
      assert.equal(got, want, `cbpf: ${filter}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
