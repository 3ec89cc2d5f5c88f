// Every filter the kernel accepts runs on trace frames (issue 15, item 5), judged through bpf(2) only: random
// filters with string predicates of every kind (==, !=, ~ with front/end/middle/glob patterns) on the __data_loc
// fields of bundled events, plus integer predicates and and/or/not, are parsed by the kernel-exact front end; each
// one it accepts must compile for the eBPF frame programs (socket, tc, xdp) — zero refusals — and every program is
// loaded by the kernel (BPF_PROG_LOAD) and run on trace frames of records built for the event (BPF_PROG_TEST_RUN for
// tc and xdp, SO_ATTACH_BPF on an AF_UNIX socketpair for socket): its verdict must equal the reference interpreter's
// (the kernel's filter semantics over the record). Classic BPF may refuse (by name: string-match), never disagree
// (its programs run under SO_ATTACH_FILTER on the same frames). Invariants: no tracefs state is touched; every fd
// is released in finally blocks; records are what the kernel writes (strings inside the record, a locator's length
// counting the NUL or not, zero-length locators at a NUL-terminated string inside it). Sizes: TFC_FRAMES_FILTERS,
// TFC_FRAMES_SEED.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkMaps, type MapDef } from '@tfc/codegen-bpf';
import { compile } from '@tfc/compiler';
import {
  type CbpfSocket,
  createMap,
  loadProgram,
  openBpfSocket,
  openCbpfSocket,
  probeFeatures,
  testRun,
} from '@tfc/kernel/sys';
import { leafArb } from '@tfc/testkit';
import { bundledEvent, type EventFormat, encodeTraceFrame, evaluate, parseFilter } from '@tfc/tracefs';
import fc from 'fast-check';

const FILTERS = Number(process.env.TFC_FRAMES_FILTERS ?? 40);
const SEED = Number(process.env.TFC_FRAMES_SEED ?? 0x15f5);
const RECORDS = 16;
const F = probeFeatures();
const sys = F.syscalls.ok ? F.syscalls.value : undefined;
const skip = sys === undefined ? 'bpf(2) unavailable' : F.testRun.ok ? false : F.testRun.reason;
const EVENTS = ['clk/clk_set_parent', 'cgroup/cgroup_attach_task', 'avc/selinux_audited'] as const;

function event(name: string): EventFormat {
  const [s, n] = name.split('/');
  const e = bundledEvent(s!, n!);
  assert.ok(e, name);
  return e;
}

const dynFields = (e: EventFormat) => e.fields.filter((f) => f.kind === 'dyn_string');

const WORDS = ['a', 'b', 'ab', 'ba', 'abc', 'eth0', 'x'];
const patternArb = fc
  .tuple(
    fc.constantFrom('', '*'),
    fc.array(fc.constantFrom(...WORDS, '?', '[a-b]', '[!a]', '*'), { minLength: 0, maxLength: 3 }),
    fc.constantFrom('', '*'),
  )
  .map(([a, mid, b]) => `${a}${mid.join('')}${b}`);

function strLeafArb(e: EventFormat): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...dynFields(e).map((f) => f.name)),
      fc.constantFrom('==', '!=', '~', '~'),
      patternArb,
    )
    .map(([f, op, p]) => `${f} ${op} "${p}"`);
}

function filterArb(e: EventFormat): fc.Arbitrary<string> {
  const leaf = fc.oneof(
    { weight: 3, arbitrary: strLeafArb(e) },
    { weight: 1, arbitrary: leafArb(e, { strings: false, misc: false }) },
  );
  const { tree } = fc.letrec<{ tree: string }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.tuple(tie('tree'), fc.constantFrom('&&', '||'), tie('tree')).map(([a, op, b]) => `${a} ${op} ${b}`),
      tie('tree').map((t) => `!(${t})`),
      tie('tree').map((t) => `(${t})`),
    ),
  }));
  return tree;
}

/** One record: the fixed part random, each __data_loc string appended (its length with or without the NUL, or a
 *  zero-length locator at the NUL-terminated string), one of them sometimes long. */
