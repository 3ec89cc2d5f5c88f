// Property: lowering preserves meaning. For random filters over several real event formats (integer
// fields of every size and signedness, char[N], __data_loc and __rel_loc strings, pointer strings,
// numeric __data_loc, a cpumask, generic cpu/comm/stacktrace, .function) and random records (short
// ones too), CPUs, comms and pointee memory, the reference interpreter evaluate(filter, record, ctx)
// equals the IR evaluator on lowerFilter(...), before and after runPasses:
//   - ctx 'record' (commonFields 'record'), and 'pseudo' with pid/type supplied by the context;
//   - ctx 'trace-frame' with the record in a frame built per trace-over-ethernet.md, zero-padded so
//     every read stays inside the frame (exact), and unpadded / cut short (a frame shorter than its
//     header + record rejects; otherwise the IR either aborts on a read past the end or agrees).
// String locators of length 0 (the kernel's failed fetch: strcmp/strncmp/strstr from the data offset,
// end never, glob ""), pointing just past their own data or anywhere, and short records whose locator
// reads as 0 are compared like every other record (counted as zeroLen).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  evaluateOutcome,
  type Filter as IrFilter,
  evaluate as irEvaluate,
  type MemoryRegion,
  runPasses,
} from '@tfc/ir';
import fc from 'fast-check';
import {
  bundledEvent,
  bundledEventNames,
  type EvalContext,
  type EventFormat,
  evaluate,
  type Filter,
  type FilterEnv,
  type FormatField,
  lowerFilter,
  parseFilter,
  parseFormat,
} from '../src/index.ts';
import { fixtureEvent } from './corpus-helpers.ts';

const RUNS_PER_EVENT = Number(process.env.TFC_LOWER_RUNS ?? 2600);
// (TFC_LOWER_EVENTS below adds random bundled events.)

function bundled(system: string, name: string): EventFormat {
  const ev = bundledEvent(system, name);
  if (!ev) throw new Error(`bundled event ${system}/${name} missing`);
  return ev;
}

// No bundled event has a __rel_loc field; this is the layout the kernel prints for `__rel_loc char[]`
// (kernel samples/trace_events, TP_STRUCT__entry(__rel_string(...))).
const REL_FORMAT = `name: foo_rel_loc
ID: 1999
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:__rel_loc char[] foo;\toffset:8;\tsize:4;\tsigned:0;
\tfield:__rel_loc char[] bar;\toffset:12;\tsize:4;\tsigned:0;
\tfield:int cpu;\toffset:16;\tsize:4;\tsigned:1;

print fmt: "foo=%s bar=%s", __get_rel_str(foo), __get_rel_str(bar)
`;

function relEvent(): EventFormat {
  const r = parseFormat(REL_FORMAT, { system: 'sample', name: 'foo_rel_loc' });
  if (!r.ok) throw new Error('rel format');
  return r.event;
}

/** TFC_LOWER_EVENTS=N adds N bundled events drawn at random (the seed is printed; TFC_LOWER_EVENTS_SEED
 *  repeats a draw), to look beyond the fixed list. */
function extraEvents(): EventFormat[] {
  const n = Number(process.env.TFC_LOWER_EVENTS ?? 0);
  if (!(n > 0)) return [];
  const seed = Number(process.env.TFC_LOWER_EVENTS_SEED ?? Math.floor(Math.random() * 0x7fffffff));
  const names = fc.sample(fc.shuffledSubarray([...bundledEventNames()], { minLength: n, maxLength: n }), {
    numRuns: 1,
    seed,
  })[0]!;
  console.log(`extra events (TFC_LOWER_EVENTS_SEED=${seed}): ${names.join(' ')}`);
  return names.map((name) => {
    const [system, event] = name.split('/') as [string, string];
    return bundled(system, event);
  });
}

const EVENTS: readonly EventFormat[] = [
  ...extraEvents(),
  bundled('sock', 'inet_sock_set_state'),
  bundled('sched', 'sched_switch'),
  bundled('syscalls', 'sys_enter_openat'),
  bundled('sched', 'sched_process_exec'),
  bundled('dma', 'dma_map_sg'),
  fixtureEvent('ipi_ipi_send_cpumask.format', 'ipi', 'ipi_send_cpumask'),
  fixtureEvent('fspecr_pv.format', 'fspecr', 'pv'),
  relEvent(),
];

