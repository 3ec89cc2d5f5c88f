// Hand-written lowering cases: one group per predicate kind with the kernel-verified examples of
// tracefs-filter-spec §6 and §13, each checked three ways (reference interpreter, IR before and after
// runPasses) in ctx 'record' and in a trace frame; the trace-frame header (cpu, comm, guard), the
// commonFields choice, deep input, diagnostics, determinism, zero-length __data_loc locators.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  evaluateOutcome,
  type Filter as IrFilter,
  evaluate as irEvaluate,
  type MemoryRegion,
  printFilter,
  runPasses,
} from '@tfc/ir';
import {
  bundledEvent,
  bundledEventNames,
  type EventFormat,
  evaluate,
  type Filter,
  type FilterEnv,
  type LowerOptions,
  lowerFilter,
  parseFilter,
} from '../src/index.ts';
import { fixtureEvent } from './corpus-helpers.ts';

const pv = fixtureEvent('fspecr_pv.format', 'fspecr', 'pv');
const rename = fixtureEvent('task_task_rename.format', 'task', 'task_rename');
const openat = fixtureEvent('syscalls_sys_enter_openat.format', 'syscalls', 'sys_enter_openat');
const ipi = fixtureEvent('ipi_ipi_send_cpumask.format', 'ipi', 'ipi_send_cpumask');

const VFS_READ = { start: 0xffffffff81400000n, size: 0x100n };
const ENV: FilterEnv = {
  nrCpuIds: 2,
  lookupSymbol: (q) => (q === 'vfs_read' || q === VFS_READ.start ? VFS_READ : undefined),
};

function parse(text: string, ev: EventFormat, env: FilterEnv = ENV): Filter {
  const r = parseFilter(text, ev, env, { maxBytes: 1 << 20 });
  if (!r.ok) throw new Error(`parse ${text}: ${r.error.message}`);
  if (r.filter === null) throw new Error('null filter');
  return r.filter;
}

interface Scene {
  readonly record: Uint8Array;
  readonly cpu?: number;
  readonly comm?: string;
  readonly memory?: readonly MemoryRegion[];
}

