// The tc-bpf batch generator without the kernel: the exact lines for each mode, the bytecode string's round trip
// through iproute2's format, determinism, and a diagnostic (never an exception) for every misuse cls_bpf would
// silently misread — return codes, actions in direct-action mode, bad names. The kernel proof is in packages/tc-test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProgramSpec } from '@tfc/codegen-bpf';
import {
  actReturn,
  bytecodeString,
  classicReturn,
  compileOptionsFor,
  daReturn,
  type TcBpfMode,
  tcBpfBatch,
} from '@tfc/codegen-tc';
import { compile, tcBpfOutput } from '@tfc/compiler';
import { bundledEvent } from '@tfc/tracefs';
import fc from 'fast-check';

const EV = bundledEvent('sock', 'inet_sock_set_state');
assert.ok(EV);
const event = EV;

function program(
  filter: string,
  mode: TcBpfMode,
  extra: { onMatch?: number; onMiss?: number } = {},
): ProgramSpec {
  const r = compile({
    filter,
    event,
    target: mode === 'classic' ? 'cbpf' : 'ebpf',
    ctx: 'trace-frame',
    progType: 'tc',
    nrCpuIds: 2,
    ...compileOptionsFor(mode),
    ...extra,
  });
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map((d) => d.message).join('; '));
  return r.program;
}

const BASE = { dev: 'v0', direction: 'ingress', prio: 5 } as const;

test('classic: one filter line with the bytecode, protocol all, the action appended', () => {
  const p = program('family == 2 && protocol == 6', 'classic');
  assert.equal(p.target, 'cbpf');
  const b = tcBpfBatch(p, { ...BASE, action: 'action mirred egress mirror dev s0 continue' });
  assert.ok(b.ok);
  assert.equal(b.mode, 'classic');
  assert.equal(b.lines.length, 1);
  const line = b.lines[0] ?? '';
  assert.ok(
    line.startsWith(`filter add dev v0 ingress protocol all prio 5 bpf bytecode '${p.insns.length},`),
  );
  assert.ok(line.endsWith("' action mirred egress mirror dev s0 continue"));
  // The bytecode string parses back to the program (iproute2's "%hu %hhu %hhu %u" quads).
  const bc = /bytecode '([^']*)'/.exec(line)?.[1] ?? '';
  const [n, ...quads] = bc.split(',');
  assert.equal(Number(n), p.insns.length);
  assert.deepEqual(
    quads.map((q) => q.split(' ').map(Number)),
    p.insns.map((i) => [i.code, i.jt, i.jf, i.k >>> 0]),
  );
  assert.deepEqual(
    tcBpfBatch(p, { ...BASE, action: 'action mirred egress mirror dev s0 continue' }),
    b,
    'deterministic',
  );
});

test('bytecode strings: unsigned decimal k, count first', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          code: fc.integer({ min: 0, max: 0xffff }),
          jt: fc.integer({ min: 0, max: 255 }),
          jf: fc.integer({ min: 0, max: 255 }),
          k: fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        }),
        { minLength: 1, maxLength: 20 },
      ),
      (insns) => {
        const s = bytecodeString(insns);
        const [n, ...rest] = s.split(',');
        assert.equal(Number(n), insns.length);
        rest.forEach((q, i) => {
          const [c, t, f, k] = q.split(' ').map(Number);
          const want = insns[i];
          assert.ok(want);
          assert.deepEqual([c, t, f, k], [want.code, want.jt, want.jf, want.k >>> 0]);
          assert.ok((k ?? -1) >= 0);
        });
      },
    ),
  );
});

test('eBPF direct action: obj … sec tc da, no actions, TC_ACT results checked', () => {
  const p = program('oldstate == 1', 'obj-da');
  assert.equal(p.onMatch, actReturn('ok'));
  assert.equal(p.onMiss, actReturn('unspec'));
  const b = tcBpfBatch(p, { ...BASE, direction: 'egress', objectPath: '/tmp/f.o' });
  assert.ok(b.ok);
  assert.deepEqual(b.lines, ["filter add dev v0 egress protocol all prio 5 bpf obj '/tmp/f.o' sec tc da"]);
  const withAction = tcBpfBatch(p, {
    ...BASE,
    objectPath: '/tmp/f.o',
    action: 'action mirred egress mirror dev s0',
  });
  assert.ok(!withAction.ok && withAction.diagnostics.some((d) => d.code === 'action'));
  const pipe = program('oldstate == 1', 'obj-da', { onMatch: actReturn('pipe') });
  const bp = tcBpfBatch(pipe, { ...BASE, objectPath: '/tmp/f.o' });
  assert.ok(!bp.ok && bp.diagnostics.some((d) => d.code === 'returns'), 'PIPE is read as continue');
  const noObj = tcBpfBatch(p, BASE);
  assert.ok(!noObj.ok && noObj.diagnostics.some((d) => d.code === 'object'));
});