const SYMBOLS: ReadonlyMap<string, { start: bigint; size: bigint }> = new Map([
  ['vfs_read', { start: 0xffffffff81400000n, size: 0x100n }],
  ['do_sys_openat2', { start: 0xffffffff81400100n, size: 0x80n }],
]);

function lookupSymbol(q: string | bigint): { start: bigint; size: bigint } | undefined {
  if (typeof q === 'string') return SYMBOLS.get(q);
  for (const s of SYMBOLS.values()) if (q >= s.start && q < s.start + s.size) return s;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Values shared by literals and records so that predicates hit their boundaries.

const TWO64 = 1n << 64n;
const POOL: readonly bigint[] = [
  0n,
  1n,
  2n,
  3n,
  0x7fn,
  0x80n,
  0xffn,
  0x100n,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x100000001n,
  1n << 63n,
  TWO64 - 1n,
  0xffffffff81400000n,
  0xffffffff81400080n,
  0xffffffff814000ffn,
  0xffffffff81400100n,
];
const poolValue = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...POOL) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 300n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: TWO64 - 1n }) },
);

const CHARS = ['a', 'b', 'c', 'x', '1'];
const wordArb = fc.array(fc.constantFrom(...CHARS), { maxLength: 6 }).map((a) => a.join(''));
const longWordArb = fc
  .array(fc.constantFrom(...CHARS), { minLength: 10, maxLength: 20 })
  .map((a) => a.join(''));
const stringValue = fc.oneof({ weight: 4, arbitrary: wordArb }, { weight: 1, arbitrary: longWordArb });

const patternArb = fc.oneof(
  wordArb,
  wordArb.map((w) => `${w}*`),
  wordArb.map((w) => `*${w}`),
  wordArb.map((w) => `*${w}*`),
  fc.tuple(wordArb, wordArb).map(([a, b]) => `${a}?${b}`),
  fc.tuple(wordArb, wordArb).map(([a, b]) => `${a}*${b}`),
  fc.tuple(wordArb, fc.constantFrom('[a-c]', '[!x]', '[]a]', '[c-a]', '[ab')).map(([a, c]) => `${a}${c}`),
  wordArb.map((w) => `!${w}`),
  wordArb.map((w) => `!*${w}*`),
  fc.constantFrom('', '*', '**', '***', '!', '!*', '1*', 'a\\*', 'abcdefghijklmnopq*'),
);

// ---------------------------------------------------------------------------------------------------
// Filters.

type FieldInfo = {
  readonly name: string;
  readonly kind: FormatField['kind'];
  readonly size: number;
  readonly signed: boolean;
};

function fieldsOf(ev: EventFormat): FieldInfo[] {
  const own = ev.fields.map((f) => ({ name: f.name, kind: f.kind, size: f.size, signed: f.signed }));
  const names = new Set(own.map((f) => f.name));
  const generic: FieldInfo[] = [
    { name: 'cpu', kind: 'cpu', size: 4, signed: true },
    { name: 'CPU', kind: 'cpu', size: 4, signed: true },
    { name: 'common_cpu', kind: 'cpu', size: 4, signed: true },
    { name: 'comm', kind: 'comm', size: 16, signed: false },
    { name: 'COMM', kind: 'comm', size: 16, signed: false },
    { name: 'stacktrace', kind: 'stacktrace', size: 0, signed: false },
  ];
  return [...own, ...generic.filter((g) => !names.has(g.name))];
}

const NUM_OPS = ['==', '!=', '<', '<=', '>', '>=', '&'] as const;
const CPULISTS = ['0', '1', '0-1', '0,2', '1-3', '', ',', 'N', 'all', '3', '8-11', '0,9', '11'];

function literal(v: bigint, signed: boolean, style: number): string {
  const neg = signed && v >= 1n << 63n && style % 2 === 0;
  if (neg) return (v - TWO64).toString();
  return style === 1 ? `0x${v.toString(16)}` : v.toString();
}