/** A record for `ev`: scalars little-endian, char[N] filled verbatim (bytes), __data_loc strings appended. */
function record(
  ev: EventFormat,
  values: Readonly<Record<string, bigint | number | string | Uint8Array>>,
): Uint8Array {
  const fixed = Math.max(...ev.fields.map((f) => f.offset + f.size));
  const bytes: number[] = new Array<number>(fixed).fill(0);
  const put = (off: number, size: number, v: bigint): void => {
    for (let i = 0; i < size; i++) bytes[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  };
  for (const [name, v] of Object.entries(values)) {
    const f = ev.fields.find((x) => x.name === name);
    if (!f) throw new Error(`no field ${name}`);
    if (f.kind === 'dyn_string' && typeof v === 'string') {
      const start = bytes.length;
      bytes.push(...Buffer.from(v, 'latin1'), 0);
      put(f.offset, 4, (BigInt(v.length + 1) << 16n) | BigInt(start));
    } else if (v instanceof Uint8Array || typeof v === 'string') {
      const b = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
      for (let i = 0; i < f.size; i++) bytes[f.offset + i] = b[i] ?? 0;
    } else put(f.offset, f.size, BigInt.asUintN(64, BigInt(v)));
  }
  return Uint8Array.from(bytes);
}

function comm16(s: string): Uint8Array {
  const c = new Uint8Array(16);
  c.set(Buffer.from(s, 'latin1').subarray(0, 16));
  return c;
}

function frameOf(ev: EventFormat, s: Scene): Uint8Array {
  const f = new Uint8Array(Math.max(60, 54 + s.record.length));
  f.set([2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x88, 0xb5, 1, 1, 0, 40], 0);
  const dv = new DataView(f.buffer);
  dv.setUint16(18, ev.id);
  dv.setUint16(20, s.cpu ?? 0);
  dv.setUint32(30, s.record.length);
  f.set(comm16(s.comm ?? ''), 38);
  f.set(s.record, 54);
  return f;
}

function lowered(filter: Filter, ev: EventFormat, opts: LowerOptions): IrFilter[] {
  const r = lowerFilter(filter, ev, opts);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  const o = runPasses(r.ir, { verifyEach: true });
  if (!o.ok) throw new Error(o.diagnostics.map((d) => d.message).join('; '));
  return [r.ir, o.ir];
}

function readString(memory: readonly MemoryRegion[]) {
  return (address: bigint, user: boolean): Uint8Array | null => {
    const out: number[] = [];
    for (let a = address; out.length < 1023; a++) {
      const r = memory.find(
        (m) =>
          m.space === (user ? 'user' : 'kernel') && a >= m.address && a < m.address + BigInt(m.bytes.length),
      );
      if (!r) return null;
      const b = r.bytes[Number(a - r.address)]!;
      if (b === 0) break;
      out.push(b);
    }
    return Uint8Array.from(out);
  };
}

/** Asserts the reference verdict is `want`, and that every lowering agrees with it. */
function check(text: string, ev: EventFormat, s: Scene, want: boolean, env: FilterEnv = ENV): void {
  const filter = parse(text, ev, env);
  const memory = s.memory ?? [];
  const ctx = { cpu: s.cpu ?? 0, comm: comm16(s.comm ?? ''), readString: readString(memory) };
  assert.equal(evaluate(filter, s.record, ctx), want, `reference: ${text}`);
  const verdict = want ? 'accept' : 'reject';
  const input = { record: s.record, cpu: s.cpu ?? 0, comm: comm16(s.comm ?? ''), memory };
  for (const ir of lowered(filter, ev, { ctx: 'record', nrCpuIds: env.nrCpuIds })) {
    assert.equal(irEvaluate(ir, input), verdict, `record: ${text}\n${printFilter(ir)}`);
  }
  for (const ir of lowered(filter, ev, { ctx: 'trace-frame', nrCpuIds: env.nrCpuIds })) {
    assert.equal(
      irEvaluate(ir, { ...input, packet: frameOf(ev, s) }),
      verdict,
      `frame: ${text}\n${printFilter(ir)}`,
    );
  }
}

test('integer fields: truncation and signedness (spec §6.1)', () => {
  check('a8 == 256', pv, { record: record(pv, { a8: 0 }) }, true);
  check('a8 < 256', pv, { record: record(pv, { a8: 0 }) }, false);
  check('a8 <= 0x1ff', pv, { record: record(pv, { a8: 255 }) }, true);
  check('s8 > 200', pv, { record: record(pv, { s8: -50 }) }, true);
  check('s8 > 200', pv, { record: record(pv, { s8: -60 }) }, false);
  check('s8 == 0xff', pv, { record: record(pv, { s8: -1 }) }, true);
  check('s16 > 40000', pv, { record: record(pv, { s16: -25535 }) }, true);
  check('s32 < 0xffffffff', pv, { record: record(pv, { s32: -2 }) }, true);
  check('s32 < 0xffffffff', pv, { record: record(pv, { s32: -1 }) }, false);
  check('s32 & -1', pv, { record: record(pv, { s32: 0 }) }, false);
  check('s32 & -1', pv, { record: record(pv, { s32: 5 }) }, true);
  check('a32 & 0x100000000', pv, { record: record(pv, { a32: 0xffffffff }) }, false);
  check('s64 < 0', pv, { record: record(pv, { s64: -1n }) }, true);
  check('a64 > 0x7fffffffffffffff', pv, { record: record(pv, { a64: 1n << 63n }) }, true);
  check('common_preempt_count < 256', pv, { record: record(pv, { common_preempt_count: 0 }) }, false);
  check('a64 == 5', pv, { record: new Uint8Array(10) }, false); // short record reads zeros
});

test('sizes other than 1/2/4/8 and stacktrace are false for every operator (§6.2, §5)', () => {
  for (const op of ['==', '!=', '<', '&']) {
    check(`arr ${op} 0`, pv, { record: record(pv, {}) }, false);
    check(`arr ${op} 1`, pv, { record: record(pv, { arr: Uint8Array.of(1) }) }, false);
    check(`stacktrace ${op} 0`, pv, { record: record(pv, {}) }, false);
  }
  check('!(arr != 0)', pv, { record: record(pv, {}) }, true);
});

test('generic cpu: signed 32-bit, & always false (§6.3); header cpu in trace frames', () => {
  check('cpu == 1', pv, { record: record(pv, {}), cpu: 1 }, true);
  check('CPU == 0xffffffff', pv, { record: record(pv, {}), cpu: 1 }, false);
  check('common_cpu < 0xffffffff', pv, { record: record(pv, {}), cpu: 1 }, false);
  check('cpu & 1', pv, { record: record(pv, {}), cpu: 1 }, false);
  check('cpu > -1', pv, { record: record(pv, {}), cpu: 0 }, true);
  check('cpu >= 300', pv, { record: record(pv, {}), cpu: 300 }, true);
});

test('CPUS{} on scalars and cpu (§6.4, nr_cpu_ids = 2)', () => {
  for (const [v, want] of [
    [0n, true],
    [1n, true],
    [0x100000001n, true],
    [2n, false],
    [0xffffffffn, false],
  ] as const) {
    check('a64 & CPUS{0-1}', pv, { record: record(pv, { a64: v }) }, want);
    check('a64 != CPUS{0-1}', pv, { record: record(pv, { a64: v }) }, want);
    check('a64 == CPUS{0-1}', pv, { record: record(pv, { a64: v }) }, false);
  }
  check('a32 != CPUS{,}', pv, { record: record(pv, { a32: 1 }) }, true);
  check('a32 != CPUS{,}', pv, { record: record(pv, { a32: 2 }) }, false);
  check('a64 == CPUS{1}', pv, { record: record(pv, { a64: 0x100000001n }) }, false);
  check('a64 != CPUS{1}', pv, { record: record(pv, { a64: 0x100000001n }) }, true);
  check('a8 & CPUS{1}', pv, { record: record(pv, { a8: 1 }) }, true);
  check('cpu & CPUS{1}', pv, { record: record(pv, {}), cpu: 1 }, true);
  check('cpu & CPUS{0-1}', pv, { record: record(pv, {}), cpu: 1 }, true);
  check('cpu == CPUS{0-1}', pv, { record: record(pv, {}), cpu: 1 }, false);
  check('cpu != CPUS{0-1}', pv, { record: record(pv, {}), cpu: 1 }, true);
});

test('CPUS{} on a __data_loc cpumask_t field, multi-byte masks (nr_cpu_ids = 12)', () => {
  const env12: FilterEnv = { nrCpuIds: 12 };
  const withMask = (bits: number[]): Uint8Array => {
    const r = record(ipi, {});
    const out = new Uint8Array(r.length + 2);
    out.set(r);
    for (const b of bits) out[r.length + (b >> 3)]! |= 1 << (b & 7);
    new DataView(out.buffer).setUint32(8, (2 << 16) | r.length, true);
    return out;
  };
  check('cpumask == CPUS{1,9}', ipi, { record: withMask([1, 9]) }, true, env12);
  check('cpumask == CPUS{1,9}', ipi, { record: withMask([1, 9, 13]) }, true, env12); // bit 13 ≥ nr: ignored
  check('cpumask == CPUS{1,9}', ipi, { record: withMask([1]) }, false, env12);
  check('cpumask != CPUS{1,9}', ipi, { record: withMask([1]) }, true, env12);
  check('cpumask & CPUS{9-11}', ipi, { record: withMask([1, 10]) }, true, env12);
  check('cpumask & CPUS{9-11}', ipi, { record: withMask([1, 3]) }, false, env12);
  check('cpumask == CPUS{10}', ipi, { record: withMask([10]) }, true, env12);
  check('cpumask == CPUS{10}', ipi, { record: withMask([10, 2]) }, false, env12);
  check('cpumask & CPUS{10}', ipi, { record: withMask([10, 2]) }, true, env12);
  check('cpumask & CPUS{,}', ipi, { record: withMask([10, 2]) }, false, env12);
  check('cpumask == CPUS{,}', ipi, { record: withMask([]) }, true, env12);
  check('cpumask == 0x20020', ipi, { record: withMask([]) }, true, env12); // raw locator word (§5)
});

test('char[N] and comm quirks (§6.8, §6.9)', () => {
  const stale = Uint8Array.from([...Buffer.from('ab'), 0, ...Buffer.from('defghijklxyz'), 0]);
  check('newcomm ~ "*bc"', rename, { record: record(rename, { newcomm: 'abc' }) }, false);
  check('newcomm ~ "*b[c]"', rename, { record: record(rename, { newcomm: 'abc' }) }, true);
  check('newcomm ~ "*xyz"', rename, { record: record(rename, { newcomm: stale }) }, true);
  check('newcomm ~ "*kl*"', rename, { record: record(rename, { newcomm: stale }) }, true);
  check('newcomm ~ "*c*"', rename, { record: record(rename, { newcomm: stale }) }, false);
  check(
    'newcomm == "abcdefghijklmnoXYZ"',
    rename,
    { record: record(rename, { newcomm: 'abcdefghijklmno' }) },
    false,
  );
  check(
    'newcomm ~ "abcdefghijklmnopq*"',
    rename,
    { record: record(rename, { newcomm: 'abcdefghijklmnop' }) },
    false,
  );
  check('newcomm ~ "!ab*"', rename, { record: record(rename, { newcomm: 'abc' }) }, false);
  check('comm ~ "*abc"', pv, { record: record(pv, {}), comm: 'fspecabc' }, false);
  check('comm ~ "*ab[c]"', pv, { record: record(pv, {}), comm: 'fspecabc' }, true);
  check('COMM ~ "*xyz"', pv, { record: record(pv, {}), comm: 'abcdefghijklxyz' }, true);
  check('COMM == "fspec_t"', pv, { record: record(pv, {}), comm: 'fspec_t' }, true);
  check('comm != "fspec_t"', pv, { record: record(pv, {}), comm: 'fspec_t' }, false);
});

test('__data_loc strings and the §6.6 pattern classes', () => {
  const r = record(pv, { str: 'hello' });
  const cases: [string, boolean][] = [
    ['str == "hello"', true],
    ['str ~ "hel*"', true],
    ['str ~ "*llo"', true],
    ['str ~ "*ell*"', true],
    ['str ~ "h?llo"', true],
    ['str ~ "h[a-f]llo"', true],
    ['str ~ "*"', true],
    ['str ~ "**"', true],
    ['str ~ "!*"', false],
    ['str ~ "!"', true],
    ['str ~ ""', false],
    ['str ~ "1*"', false],
    ['str != "hello"', false],
  ];
  for (const [t, want] of cases) check(t, pv, { record: r }, want);
  check('str ~ "1*"', pv, { record: record(pv, { str: '1*' }) }, true);
  check('str ~ ""', pv, { record: record(pv, { str: '' }) }, true);
});

test('pointer strings: kernel vs .ustring copies, faults false before negation (§6.5)', () => {
  const USER = 0x7f0000001000n;
  const memory: MemoryRegion[] = [
    { space: 'user', address: USER, bytes: Uint8Array.from([...Buffer.from('/etc/passwd'), 0]) },
  ];
  const r = record(openat, { filename: USER });
  check('filename != "nomatch"', openat, { record: r, memory }, false);
  check('filename.ustring != "nomatch"', openat, { record: r, memory }, true);
  check('filename.ustring == "/etc/passwd"', openat, { record: r, memory }, true);
  check('filename.ustring ~ "*passwd"', openat, { record: r, memory }, true);
  check('filename.ustring != "x"', openat, { record: record(openat, { filename: 0 }), memory }, false);
});

test('.function: start <= F < start + size (§6.10)', () => {
  const s = VFS_READ.start;
  check('a64.function == vfs_read', pv, { record: record(pv, { a64: s }) }, true);
  check('a64.function == vfs_read', pv, { record: record(pv, { a64: s + 4n }) }, true);
  check('a64.function == vfs_read', pv, { record: record(pv, { a64: s - 1n }) }, false);
  check('a64.function == vfs_read', pv, { record: record(pv, { a64: s + VFS_READ.size }) }, false);
  check('a64.function != vfs_read', pv, { record: record(pv, { a64: s - 1n }) }, true);
});

test('§13 style compound filters and the clearing filter', () => {
  const r = record(pv, { a8: 3, s32: -5, str: 'abc' });
  check('a8 == 3 && (s32 < 0 || str == "x")', pv, { record: r }, true);
  check('!(a8 == 3) || str ~ "a*"', pv, { record: r }, true);
  check('!(a8 == 3 && str ~ "a*")', pv, { record: r }, false);
  const cleared = lowerFilter(null, pv, { ctx: 'record', nrCpuIds: 2 });
  assert.ok(cleared.ok);
  assert.equal(printFilter(cleared.ir), printFilter({ kind: 'filter', values: [], body: { kind: 'true' } }));
});

test('trace frames: guard rejects other events, other EtherTypes and frames shorter than the record', () => {
  const filter = parse('a8 == 3 || cpu == 5', pv);
  const [raw, opt] = lowered(filter, pv, { ctx: 'trace-frame', nrCpuIds: 2 });
  const scene = { record: record(pv, { a8: 3 }), cpu: 1 };
  const good = frameOf(pv, scene);
  const otherEvent = Uint8Array.from(good);
  new DataView(otherEvent.buffer).setUint16(18, pv.id + 1);
  const otherType = Uint8Array.from(good);
  otherType[13] = 0x00;
  const header = frameOf(pv, { record: record(pv, {}), cpu: 5 });
  for (const ir of [raw!, opt!]) {
    assert.equal(irEvaluate(ir, { packet: good }), 'accept');
    assert.equal(irEvaluate(ir, { packet: otherEvent }), 'reject');
    assert.equal(irEvaluate(ir, { packet: otherType }), 'reject');
    // cpu == 5 reads only the header, but a frame cut inside the record still rejects.
    assert.equal(irEvaluate(ir, { packet: header }), 'accept');
    assert.equal(irEvaluate(ir, { packet: header.subarray(0, 54 + 10) }), 'reject');
    assert.equal(evaluateOutcome(ir, { packet: good.subarray(0, 16) }), 'abort');
  }
  const unguarded = lowerFilter(parse('cpu == 5', pv), pv, {
    ctx: 'trace-frame',
    nrCpuIds: 2,
    frameGuard: false,
  });
  assert.ok(unguarded.ok);
  assert.equal(irEvaluate(unguarded.ir, { packet: header.subarray(0, 54) }), 'accept');
});

test("commonFields 'pseudo': common_pid → pid, common_type → the event id, flags/preempt_count → diagnostic", () => {
  const opts: LowerOptions = { ctx: 'record', nrCpuIds: 2, commonFields: 'pseudo' };
  const hidden = new Uint8Array(100); // header bytes unreadable: zero
  for (const [text, pid, want] of [
    ['common_pid == 42', 42, 'accept'],
    ['common_pid < 0', -7, 'accept'],
    ['common_pid & CPUS{1}', 1, 'accept'],
    [`common_type == ${pv.id}`, 0, 'accept'],
    [`common_type != ${pv.id}`, 0, 'reject'],
  ] as const) {
    const r = lowerFilter(parse(text, pv), pv, opts);
    assert.ok(r.ok, text);
    assert.equal(irEvaluate(r.ir, { record: hidden, pid }), want, text);
  }
  const bad = lowerFilter(parse('a8 == 1 && common_flags & 1', pv), pv, opts);
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.equal(bad.diagnostics.length, 1);
    assert.match(bad.diagnostics[0]!.message, /common_flags/);
    assert.deepEqual(bad.diagnostics[0]!.span, { start: 11, end: 27 });
  }
});

