// Scale: big filters stay linear-ish and never overflow the stack; limits come back as diagnostics.
// (No timed assertions: these tests check results and shapes only.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  and,
  buildDag,
  cmp,
  evaluate,
  filter,
  load,
  MAX_DAG_LEAVES,
  not,
  or,
  runPasses,
  str,
  verify,
} from '../src/index.ts';

test('an OR of 5000 equalities built left-deep becomes one sorted set', () => {
  const port = load('record', 12, 2);
  let p = cmp('eq', 2, false, port, 0);
  for (let i = 1; i < 5000; i++) p = or(p, cmp('eq', 2, false, port, i * 3));
  const f = filter(p);
  assert.deepEqual(verify(f), []);
  const r = runPasses(f, { verifyEach: true });
  assert.ok(r.ok);
  assert.equal(r.ir.body.kind, 'in');
  if (r.ir.body.kind === 'in') assert.equal(r.ir.body.set.length, 5000);
  const rec = new Uint8Array(16);
  rec[12] = 0x0f; // 15 = 5 * 3
  assert.equal(evaluate(r.ir, { record: rec }), 'accept');
  rec[12] = 0x10;
  assert.equal(evaluate(r.ir, { record: rec }), 'reject');
  const d = buildDag(r.ir);
  assert.ok(d.ok);
  assert.equal(d.dag.nodes.length, 1);
});

test('too many distinct leaves for a decision DAG is a diagnostic', () => {
  const leaves = Array.from({ length: MAX_DAG_LEAVES + 1 }, (_, i) =>
    str('full', 'x' + i, { kind: 'fixed', base: 'record', offset: 0, size: 16 }),
  );
  const d = buildDag(filter(or(...leaves)));
  assert.equal(d.ok, false);
  if (!d.ok) assert.equal(d.diagnostics[0]!.code, 'dag-leaves');
  const ok = buildDag(filter(or(...leaves.slice(0, MAX_DAG_LEAVES))));
  assert.ok(ok.ok);
  if (ok.ok) assert.equal(ok.dag.nodes.length, MAX_DAG_LEAVES);
});

test('runPasses reports an unknown --dump-after pass as a diagnostic', () => {
  const r = runPasses(filter(cmp('eq', 1, false, load('record', 0, 1), 1)), { dumpAfter: 'nope' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.diagnostics[0]!.message, /unknown pass 'nope'/);
});

test('alternating not/and nesting near MAX_DEPTH is simplified without blow-up and keeps its verdicts', () => {
  let p = cmp('eq', 1, false, load('record', 0, 1), 0);
  for (let i = 0; i < 450; i++) p = not(and(cmp('eq', 1, false, load('record', i % 16, 1), i % 7), p));
  const f = filter(p);
  assert.deepEqual(verify(f), []);
  const r = runPasses(f, { verifyEach: true });
  assert.ok(r.ok);
  for (let v = 0; v < 8; v++) {
    const rec = new Uint8Array(16).fill(v);
    assert.equal(evaluate(r.ir, { record: rec }), evaluate(f, { record: rec }));
  }
});

test('the pcap host-or shape with 800 hosts: one test per ethertype class, the addresses gathered into sets', () => {
  // host a = (et == IP && src == a) || (et == IP && dst == a) || (et == ARP && spa == a) || … (RARP)
  const et = load('packet', 12, 2, 'be');
  const at = (o: number) => load('packet', o, 4, 'be');
  const hosts = Array.from({ length: 800 }, (_, i) => 0x0a000000 + i * 7919);
  const f = filter(
    or(
      ...hosts.flatMap((a) => [
        and(cmp('eq', 4, false, et, 0x800), cmp('eq', 4, false, at(26), a)),
        and(cmp('eq', 4, false, et, 0x800), cmp('eq', 4, false, at(30), a)),
        and(cmp('eq', 4, false, et, 0x806), cmp('eq', 4, false, at(28), a)),
        and(cmp('eq', 4, false, et, 0x806), cmp('eq', 4, false, at(38), a)),
        and(cmp('eq', 4, false, et, 0x8035), cmp('eq', 4, false, at(28), a)),
        and(cmp('eq', 4, false, et, 0x8035), cmp('eq', 4, false, at(38), a)),
      ]),
    ),
  );
  const r = runPasses(f, { verifyEach: true });
  assert.ok(r.ok);
  const d = buildDag(r.ir);
  assert.ok(d.ok);
  // ethertype: IP and {ARP, RARP}; per class: the first source address (a shorter packet aborts on the
  // destination), then destination and source sets
  assert.ok(d.dag.leaves.length <= 8, `${d.dag.leaves.length} leaves`);
  const pkt = new Uint8Array(42);
  const put = (o: number, v: number) => new DataView(pkt.buffer).setUint32(o, v);
  pkt[12] = 0x08;
  for (const [off, a, want] of [
    [30, hosts[799]!, 'accept'],
    [26, hosts[400]!, 'accept'],
    [26, hosts[400]! + 1, 'reject'],
  ] as const) {
    pkt.fill(0, 14);
    put(off, a);
    assert.equal(evaluate(r.ir, { packet: pkt }), want);
    assert.equal(evaluate(f, { packet: pkt }), want);
  }
  // 32 bytes: the source is readable, the destination is not — only the first host's source accepts
  put(26, hosts[0]!);
  assert.equal(evaluate(r.ir, { packet: pkt.subarray(0, 32) }), 'accept');
  put(26, hosts[1]!);
  assert.equal(evaluate(r.ir, { packet: pkt.subarray(0, 32) }), 'reject');
  assert.equal(evaluate(f, { packet: pkt.subarray(0, 32) }), 'reject');
});