function leafArb(f: FieldInfo): fc.Arbitrary<string> {
  switch (f.kind) {
    case 'static_string':
    case 'dyn_string':
    case 'rdyn_string':
    case 'ptr_string':
    case 'comm':
      return fc
        .tuple(fc.constantFrom('==', '!=', '~', '~'), patternArb, fc.boolean())
        .map(
          ([op, pat, u]) =>
            `${f.name}${f.kind === 'ptr_string' && u ? '.ustring' : ''} ${op} "${pat.replaceAll('"', '')}"`,
        );
    case 'stacktrace':
      return fc.constantFrom('==', '!=', '>', '&').map((op) => `${f.name} ${op} 0`);
    default: {
      const num = fc
        .tuple(
          fc.constantFrom(...NUM_OPS),
          poolValue,
          fc.integer({ min: 0, max: 2 }),
          fc.bigInt({ min: -1n, max: 1n }),
        )
        .map(([op, v, style, d]) => `${f.name} ${op} ${literal((v + d + TWO64) % TWO64, f.signed, style)}`);
      const cpus = fc
        .tuple(fc.constantFrom('==', '!=', '&'), fc.constantFrom(...CPULISTS))
        .map(([op, l]) => `${f.name} ${op} CPUS{${l}}`);
      const arbs: fc.Arbitrary<string>[] = [num, cpus];
      if (f.kind === 'cpumask') arbs.push(cpus);
      if (f.kind === 'other' && f.size === 8) {
        arbs.push(
          fc
            .tuple(
              fc.constantFrom('==', '!='),
              fc.constantFrom('vfs_read', 'do_sys_openat2', '0xffffffff81400010', 'nope'),
            )
            .map(([op, s]) => `${f.name}.function ${op} ${s}`),
        );
      }
      return fc.oneof(...arbs);
    }
  }
}

type Tree = { p: string } | { op: '&&' | '||'; l: Tree; r: Tree } | { not: Tree };

function treeArb(leaf: fc.Arbitrary<string>): fc.Arbitrary<Tree> {
  return fc.letrec<{ t: Tree }>((tie) => ({
    t: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf.map((p) => ({ p })),
      fc.record({ op: fc.constantFrom('&&' as const, '||' as const), l: tie('t'), r: tie('t') }),
      fc.record({ not: tie('t') }),
    ),
  })).t;
}

function render(t: Tree): string {
  if ('p' in t) return t.p;
  if ('not' in t) return `!(${render(t.not)})`;
  return `(${render(t.l)} ${t.op} ${render(t.r)})`;
}

// ---------------------------------------------------------------------------------------------------
// Records, memory, frames.

const KERNEL_BASE = 0xffff888000100000n;
const USER_BASE = 0x00007f0000200000n;

interface World {
  readonly record: Uint8Array;
  readonly cpu: number;
  readonly comm: Uint8Array;
  readonly memory: readonly MemoryRegion[];
}