test('diagnostics: nr_cpu_ids mismatch; errors are values, never exceptions', () => {
  const r = lowerFilter(parse('a32 & CPUS{0-1}', pv), pv, { ctx: 'record', nrCpuIds: 4 });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.diagnostics[0]!.message, /nr_cpu_ids=2 .* nr_cpu_ids=4/);
});

test('deep input: 10,000 nested parentheses and negations lower without recursion', () => {
  const parens = `${'('.repeat(10000)}a8 == 1${')'.repeat(10000)}`;
  check(parens, pv, { record: record(pv, { a8: 1 }) }, true);
  const nots = `${'!('.repeat(9999)}a8 == 1${')'.repeat(9999)}`;
  check(nots, pv, { record: record(pv, { a8: 1 }) }, false);
  const chain = Array.from({ length: 3000 }, (_, i) => `a16 == ${i}`).join(' || ');
  check(chain, pv, { record: record(pv, { a16: 2999 }) }, true);
  // Alternating and/or nesting does not flatten: beyond the IR's MAX_DEPTH it is a diagnostic.
  let alt = 'a8 == 0';
  for (let i = 0; i < 1500; i++) alt = `a8 == ${i % 200} ${i % 2 ? '&&' : '||'} (${alt})`;
  const r = lowerFilter(parse(alt, pv), pv, { ctx: 'record', nrCpuIds: 2 });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.diagnostics[0]!.message, /nests .* too deeply/);
});

