// The guard plan of the classic-to-eBPF translation (src/translate/guards.ts): one guard pseudo-instruction before
// each load that reads past what every path has proven, none where a dominating guard covers it, an abort where no
// packet can hold the bytes (nothing flows past it), and the instructions no path reaches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRaw, type Insn, toRaw } from '@tfc/bpf/cbpf';
import { jumpTargets, liveness, READS_X, WRITES_X } from '../src/translate/analysis.ts';
import { planGuards } from '../src/translate/guards.ts';

function plan(prog: Insn[], direct = true) {
  const p = prog.map((i) => fromRaw(toRaw(i)));
  const liveX = liveness(
    p,
    (c) => READS_X.has(c.kind),
    (c) => WRITES_X.has(c.kind),
  );
  return planGuards(p, jumpTargets(p), liveX, direct);
}

test('planGuards: a guard grows the proven range; a covered load needs none; a join keeps the smaller range', () => {
  const r = plan([
    { kind: 'ld_abs', size: 'h', base: 'packet', offset: 12 }, // 0: guard 14
    { kind: 'jmp_k', cond: 'jeq', value: 0x800, jt: 0, jf: 2 }, // 1
    { kind: 'ld_abs', size: 'b', base: 'packet', offset: 23 }, // 2: guard 24
    { kind: 'ld_abs', size: 'b', base: 'packet', offset: 20 }, // 3: covered
    { kind: 'ld_abs', size: 'b', base: 'packet', offset: 22 }, // 4: joined from 1 (14) and 3 (24): guard 23
    { kind: 'ret_k', value: 1 },
  ]);
  assert.deepEqual(
    [...r.guards],
    [
      [0, 14],
      [2, 24],
      [4, 23],
    ],
  );
  assert.deepEqual(r.dead, [false, false, false, false, false, false]);
});

test('planGuards: a load no packet can hold is an abort; what only it leads to is dead; socket mode has no guards', () => {
  const prog: Insn[] = [
    { kind: 'ld_abs', size: 'w', base: 'packet', offset: 0xfffe },
    { kind: 'ret_k', value: 1 },
    { kind: 'ret_k', value: 0 },
  ];
  const r = plan(prog);
  assert.deepEqual([...r.guards], [[0, 'abort']]);
  assert.deepEqual(r.dead, [false, true, true]);
  const s = plan(prog, false);
  assert.equal(s.guards.size, 0);
  assert.deepEqual(s.dead, [false, false, true]);
});

test('planGuards: the little-endian byte assembly is guarded once, for its whole field', () => {
  const r = plan([
    { kind: 'ld_abs', size: 'b', base: 'packet', offset: 15 },
    { kind: 'alu_k', op: 'lsh', value: 8 },
    { kind: 'tax' },
    { kind: 'ld_abs', size: 'b', base: 'packet', offset: 14 },
    { kind: 'alu_x', op: 'or' },
    { kind: 'ret_a' },
  ]);
  assert.deepEqual([...r.guards], [[0, 16]]);
});