function recordArb(e: EventFormat): fc.Arbitrary<Uint8Array> {
  const fixed = Math.max(...e.fields.map((f) => f.offset + f.size));
  const strArb = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.array(fc.constantFrom(...WORDS, 'b*', '?'), { maxLength: 4 }).map((w) => w.join('')),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 100, max: 400 }),
          fc.constantFrom('a', 'ab', 'ba'),
          fc.constantFrom('', 'abc', 'eth0'),
        )
        .map(([n, w, end]) => w.repeat(n) + end),
    },
  );
  return fc
    .tuple(
      fc.uint8Array({ minLength: fixed, maxLength: fixed }),
      fc.array(fc.tuple(strArb, fc.constantFrom('nul', 'exact', 'zero')), {
        minLength: dynFields(e).length,
        maxLength: dynFields(e).length,
      }),
    )
    .map(([head, strs]) => {
      const parts: number[] = [...head];
      const dv = (at: number, v: number) => {
        for (let i = 0; i < 4; i++) parts[at + i] = (v >>> (8 * i)) & 0xff;
      };
      dynFields(e).forEach((f, i) => {
        const [s, mode] = strs[i]!;
        const start = parts.length;
        for (const c of Buffer.from(s, 'latin1')) parts.push(c);
        parts.push(0);
        const len = mode === 'nul' ? s.length + 1 : mode === 'exact' ? s.length : 0;
        dv(f.offset, ((len << 16) | start) >>> 0);
      });
      return Uint8Array.from(parts);
    });
}

/** Creates the program's maps (the per-CPU string buffer) and links them; the caller disposes them. */
function linked(maps: readonly MapDef[], insns: Parameters<typeof linkMaps>[0]) {
  assert.ok(sys);
  const made: { fd: number; dispose(): void }[] = [];
  const fds = new Map<string, number>();
  for (const m of maps) {
    const r = createMap(sys, {
      type: m.type === 'hash' ? 'HASH' : 'PERCPU_ARRAY',
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
    });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    if (!r.ok) continue;
    made.push(r.value);
    fds.set(m.name, r.value.fd);
  }
  const l = linkMaps(insns, fds);
  assert.ok(l.ok, l.ok ? '' : l.message);
  return { bytes: l.ok ? l.bytes : new Uint8Array(0), maps: made };
}

function ebpfSocket(progFd: number): CbpfSocket {
  assert.ok(sys);
  const s = openBpfSocket(sys, progFd);
  assert.ok(s.ok, s.ok ? '' : s.error.message);
  return s.value;
}