test('eBPF classid mode: obj without da, actions allowed, returns -1/0', () => {
  const p = program('newstate != 7', 'obj');
  const b = tcBpfBatch(p, {
    ...BASE,
    objectPath: '/tmp/x.o',
    classidMode: true,
    classid: '1:2',
    action: 'action mirred egress mirror dev s0 continue',
  });
  assert.ok(b.ok);
  assert.deepEqual(b.lines, [
    "filter add dev v0 ingress protocol all prio 5 bpf obj '/tmp/x.o' sec tc classid 1:2 action mirred egress mirror dev s0 continue",
  ]);
  const da = program('newstate != 7', 'obj-da');
  const mismatch = tcBpfBatch(da, { ...BASE, objectPath: '/tmp/x.o', classidMode: true });
  assert.ok(!mismatch.ok && mismatch.diagnostics.every((d) => d.code === 'returns'));
});

test("classic: libpcap's 262144 and an inverted convention are diagnostics, not silent misreadings", () => {
  const pcapStyle = program('family == 2', 'classic', { onMatch: 262144 });
  const r = tcBpfBatch(pcapStyle, BASE);
  assert.ok(!r.ok);
  assert.match(r.diagnostics[0]?.message ?? '', /classid 4:0/);
  const socketTc = compile({
    filter: 'family == 2',
    event,
    target: 'ebpf',
    ctx: 'trace-frame',
    progType: 'socket',
    nrCpuIds: 2,
  });
  assert.ok(socketTc.ok);
  const r2 = tcBpfBatch(socketTc.program, { ...BASE, objectPath: '/tmp/y.o' });
  assert.ok(!r2.ok && r2.diagnostics.some((d) => d.code === 'prog-type'));
});

test('bad options are diagnostics: device, prio, protocol, classid, multi-line action', () => {
  const p = program('family == 2', 'classic');
  for (const [o, code] of [
    [{ ...BASE, dev: 'this-name-is-too-long' }, 'dev'],
    [{ ...BASE, dev: 'v0;rm' }, 'dev'],
    [{ ...BASE, prio: 0 }, 'prio'],
    [{ ...BASE, prio: 70000 }, 'prio'],
    [{ ...BASE, protocol: 'ip x' }, 'protocol'],
    [{ ...BASE, classid: 'zz' }, 'classid'],
    [{ ...BASE, action: 'action a\nqdisc del dev v0 root' }, 'action'],
  ] as const) {
    const r = tcBpfBatch(p, o);
    assert.ok(!r.ok && r.diagnostics.some((d) => d.code === code), `${JSON.stringify(o)} → ${code}`);
  }
});

test('return-code readings (the rules the kernel test measures)', () => {
  assert.deepEqual(classicReturn(0), { match: false });
  assert.deepEqual(classicReturn(-1), { match: true, classid: 'filter' });
  assert.deepEqual(classicReturn(262144), { match: true, classid: 262144 });
  assert.equal(daReturn(0), 'ok');
  assert.equal(daReturn(2), 'shot');
  assert.equal(daReturn(3), 'unspec');
  assert.equal(daReturn(0xffffffff), 'unspec');
  assert.equal(daReturn(7), 'redirect');
  assert.deepEqual(compileOptionsFor('classic'), { onMatch: 0xffffffff, onMiss: 0 });
  assert.deepEqual(compileOptionsFor('obj-da', { onMatch: 'shot', onMiss: 'ok' }), { onMatch: 2, onMiss: 0 });
});

test('tcBpfOutput: the batch text (optionally with clsact first) and, for eBPF, the ELF object', () => {
  const c = tcBpfOutput(program('family == 2', 'classic'), { ...BASE, clsact: true });
  assert.ok(c.ok && c.object === undefined);
  assert.equal(c.batch.split('\n')[0], 'qdisc add dev v0 clsact');
  assert.ok(c.batch.endsWith('\n') && c.batch.split('\n').length === 3);
  const e = tcBpfOutput(program('family == 2', 'obj-da'), { ...BASE, objectPath: '/tmp/z.o' });
  assert.ok(e.ok && e.object !== undefined);
  assert.deepEqual([...e.object.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(e.batch, "filter add dev v0 ingress protocol all prio 5 bpf obj '/tmp/z.o' sec tc da\n");
  const again = tcBpfOutput(program('family == 2', 'obj-da'), { ...BASE, objectPath: '/tmp/z.o' });
  assert.ok(again.ok);
  assert.deepEqual(again.object, e.object, 'the object is byte-identical across compiles');
  const bad = tcBpfOutput(program('family == 2', 'obj-da'), { ...BASE, prio: -1, objectPath: '/tmp/z.o' });
  assert.ok(!bad.ok);
});
