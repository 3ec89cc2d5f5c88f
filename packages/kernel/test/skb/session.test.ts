// The capture session over the recording fake syscalls: programs load as TRACING with the hook's attach type
// (TRACE_RAW_TP for tp_btf, TRACE_FENTRY for fentry) and BTF id, each source request carries its hook index and
// the session's map fds; opening is all or nothing (a failing load, attach or program source releases every fd
// made so far); dispose() closes links, then programs, then maps, each exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CaptureProgramRequest,
  type CaptureProgramSource,
  type Hook,
  openCapture,
  type SharedMapFds,
} from '../../src/skb/index.ts';
import { BPF_CMD, type FakeCall, fakeSyscalls, readU32 } from '../../src/sys/index.ts';

const hooks: Hook[] = [
  { name: 'skb/kfree_skb', kind: 'tp_btf', target: 'kfree_skb', btfId: 100, skbArg: 0, argCount: 4 },
  { name: 'fentry/ip_rcv', kind: 'fentry', target: 'ip_rcv', btfId: 200, skbArg: 0, argCount: 4 },
];
const EXIT0 = Uint8Array.of(0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0);

/** A source whose programs need one scratch map of their own; `links` records what each link() was given. */
function exit0Source(links: [readonly number[], SharedMapFds][] = []): CaptureProgramSource {
  return () => ({
    ok: true,
    program: {
      maps: [{ name: 'rec', type: 'PERCPU_ARRAY', keySize: 4, valueSize: 96, maxEntries: 1 }],
      link: (own, shared) => {
        links.push([own, shared]);
        return { ok: true, insns: EXIT0 };
      },
    },
  });
}

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
  const links: [readonly number[], SharedMapFds][] = [];
  const inner = exit0Source(links);
  const r = openCapture(sys, {
    hooks,
    snaplen: 64,
    ringSize: 4096,
    source: (req) => {
      seen.push(req);
      return inner(req);
    },
  });
  assert.ok(r.ok);
  assert.deepEqual(
    seen.map((s) => [s.hook.name, s.hookIndex, s.snaplen, s.follow]),
    [
      ['skb/kfree_skb', 0, 64, false],
      ['fentry/ip_rcv', 1, 64, false],
    ],
  );
  assert.deepEqual(links, [
    [[5], { ringbuf: 3, lost: 4 }],
    [[8], { ringbuf: 3, lost: 4 }],
  ]);
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
  assert.deepEqual(
    opened,
    [3, 4, 5, 6, 7, 8, 9, 10],
    'ring 3, lost 4, record 5, program 6, link 7, record 8, program 9, link 10',
  );
  assert.deepEqual(closed, []);
  r.session.dispose();
  r.session.dispose();
  assert.deepEqual(
    closed,
    [10, 9, 7, 6, 8, 5, 4, 3],
    'links and programs (last hook first), then maps, once',
  );
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
    (c: FakeCall, n: number) => c.name === 'bpf' && c.cmd === BPF_CMD.MAP_CREATE && n === 1,
  ],
  [
    "the second program's record map cannot be created",
    (c: FakeCall, n: number) => c.name === 'bpf' && c.cmd === BPF_CMD.MAP_CREATE && n === 4,
  ],
] as const) {
  test(`all or nothing: when ${what}, every fd made so far is closed once`, () => {
    const { sys, opened, closed } = ledgerSys(fails);
    const r = openCapture(sys, {
      hooks,
      snaplen: 64,
      ringSize: 4096,
      source: exit0Source(),
      follow: true,
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
  const links: [readonly number[], SharedMapFds][] = [];
  const inner = exit0Source(links);
  const r = openCapture(sys, {
    hooks,
    snaplen: 64,
    ringSize: 4096,
    follow: true,
    source: (req) => (n++ === 0 ? inner(req) : { ok: false, error: 'no program for this hook' }),
  });
  assert.ok(!r.ok && r.error === 'fentry/ip_rcv: no program for this hook');
  assert.deepEqual(links, [[[6], { ringbuf: 3, lost: 4, follow: 5 }]], 'the followed-skb map is shared');
  assert.deepEqual(closed, [8, 7, 6, 5, 4, 3], 'link, program, record, follow map, lost counter, ring');
});