test('deterministic: the same filter lowers to byte-identical IR text', () => {
  const text = 'str ~ "*ab*" && (cpu & CPUS{0-1} || a64.function == vfs_read ) && !(s8 < -3)';
  for (const ctx of ['record', 'trace-frame'] as const) {
    const a = lowerFilter(parse(text, pv), pv, { ctx, nrCpuIds: 2 });
    const b = lowerFilter(parse(text, pv), pv, { ctx, nrCpuIds: 2 });
    assert.ok(a.ok && b.ok);
    assert.equal(printFilter(a.ir), printFilter(b.ir));
  }
});

test('a zero-length __data_loc locator: the kernel strcmp()s from its offset, and so does the IR', () => {
  // Record: str's locator says length 0 but points at "ab\0". The kernel's regex_match_full with
  // len == 0 runs strcmp(data, "ab") → match; end never matches (strlen = -1), glob sees "".
  const r = record(pv, { str: 'ab' });
  const dv = new DataView(r.buffer);
  dv.setUint32(58, dv.getUint32(58, true) & 0xffff, true);
  const cases: [string, boolean][] = [
    ['str == "ab"', true],
    ['str != "ab"', false],
    ['str == ""', false],
    ['str ~ "a*"', true],
    ['str ~ "*b*"', true],
    ['str ~ "*b"', false],
    ['str ~ "a?"', false],
    ['str ~ "\\"', true],
  ];
  for (const [text, want] of cases) {
    const filter = parse(text, pv);
    assert.equal(evaluate(filter, r, { cpu: 0, comm: comm16('') }), want, text);
    for (const ir of lowered(filter, pv, { ctx: 'record', nrCpuIds: 2 }))
      assert.equal(irEvaluate(ir, { record: r }), want ? 'accept' : 'reject', `IR: ${text}`);
  }
});