function putLe(buf: Uint8Array, off: number, size: number, v: bigint): void {
  for (let i = 0; i < size && off + i < buf.length; i++) buf[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

interface FieldChoice {
  readonly value: bigint;
  readonly text: string;
  /** 0: well-formed; 1: odd length; 2: wild locator word / pointer; locators of length 0: 3 a failed
   *  fetch (no bytes stored), 4 over the string's own bytes, 5 anywhere in the record. */
  readonly mode: number;
  readonly junk: number;
}

const choiceArb: fc.Arbitrary<FieldChoice> = fc.record({
  value: poolValue,
  text: stringValue,
  mode: fc.constantFrom(0, 0, 0, 0, 0, 1, 2, 3, 4, 5),
  junk: fc.integer({ min: 0, max: 255 }),
});

const worldArb = (ev: EventFormat): fc.Arbitrary<World> =>
  fc
    .record({
      choices: fc.array(choiceArb, { minLength: ev.fields.length, maxLength: ev.fields.length }),
      cut: fc.oneof(
        { weight: 5, arbitrary: fc.constant(-1) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 120 }) },
      ),
      cpu: fc.constantFrom(0, 1, 2, 3, 9, 11, 12, 65535),
      comm: fc.oneof(stringValue, fc.constant('abcdefghijklmnop')),
      kstr: stringValue,
      ustr: stringValue,
      mask: fc.uint8Array({ minLength: 2, maxLength: 2 }),
    })
    .map(({ choices, cut, cpu, comm, kstr, ustr, mask }) => {
      const fixed = Math.max(...ev.fields.map((f) => f.offset + f.size));
      const bytes: number[] = new Array<number>(fixed).fill(0);
      const rec = (): Uint8Array => Uint8Array.from(bytes);
      ev.fields.forEach((f, i) => {
        const c = choices[i]!;
        const tmp = new Uint8Array(8);
        const put = (size: number, v: bigint): void => {
          putLe(tmp, 0, size, v);
          for (let k = 0; k < size; k++) bytes[f.offset + k] = tmp[k]!;
        };
        const append = (data: number[], relTo: number): bigint => {
          const start = bytes.length;
          bytes.push(...data);
          // Length 0: the kernel's failed fetch (nothing stored; the next dynamic field's bytes land at
          // the offset), over the string's own bytes, or anywhere in (or just past) the record.
          if (c.mode === 3) {
            bytes.length = start;
            return BigInt((start - relTo) & 0xffff);
          }
          if (c.mode === 4) return BigInt((start - relTo) & 0xffff);
          if (c.mode === 5) return BigInt((c.junk % (start + data.length + 4)) - relTo) & 0xffffn;
          const len = c.mode === 1 ? 1 + (c.junk % (data.length + 2)) : data.length;
          const off = c.mode === 2 ? c.junk * 3 : start - relTo;
          return (BigInt(Math.max(len, 1)) << 16n) | BigInt(off & 0xffff);
        };
        switch (f.kind) {
          case 'static_string': {
            const t = ascii(c.text);
            for (let k = 0; k < f.size; k++)
              bytes[f.offset + k] =
                k < t.length ? t[k]! : k === t.length ? 0 : c.mode === 2 ? ascii('xb1')[k % 3]! : 0;
            break;
          }
          case 'dyn_string':
            put(4, append([...ascii(c.text), 0], 0));
            break;
          case 'rdyn_string':
            put(4, append([...ascii(c.text), 0], f.offset + 4));
            break;
          case 'cpumask': {
            const start = bytes.length;
            bytes.push(mask[0]!, mask[1]!);
            put(4, c.mode === 2 ? c.value : (2n << 16n) | BigInt(start));
            break;
          }
          case 'ptr_string': {
            const ptrs = [
              0n,
              KERNEL_BASE,
              KERNEL_BASE + 2n,
              USER_BASE,
              USER_BASE + 1n,
              KERNEL_BASE + 0x10000n,
              c.value,
            ];
            put(8, ptrs[c.junk % ptrs.length]!);
            break;
          }
          default:
            if (f.size === 1 || f.size === 2 || f.size === 4 || f.size === 8) put(f.size, c.value);
            else for (let k = 0; k < f.size; k++) bytes[f.offset + k] = (c.junk + k * 7) & 0xff;
        }
      });
      const full = rec();
      const record = cut < 0 ? full : full.subarray(0, Math.min(cut, full.length));
      const commBytes = new Uint8Array(16);
      commBytes.set(ascii(comm).slice(0, 16));
      const memory: MemoryRegion[] = [
        { space: 'kernel', address: KERNEL_BASE, bytes: Uint8Array.from([...ascii(kstr), 0]) },
        // A string that runs off the end of its mapping: the copy faults.
        { space: 'kernel', address: KERNEL_BASE + 0x10000n, bytes: Uint8Array.from(ascii(`${kstr}abc`)) },
        { space: 'user', address: USER_BASE, bytes: Uint8Array.from([...ascii(ustr), 0]) },
      ];
      return { record, cpu, comm: commBytes, memory };
    });

