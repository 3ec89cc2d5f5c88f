// emitProgram (src/emit.ts): every output form of a ProgramSpec — the forms that apply to each target, the ones
// that do not as messages (never exceptions), JSON with the instructions' wire fields, the maps batch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cmp, filter, inSet, konst, load } from '@tfc/ir';
import { bpftoolBatch, compileBpf, EMIT_FORMS, emitProgram, PIN_ROOT } from '../src/index.ts';

const ir = filter(cmp('eq', 2, false, load('packet', 12, 2, 'be'), konst(0x800n)));

test('emitProgram: classic programs have asm, bin, d/dd/ddd and json; the eBPF forms are messages', () => {
  const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
  assert.ok(c.ok);
  if (!c.ok) return;
  const ok = EMIT_FORMS.filter((f) => emitProgram(c.program, f).ok);
  assert.deepEqual(ok, ['asm', 'bin', 'd', 'dd', 'ddd', 'json']);
  const c2 = emitProgram(c.program, 'c');
  assert.ok(!c2.ok && c2.message === 'the C form is for eBPF programs');
});

test('emitProgram: eBPF programs have asm, bin, c, elf, json and maps; -d is a message', () => {
  const e = compileBpf(ir, { target: 'ebpf', ctx: 'packet', progType: 'tc' });
  assert.ok(e.ok);
  if (!e.ok) return;
  const ok = EMIT_FORMS.filter((f) => emitProgram(e.program, f).ok);
  assert.deepEqual(ok, ['asm', 'bin', 'c', 'elf', 'json', 'maps']);
  const json = JSON.parse(String((emitProgram(e.program, 'json') as { data: string }).data));
  assert.equal(json.progType, 'SCHED_CLS');
  assert.equal(json.insns.length, e.program.insns.length);
});

test('bpftoolBatch: a set map is created, filled and pinned under PIN_ROOT', () => {
  const big = filter(
    inSet(
      4,
      load('packet', 26, 4, 'be'),
      Array.from({ length: 10 }, (_, i) => i + 1),
    ),
  );
  const e = compileBpf(big, { target: 'ebpf', ctx: 'packet', progType: 'tc', setLookup: 'map' });
  assert.ok(e.ok && e.program.target === 'ebpf');
  if (!e.ok || e.program.target !== 'ebpf') return;
  const text = bpftoolBatch(e.program);
  const name = e.program.maps[0]!.name;
  assert.match(
    text,
    new RegExp(`map create ${PIN_ROOT}/${name} type hash key 4 value 1 entries 10 name ${name}`),
  );
  assert.equal(text.split('\n').filter((l) => l.startsWith('map update')).length, 10);
});