test('every field of every bundled event lowers (or gets a precise diagnostic) in both contexts', () => {
  const stats = { events: 0, preds: 0, lowered: 0, diagnosed: 0 };
  for (const name of bundledEventNames()) {
    const [system, event] = name.split('/') as [string, string];
    const ev = bundledEvent(system, event);
    if (!ev) continue;
    stats.events++;
    for (const f of ev.fields) {
      const texts =
        f.kind === 'cpumask'
          ? [`${f.name} & CPUS{1}`, `${f.name} == CPUS{0-1}`, `${f.name} > 3`]
          : f.kind === 'other'
            ? [`${f.name} > 1`, `${f.name} & CPUS{0-1}`]
            : [`${f.name} ~ "*a*"`, `${f.name} != "x"`];
      for (const text of texts) {
        const r = parseFilter(text, ev, { nrCpuIds: 2 });
        assert.ok(r.ok && r.filter, `${name}: ${text}`);
        stats.preds++;
        for (const ctx of ['record', 'trace-frame'] as const) {
          const l = lowerFilter(r.filter, ev, { ctx, nrCpuIds: 2 });
          if (l.ok) stats.lowered++;
          else {
            stats.diagnosed++;
            assert.match(
              l.diagnostics[0]!.message,
              /pointer string .* size|char array .* size/,
              `${name}: ${text}`,
            );
          }
        }
      }
    }
  }
  assert.ok(stats.events > 2000 && stats.lowered > 0, JSON.stringify(stats));
  console.log(`bundled sweep: ${JSON.stringify(stats)}`);
});
