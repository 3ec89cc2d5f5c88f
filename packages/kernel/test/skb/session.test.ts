// The capture session over the recording fake syscalls: programs load as TRACING with the hook's attach type
// (TRACE_RAW_TP for tp_btf, TRACE_FENTRY for fentry) and BTF id, each source request carries its hook index and
// the session's map fds; opening is all or nothing (a failing load, attach or program source releases every fd
// made so far); dispose() closes links, then programs, then maps, each exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CaptureProgramRequest, type Hook, openCapture, type SkbLayout } from '../../src/skb/index.ts';
import { BPF_CMD, type FakeCall, fakeSyscalls, readU32 } from '../../src/sys/index.ts';

const f = { offset: 0, size: 4 };
const layout: SkbLayout = {
  skb: {
    len: f,
    dataLen: f,
    head: f,
    data: f,
    macHeader: f,
    networkHeader: f,
    dev: f,
    protocol: f,
    pktType: f,
    mark: f,
    vlanTci: f,
    vlanProto: f,
  },
  netDevice: { ifindex: f, net: f, type: f, hardHeaderLen: f },
  net: { nsInum: f },
};
const hooks: Hook[] = [
  { name: 'skb/kfree_skb', kind: 'tp_btf', target: 'kfree_skb', btfId: 100, skbArg: 0, argCount: 4 },
  { name: 'fentry/ip_rcv', kind: 'fentry', target: 'ip_rcv', btfId: 200, skbArg: 0, argCount: 4 },
];
const EXIT0 = Uint8Array.of(0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0);

const FD_CMDS: ReadonlySet<number> = new Set([
  BPF_CMD.MAP_CREATE,
  BPF_CMD.PROG_LOAD,
  BPF_CMD.RAW_TRACEPOINT_OPEN,
]);

/** A fake whose fds are 3, 4, … for calls that make one; `fails(call, nth of its kind)` makes a call fail. */
function ledgerSys(fails: (c: FakeCall, n: number) => boolean = () => false) {
  const opened: number[] = [];
  const closed: number[] = [];
  const counts = new Map<string, number>();
  let next = 3;
  const sys = fakeSyscalls((c) => {
    const key = c.name === 'bpf' ? `bpf${c.cmd}` : c.name;
    const n = counts.get(key) ?? 0;
    counts.set(key, n + 1);
    if (fails(c, n)) return { ok: false, errno: 1 };
    if (c.name === 'close') {
      closed.push(c.fd);
      return { ok: true, value: 0 };
    }
    if (c.name === 'bpf' && FD_CMDS.has(c.cmd)) {
      opened.push(next);
      return { ok: true, value: next++ };
    }
    return { ok: true, value: 0 };
  });
  return { sys, opened, closed };
}

test('programs load as TRACING with the attach type and BTF id of their hook; dispose releases in order, once', () => {
  const { sys, opened, closed } = ledgerSys();
  const seen: CaptureProgramRequest[] = [];
  const r = openCapture(sys, {
    hooks,
    layout,
    snaplen: 64,
    ringSize: 4096,
    source: (req) => {
      seen.push(req);
      return { ok: true, insns: EXIT0 };
    },
  });
  assert.ok(r.ok);
  assert.deepEqual(
    seen.map((s) => [s.hook.name, s.hookIndex, s.ringbufFd, s.lostFd, s.snaplen]),
    [
      ['skb/kfree_skb', 0, 3, 4, 64],
      ['fentry/ip_rcv', 1, 3, 4, 64],
    ],
  );
  const loads = sys.calls.filter(
    (c): c is Extract<FakeCall, { name: 'bpf' }> => c.name === 'bpf' && c.cmd === BPF_CMD.PROG_LOAD,
  );
  assert.deepEqual(
    loads.map((c) => [readU32(c.attr, 0), readU32(c.attr, 68), readU32(c.attr, 108)]),
    [
      [26, 23, 100],
      [26, 24, 200],
    ],
  );
  assert.deepEqual(
    sys.calls
      .filter((c) => c.name === 'mmap')
      .map((c) => (c.name === 'mmap' ? [c.length, c.prot, c.offset] : [])),
    [
      [4096, 3, 0],
      [4096 + 8192, 1, 4096],
    ],
    'consumer page read-write, producer page and the data area twice read-only',
  );
  assert.deepEqual(opened, [3, 4, 5, 6, 7, 8], 'ring 3, lost 4, program 5, link 6, program 7, link 8');
  assert.deepEqual(closed, []);
  r.session.dispose();
  r.session.dispose();
  assert.deepEqual(closed, [8, 7, 6, 5, 4, 3], 'links and programs (last hook first), then maps, once');
  assert.equal(
    r.session.drain(() => assert.fail('no records after dispose')),
    0,
  );
});

for (const [what, fails] of [
  [
    'the second program load fails',
    (c: FakeCall, n: number) => c.name === 'bpf' && c.cmd === BPF_CMD.PROG_LOAD && n >= 1,
  ],
  [
    'the second attach fails',
    (c: FakeCall, n: number) => c.name === 'bpf' && c.cmd === BPF_CMD.RAW_TRACEPOINT_OPEN && n >= 1,
  ],
  ['the ring cannot be mapped', (c: FakeCall) => c.name === 'mmap' && c.offset > 0],
  [
    'the lost counter cannot be created',
    (c: FakeCall, n: number) => c.name === 'bpf' && c.cmd === BPF_CMD.MAP_CREATE && n >= 1,
  ],
] as const) {
  test(`all or nothing: when ${what}, every fd made so far is closed once`, () => {
    const { sys, opened, closed } = ledgerSys(fails);
    const r = openCapture(sys, {
      hooks,
      layout,
      snaplen: 64,
      ringSize: 4096,
      source: () => ({ ok: true, insns: EXIT0 }),
    });
    assert.equal(r.ok, false);
    assert.ok(opened.length > 0);
    assert.deepEqual([...closed].sort(), [...opened].sort(), 'every fd opened is closed');
    assert.equal(new Set(closed).size, closed.length, 'no fd closed twice');
  });
}

test('all or nothing: a program source that fails names the hook and releases everything', () => {
  const { sys, closed } = ledgerSys();
  let n = 0;
  const r = openCapture(sys, {
    hooks,
    layout,
    snaplen: 64,
    ringSize: 4096,
    source: () => (n++ === 0 ? { ok: true, insns: EXIT0 } : { ok: false, error: 'no program for this hook' }),
  });
  assert.ok(!r.ok && r.error === 'fentry/ip_rcv: no program for this hook');
  assert.deepEqual(closed, [6, 5, 4, 3], 'link, program, lost counter, ring');
});
