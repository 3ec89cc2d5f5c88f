// Class ids and parents as the user writes them (`--classid 1:10`, `--parent 1:`), and the batches that carry them:
// u32 hit rules get `classid`, cls_bpf rules `classid` after the program, flower hit rules too; `parent MAJ:`
// replaces the clsact direction; what tc would refuse or misread is a diagnostic with the column and the reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bytecodeString,
  flowerBatch,
  parseClassid,
  parseParent,
  renderHandleError,
  tcBpfBatch,
  type U32Rules,
  u32Batch,
} from '../src/index.ts';

test('parseClassid: MAJ:MIN in hex, normalized; errors name the column and why', () => {
  const ok = (s: string) => {
    const r = parseClassid(s);
    assert.ok(r.ok, s);
    return r.handle;
  };
  assert.deepEqual(ok('1:10'), { major: 1, minor: 0x10, text: '1:10' });
  assert.deepEqual(ok('0001:00A'), { major: 1, minor: 0xa, text: '1:a' });
  assert.deepEqual(ok('ffff:ffff'), { major: 0xffff, minor: 0xffff, text: 'ffff:ffff' });
  const bad: [string, number, RegExp][] = [
    ['10', 2, /':' is missing/],
    ['1:1g', 3, /hexadecimal.*'g'/],
    ['x:1', 0, /hexadecimal.*'x'/],
    ['12345:1', 4, /more than 4 hex digits/],
    ['1:', 2, /minor number .* is missing/],
    [':1', 0, /major number .* is missing/],
    ['0:1', 0, /major 0 names no qdisc/],
    ['1:0', 2, /minor 0 names the qdisc 1: itself/],
    ['1:2:3', 3, /one ':'/],
    ['', 0, /':' is missing/],
  ];
  for (const [s, column, why] of bad) {
    const r = parseClassid(s);
    assert.ok(!r.ok, s);
    assert.equal(r.column, column, s);
    assert.match(r.message, why, s);
  }
});

test('parseParent: a qdisc MAJ: or a class MAJ:MIN; not 0: and not the clsact/ingress ffff:', () => {
  const p = parseParent('1:');
  assert.ok(p.ok);
  assert.deepEqual(p.handle, { major: 1, minor: 0, text: '1:' });
  const c = parseParent('01:0a');
  assert.ok(c.ok);
  assert.equal(c.handle.text, '1:a');
  const z = parseParent('1:0');
  assert.ok(z.ok);
  assert.equal(z.handle.text, '1:');
  for (const [s, why] of [
    ['0:', /major 0/],
    ['ffff:', /--ingress or --egress/],
    ['1', /':' is missing/],
    ['root', /':' is missing/],
  ] as const) {
    const r = parseParent(s);
    assert.ok(!r.ok, s);
    assert.match(r.message, why);
  }
});

test('renderHandleError: the caret sits under the offending character', () => {
  const r = parseClassid('1:1g');
  assert.ok(!r.ok);
  const text = `tfc: ${renderHandleError('classid', '1:1g', r, 5)}`;
  const [line, caret] = text.split('\n') as [string, string];
  assert.equal(line, 'tfc: --classid 1:1g');
  assert.equal(line[caret.indexOf('^')], 'g');
  assert.match(caret, /\^ the minor number \(the class\) must be hexadecimal/);
});

const RULES: U32Rules = {
  protocol: '0x88b5',
  knodes: [{ kind: 'hit', keys: [{ value: 0x034c0000, mask: 0xffff0000, at: 4 }] }],
  linkOffset: 14,
  wordSlack: 0,
  wordEnd: 22,
};

test('u32Batch: --parent replaces the direction, --classid is the hit (before an action)', () => {
  const b = u32Batch(RULES, { dev: 'veth0', direction: 'egress', prio: 3, parent: '1:', classid: '1:10' });
  assert.ok(b.ok);
  assert.deepEqual(b.lines, [
    'filter add dev veth0 parent 1: protocol 0x88b5 prio 3 handle ::1 u32 match u32 0x034c0000 0xffff0000 at 4 classid 1:10',
  ]);
  const a = u32Batch(RULES, {
    dev: 'veth0',
    direction: 'egress',
    prio: 3,
    classid: '1:10',
    action: 'action pass',
  });
  assert.ok(a.ok);
  assert.match(a.lines[0] ?? '', / egress protocol .* classid 1:10 action pass$/);
  const d = u32Batch(RULES, { dev: 'veth0', direction: 'egress', prio: 3, parent: '0:', classid: '1:0' });
  assert.ok(!d.ok);
  assert.deepEqual(
    d.diagnostics.map((x) => x.code),
    ['parent', 'classid'],
  );
});

test('tcBpfBatch: classid and parent on a classic cls_bpf rule', () => {
  const prog = {
    target: 'cbpf' as const,
    insns: [{ code: 6, jt: 0, jf: 0, k: 0xffffffff }],
    onMatch: 0xffffffff,
    onMiss: 0,
  };
  const b = tcBpfBatch(prog, { dev: 'veth0', direction: 'ingress', prio: 2, parent: '1:', classid: '1:10' });
  assert.ok(b.ok);
  assert.deepEqual(b.lines, [
    `filter add dev veth0 parent 1: protocol all prio 2 bpf bytecode '${bytecodeString(prog.insns)}' classid 1:10`,
  ]);
  const bad = tcBpfBatch(prog, { dev: 'veth0', direction: 'ingress', prio: 2, classid: '1:xyz' });
  assert.ok(!bad.ok);
  assert.match(bad.diagnostics[0]?.message ?? '', /invalid classid '1:xyz' \(column 3\)/);
});

test('flowerBatch: classid on hit rules; a parent is refused when stop rules would pick class 1:2', () => {
  const hit = { kind: 'hit' as const, match: { ethType: 0x0800, ipProto: 6 } };
  const miss = { kind: 'miss' as const, match: { ethType: 0x0800, ipProto: 17 } };
  const b = flowerBatch([hit], { dev: 'eth0', direction: 'egress', prio: 1, parent: '1:', classid: '1:10' });
  assert.ok(b.ok);
  assert.match(b.lines[0] ?? '', /^filter add dev eth0 parent 1: protocol ip prio 1 flower .* classid 1:10$/);
  const r = flowerBatch([miss, hit], { dev: 'eth0', direction: 'egress', prio: 1, parent: '1:' });
  assert.ok(!r.ok);
  assert.match(r.diagnostics[0]?.message ?? '', /stop rules/);
});