test('kernel-accepted filters with string matches compile for every eBPF frame program, and the kernel runs them as the kernel filter decides', {
  skip,
}, () => {
  assert.ok(sys);
  const counts = {
    filters: 0,
    parseRefused: 0,
    programs: 0,
    frames: 0,
    pairs: 0,
    cbpfPairs: 0,
    disagreements: 0,
  };
  const ebpfRefused: string[] = [];
  const cbpfRefused = new Map<string, number>();
  const kinds = new Map<string, number>();
  EVENTS.forEach((name, ei) => {
    const e = event(name);
    const cases = fc.sample(
      fc.tuple(filterArb(e), fc.array(recordArb(e), { minLength: RECORDS, maxLength: RECORDS })),
      {
        numRuns: FILTERS,
        seed: SEED + ei,
      },
    );
    for (const [text, records] of cases) {
      const parsed = parseFilter(text, e, { nrCpuIds: 4 });
      if (!parsed.ok) {
        counts.parseRefused++;
        continue;
      }
      counts.filters++;
      for (const m of text.matchAll(/~ "([^"]*)"/g)) {
        const p = m[1]!;
        const k =
          /[?[]/.test(p) || /.\*./.test(p.replace(/^\*|\*$/g, '_'))
            ? 'glob'
            : p.startsWith('*') && p.endsWith('*') && p.length > 1
              ? 'middle'
              : p.startsWith('*')
                ? 'end'
                : p.endsWith('*')
                  ? 'front'
                  : 'full';
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      const comm = new Uint8Array(16);
      const frames = records.map((r, i) => encodeTraceFrame(r, { eventId: e.id, cpu: i % 2, comm }));
      const want = records.map((r, i) => evaluate(parsed.filter, r, { cpu: i % 2, comm }));
      counts.frames += frames.length;
      for (const pt of ['socket', 'tc', 'xdp'] as const) {
        const c = compile({
          filter: text,
          event: e,
          target: 'ebpf',
          ctx: 'trace-frame',
          progType: pt,
          nrCpuIds: 4,
        });
        if (!c.ok) {
          ebpfRefused.push(`${pt}: ${text}: ${c.diagnostics[0]?.message}`);
          continue;
        }
        assert.equal(c.program.target, 'ebpf');
        if (c.program.target !== 'ebpf') continue;
        const p = c.program;
        const l = linked(p.maps, p.insns);
        try {
          const prog = loadProgram(sys, { type: p.progType, insns: l.bytes });
          assert.ok(
            prog.ok,
            prog.ok ? '' : `${text}\n${prog.error.message}\n${(prog.error.log ?? '').slice(-2000)}`,
          );
          if (!prog.ok) continue;
          counts.programs++;
          try {
            const got =
              pt === 'socket'
                ? (() => {
                    const s = ebpfSocket(prog.value.fd);
                    try {
                      return frames.map((f) => {
                        const v = s.run(f);
                        assert.ok(v.ok);
                        return v.ok && v.value.accepted;
                      });
                    } finally {
                      s.dispose();
                    }
                  })()
                : frames.map((f) => {
                    const out = testRun(sys, prog.value, { data: f, dataOutSize: 0 });
                    assert.ok(out.ok, out.ok ? '' : out.error.message);
                    return out.ok && out.value.retval === p.onMatch;
                  });
            got.forEach((g, i) => {
              if (g !== want[i]) {
                counts.disagreements++;
                console.log(
                  pt,
                  text,
                  'record',
                  i,
                  Buffer.from(records[i]!).toString('hex'),
                  'kernel filter',
                  want[i],
                );
              }
              assert.equal(
                g,
                want[i],
                `${pt} disagrees with the kernel filter on record ${i}: ${text}\n${p.listing}`,
              );
              counts.pairs++;
            });
          } finally {
            prog.value.dispose();
          }
        } finally {
          for (const m of l.maps) m.dispose();
        }
      }
      const cb = compile({ filter: text, event: e, target: 'cbpf', ctx: 'trace-frame', nrCpuIds: 4 });
      if (!cb.ok) {
        const msg = cb.diagnostics[0]?.message ?? '';
        assert.match(
          msg,
          /string match kind (middle|glob) on __data_loc strings is not supported by the cBPF target/,
        );
        const k = msg.match(/kind (\w+)/)?.[1] ?? '?';
        cbpfRefused.set(k, (cbpfRefused.get(k) ?? 0) + 1);
        continue;
      }
      if (cb.program.target !== 'cbpf') continue;
      const s = openCbpfSocket(sys, cb.program.bytes);
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      if (!s.ok) continue;
      try {
        frames.forEach((f, i) => {
          const v = s.value.run(f);
          assert.ok(v.ok);
          if (v.ok) assert.equal(v.value.accepted, want[i], `cBPF disagrees on record ${i}: ${text}`);
          counts.cbpfPairs++;
        });
      } finally {
        s.value.dispose();
      }
    }
  });
  console.log(
    'frames ≡ kernel filter:',
    counts,
    'cBPF refusals by kind:',
    Object.fromEntries(cbpfRefused),
    'string match kinds:',
    Object.fromEntries(kinds),
  );
  assert.deepEqual(ebpfRefused, [], 'eBPF frame programs refused kernel-accepted filters');
  assert.equal(counts.disagreements, 0);
  assert.ok(counts.filters >= FILTERS * 2 && counts.pairs >= counts.filters * RECORDS * 3);
});