/** strncpy_from_*_nofault over the world's memory (what the IR evaluator models). */
function readString(memory: readonly MemoryRegion[]) {
  return (address: bigint, user: boolean): Uint8Array | null => {
    const space = user ? 'user' : 'kernel';
    const out: number[] = [];
    for (let a = address; out.length < 1023; a++) {
      const r = memory.find(
        (m) => m.space === space && a >= m.address && a < m.address + BigInt(m.bytes.length),
      );
      if (!r) return null;
      const b = r.bytes[Number(a - r.address)]!;
      if (b === 0) break;
      out.push(b);
    }
    return Uint8Array.from(out);
  };
}

function refCtx(w: World): EvalContext {
  return { cpu: w.cpu, comm: w.comm, readString: readString(w.memory) };
}

/** A trace frame (trace-over-ethernet.md) carrying `record`, followed by `pad` zero bytes. */
export function buildFrame(ev: EventFormat, w: World, pad: number): Uint8Array {
  const f = new Uint8Array(Math.max(60, 54 + w.record.length + pad));
  f.set([2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0x88, 0xb5, 1, 1, 0, 40], 0);
  const dv = new DataView(f.buffer);
  dv.setUint16(18, ev.id);
  dv.setUint16(20, w.cpu);
  dv.setBigUint64(22, 123456789n);
  dv.setUint32(30, w.record.length);
  dv.setUint32(34, 7);
  f.set(w.comm, 38);
  f.set(w.record, 54);
  return f;
}

// Far enough that no generated read (locators ≤ 0xffff + 0xffff, rel offsets, cpumask bytes) leaves the frame.
const FULL_PAD = 0x20000 + 256;

function irInput(w: World) {
  return { record: w.record, cpu: w.cpu, comm: w.comm, memory: w.memory };
}

interface Lowered {
  readonly raw: IrFilter;
  readonly opt: IrFilter;
}

function lowerBoth(
  filter: Filter,
  ev: EventFormat,
  opts: Parameters<typeof lowerFilter>[2],
): Lowered | string {
  const r = lowerFilter(filter, ev, opts);
  if (!r.ok) return r.diagnostics.map((d) => d.message).join('; ');
  const o = runPasses(r.ir, { verifyEach: true });
  if (!o.ok) assert.fail(`runPasses failed: ${o.diagnostics.map((d) => d.message).join('; ')}`);
  return { raw: r.ir, opt: o.ok ? o.ir : r.ir };
}

/** Number of record loads at a constant offset inside the header (bytes 0–7). */
function headerLoads(node: unknown): number {
  if (typeof node !== 'object' || node === null) return 0;
  const o = node as Record<string, unknown>;
  let n = o.kind === 'load' && o.base === 'record' && typeof o.offset === 'number' && o.offset < 8 ? 1 : 0;
  for (const v of Object.values(o)) {
    if (Array.isArray(v)) for (const x of v) n += headerLoads(x);
    else if (typeof v === 'object') n += headerLoads(v);
  }
  return n;
}

/** Offsets of the __data_loc/__rel_loc string fields a filter matches. */
function stringLocOffsets(filter: Filter): number[] {
  const out: number[] = [];
  for (const p of filter.preds)
    if (p.type === 'string' && (p.field.kind === 'dyn_string' || p.field.kind === 'rdyn_string'))
      out.push(p.field.offset);
  return out;
}

/** True when one of those locators (zero-extended past a short record) has length 0. */
function zeroLength(record: Uint8Array, offsets: readonly number[]): boolean {
  return offsets.some((o) => (record[o + 2] ?? 0) === 0 && (record[o + 3] ?? 0) === 0);
}

const counts = { zeroLen: 0, runs: 0, frames: 0, cut: 0, cutAbort: 0, pseudo: 0, accepted: 0 };

