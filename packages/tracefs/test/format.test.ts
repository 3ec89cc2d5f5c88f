// Format-file parser: real format files captured from this kernel (fixtures), field kind
// classification per spec §4.2, error values with line numbers and the whole bundled snapshot (reading a live
// format is @tfc/kernel/tracefs's job: packages/tfc/test/live-event.test.ts compares it with the snapshot).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  bundledEvent,
  bundledEventNames,
  bundledKernelRelease,
  classifyType,
  parseFormat,
} from '../src/index.ts';

const fixture = (f: string): string => readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8');

test('uprobe fspecr/pv format: fields, offsets, kinds, common split', () => {
  const r = parseFormat(fixture('fspecr_pv.format'), { system: 'fspecr' });
  assert.ok(r.ok);
  const ev = r.event;
  assert.equal(ev.name, 'pv');
  assert.equal(ev.system, 'fspecr');
  assert.equal(ev.id, 2326);
  assert.deepEqual(
    ev.fields.filter((f) => f.common).map((f) => f.name),
    ['common_type', 'common_flags', 'common_preempt_count', 'common_pid'],
  );
  const by = new Map(ev.fields.map((f) => [f.name, f]));
  assert.deepEqual(by.get('common_pid'), {
    name: 'common_pid',
    type: 'int',
    offset: 4,
    size: 4,
    signed: true,
    common: true,
    kind: 'other',
  });
  assert.deepEqual(by.get('str'), {
    name: 'str',
    type: '__data_loc char[]',
    offset: 58,
    size: 4,
    signed: true,
    common: false,
    kind: 'dyn_string',
  });
  assert.deepEqual(by.get('arr'), {
    name: 'arr',
    type: 'u8[]',
    offset: 62,
    size: 16,
    signed: false,
    common: false,
    kind: 'other',
  });
  assert.equal(by.get('a32')?.offset, 22);
  assert.equal(by.get('s8')?.signed, true);
  assert.ok(ev.printFmt?.startsWith('"(%lx) a8=%u'));
});

test('real formats: char[16], const char *, cpumask, void *', () => {
  const tr = parseFormat(fixture('task_task_rename.format'));
  assert.ok(tr.ok);
  const nc = tr.event.fields.find((f) => f.name === 'newcomm');
  assert.deepEqual(nc, {
    name: 'newcomm',
    type: 'char[16]',
    offset: 28,
    size: 16,
    signed: false,
    common: false,
    kind: 'static_string',
    arrayLength: 16,
  });
  const oa = parseFormat(fixture('syscalls_sys_enter_openat.format'));
  assert.ok(oa.ok);
  assert.equal(oa.event.fields.find((f) => f.name === 'filename')?.kind, 'ptr_string');
  assert.equal(oa.event.fields.find((f) => f.name === 'dfd')?.size, 8);
  const ipi = parseFormat(fixture('ipi_ipi_send_cpumask.format'));
  assert.ok(ipi.ok);
  assert.equal(ipi.event.fields.find((f) => f.name === 'cpumask')?.kind, 'cpumask');
  assert.equal(ipi.event.fields.find((f) => f.name === 'callsite')?.type, 'void *');
  const ss = parseFormat(fixture('sched_sched_switch.format'));
  assert.ok(ss.ok);
  assert.equal(ss.event.fields.find((f) => f.name === 'prev_comm')?.kind, 'static_string');
});

test('classifyType follows spec §4.2 order and substring pitfalls', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['__data_loc char[]', 'dyn_string'],
    ['__data_loc unsigned char[]', 'dyn_string'],
    ['__data_loc cpumask_t', 'cpumask'],
    ['__rel_loc char[]', 'rdyn_string'],
    ['char[16]', 'static_string'],
    ['unsigned char[6]', 'static_string'],
    ['char *', 'ptr_string'],
    ['const char *', 'ptr_string'],
    ['const char __attribute__((btf_type_tag("user"))) *', 'other'],
    ['u8[16]', 'other'],
    ['__u8[4]', 'other'],
    ['__data_loc u8[]', 'other'],
    ['__data_loc unsigned long[]', 'other'],
    ['char', 'other'],
    ['void *', 'other'],
  ];
  for (const [t, k] of cases) assert.equal(classifyType(t), k, t);
});

test('format parse errors are values with line numbers', () => {
  const bad = parseFormat('name: x\nID: 1\nformat:\n\tfield:int a;\toffset:zz;\tsize:4;\tsigned:1;\n');
  assert.deepEqual(bad.ok ? null : bad.error.line, 4);
  const noId = parseFormat('name: x\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n');
  assert.equal(noId.ok, false);
  const junk = parseFormat('hello\n');
  assert.deepEqual(junk.ok ? null : junk.error.line, 1);
  const badId = parseFormat('name: x\nID: 1x\n');
  assert.deepEqual(badId.ok ? null : badId.error, { message: "invalid ID '1x'", line: 2 });
});

test('multi-line print fmt is kept whole', () => {
  const text =
    'name: e\nID: 7\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n\nprint fmt: "a\nb", REC->a\n';
  const r = parseFormat(text);
  assert.ok(r.ok);
  assert.equal(r.event.printFmt, '"a\nb", REC->a');
});

test('bundled snapshot: every event of this kernel, parsed, with sane layouts', () => {
  const names = bundledEventNames();
  assert.ok(names.length > 2000, `${names.length} events`);
  assert.deepEqual([...names].sort(), names);
  assert.match(bundledKernelRelease(), /^\d+\.\d+/);
  let fields = 0;
  for (const key of names) {
    const [sys, name] = key.split('/') as [string, string];
    const ev = bundledEvent(sys, name);
    assert.ok(ev, key);
    assert.equal(`${ev.system}/${ev.name}`, key);
    assert.ok(ev.fields.some((f) => f.name === 'common_type' && f.common));
    for (const f of ev.fields) {
      assert.ok(f.offset >= 0 && f.size >= 0, `${key}.${f.name}`);
      assert.equal(f.kind, classifyType(f.type));
      fields++;
    }
  }
  assert.ok(fields > 10000);
  assert.equal(bundledEvent('sched', 'sched_switch')?.fields.find((f) => f.name === 'prev_comm')?.size, 16);
  assert.equal(bundledEvent('nope', 'nope'), undefined);
});