for (const ev of EVENTS) {
  test(`lowerFilter ≡ evaluate on ${ev.system}/${ev.name} (record, pseudo, trace-frame)`, () => {
    const fields = fieldsOf(ev);
    const leaf = fc.constantFrom(...fields).chain(leafArb);
    const filterArb = fc
      .tuple(treeArb(leaf), fc.constantFrom<number>(1, 2, 4, 12))
      .map(([t, nr]) => {
        const env: FilterEnv = { nrCpuIds: nr, lookupSymbol };
        const r = parseFilter(render(t), ev, env);
        return { text: render(t), nr, filter: r.ok ? r.filter : undefined };
      })
      .filter(
        (x): x is { text: string; nr: number; filter: Filter } => x.filter !== undefined && x.filter !== null,
      );
    fc.assert(
      fc.property(
        filterArb,
        fc.array(worldArb(ev), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 200 }),
        ({ text, nr, filter }, worlds, cutAt) => {
          counts.runs++;
          const rec = lowerBoth(filter, ev, { ctx: 'record', nrCpuIds: nr });
          assert.ok(typeof rec !== 'string', `${text}: ${rec}`);
          const frame = lowerBoth(filter, ev, { ctx: 'trace-frame', nrCpuIds: nr });
          assert.ok(typeof frame !== 'string', `${text}: ${frame}`);
          const pseudo = lowerBoth(filter, ev, { ctx: 'record', nrCpuIds: nr, commonFields: 'pseudo' });
          if (typeof pseudo !== 'string') {
            assert.equal(headerLoads(pseudo.raw), 0, `pseudo lowering reads record bytes 0-7: ${text}`);
          } else {
            assert.match(text, /common_flags|common_preempt_count/, pseudo);
            assert.match(pseudo, /not available to tracepoint programs/);
          }
          const locs = stringLocOffsets(filter);
          for (const w of worlds) {
            if (zeroLength(w.record, locs)) counts.zeroLen++;
            const want = evaluate(filter, w.record, refCtx(w)) ? 'accept' : 'reject';
            if (want === 'accept') counts.accepted++;
            const msg = `${text} record=${Buffer.from(w.record).toString('hex')} cpu=${w.cpu}`;
            assert.equal(irEvaluate(rec.raw, irInput(w)), want, `record raw: ${msg}`);
            assert.equal(irEvaluate(rec.opt, irInput(w)), want, `record opt: ${msg}`);

            if (typeof pseudo !== 'string') {
              counts.pseudo++;
              const r2 = new Uint8Array(Math.max(8, w.record.length));
              r2.set(w.record);
              new DataView(r2.buffer).setUint16(0, ev.id, true);
              const pid = new DataView(r2.buffer).getInt32(4, true);
              const w2 = { ...w, record: r2 };
              const want2 = evaluate(filter, r2, refCtx(w2)) ? 'accept' : 'reject';
              const in2 = { ...irInput(w2), pid };
              assert.equal(irEvaluate(pseudo.raw, in2), want2, `pseudo raw: ${msg}`);
              assert.equal(irEvaluate(pseudo.opt, in2), want2, `pseudo opt: ${msg}`);
            }

            if (w.cpu <= 0xffff) {
              counts.frames++;
              const padded = buildFrame(ev, w, FULL_PAD);
              assert.equal(
                irEvaluate(frame.raw, { ...irInput(w), packet: padded }),
                want,
                `frame raw: ${msg}`,
              );
              assert.equal(
                irEvaluate(frame.opt, { ...irInput(w), packet: padded }),
                want,
                `frame opt: ${msg}`,
              );
              const exact = buildFrame(ev, w, 0);
              const cut = cutAt >= exact.length ? exact : exact.subarray(0, cutAt);
              for (const ir of [frame.raw, frame.opt]) {
                const out = evaluateOutcome(ir, { ...irInput(w), packet: cut });
                if (cut.length < 54 + w.record.length) {
                  counts.cut++;
                  assert.notEqual(out, 'accept', `short frame accepted: ${msg} len=${cut.length}`);
                } else if (out === 'abort') counts.cutAbort++;
                else assert.equal(out, want, `unpadded frame: ${msg}`);
              }
            }
          }
        },
      ),
      { numRuns: RUNS_PER_EVENT, includeErrorInReport: true },
    );
  });
}

test('lowering property totals', () => {
  // Runs after the per-event properties (node:test runs top-level tests in order).
  assert.ok(counts.runs >= EVENTS.length * RUNS_PER_EVENT, JSON.stringify(counts));
  assert.ok(
    counts.accepted > 0 && counts.frames > 0 && counts.cut > 0 && counts.pseudo > 0 && counts.zeroLen > 0,
  );
  console.log(`lower properties: ${JSON.stringify(counts)}`);
});
