// The generated Wireshark dissector against tfc's own decode, with Debian's tshark: captures of trace frames built
// from random records (fast-check) of six events, every fifth one laid out big-endian (flag bit 0 clear) — every integer size and signedness, pointers, char[N] with bytes
// after the NUL, __data_loc and __rel_loc strings (empty ones too), fixed and dynamic arrays, a cpumask — are read
// by tshark with the dissector (-T json); every field tshark decodes must equal tfc's decode of the same frame and
// tfc's decode must give back the generated values; random display filters must select exactly the frames that
// tfc's reference interpreter (the kernel filter language on the record) selects. Skips, with the reason, when
// tshark is not installed (scripts/ensure-tools.sh installs it as root on Debian).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  bundledEvent,
  bundledEventNames,
  decodeTraceFrame,
  type EventFormat,
  encodeTraceFrame,
  evaluate,
  parseFilter,
  recordFromJson,
} from '@tfc/tracefs';
import fc from 'fast-check';
import { decodeRecord, type FieldValue, formatValue, generateDissector, writePcapng } from '../src/index.ts';
import { proofEvents, recordArb, toBigEndian } from './records.ts';

const SEED = Number(process.env.TFC_FUZZ_SEED ?? 20261206);
const PER_EVENT = 40;
const FILTERS_PER_EVENT = 8;

function tsharkMissing(): string | undefined {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    return 'tshark is not installed (scripts/ensure-tools.sh installs it as root: apt-get install tshark)';
  return undefined;
}

interface Frame {
  readonly event: EventFormat;
  readonly json: Record<string, unknown>;
  readonly data: Uint8Array;
  /** The record in little-endian order, as the reference interpreter (an x86 kernel's) reads it. */
  readonly record: Uint8Array;
}

function buildFrames(events: readonly EventFormat[]): Frame[] {
  const frames: Frame[] = [];
  events.forEach((event, k) => {
    const samples = fc.sample(
      fc.tuple(
        recordArb(event),
        fc.nat(255),
        fc.stringMatching(/^[a-z0-9_-]{0,15}$/),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.boolean(),
      ),
      { numRuns: PER_EVENT, seed: SEED + k },
    );
    samples.forEach(([json, cpu, comm, ts, lost], i) => {
      const r = recordFromJson(event, json);
      if (!r.ok) throw new Error(`${event.name}: ${r.error} for ${JSON.stringify(json)}`);
      // Every fifth record as a big-endian host would lay it out (header flag bit 0 clear).
      const be = i % 5 === 4;
      const data = encodeTraceFrame(be ? toBigEndian(event, r.record) : r.record, {
        eventId: event.id,
        cpu,
        comm,
        timestampNs: ts,
        sequence: i,
        lost,
        littleEndian: !be,
      });
      frames.push({ event, json, data, record: r.record });
    });
  });
  // Interleave the events, deterministically.
  return frames
    .map((f, i) => ({ f, key: (i * 7919) % frames.length }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.f);
}

/** Every tfc.* field of one packet's JSON tree: name → values in tree order. */
function tsharkFields(layer: unknown, out = new Map<string, string[]>()): Map<string, string[]> {
  if (typeof layer !== 'object' || layer === null) return out;
  for (const [k, v] of Object.entries(layer as Record<string, unknown>)) {
    if (k.endsWith('_tree')) {
      for (const sub of Array.isArray(v) ? v : [v]) tsharkFields(sub, out);
      continue;
    }
    if (!k.startsWith('tfc.')) continue;
    const vals = (Array.isArray(v) ? v : [v]).map(String);
    out.set(k, [...(out.get(k) ?? []), ...vals]);
  }
  return out;
}

function same(tfc: FieldValue, shown: string, hex: boolean): boolean {
  if (typeof tfc === 'bigint')
    return /^-?(0x)?[0-9a-f]+$/i.test(shown) && BigInt(shown) === tfc && (!hex || shown.startsWith('0x'));
  if (typeof tfc === 'string') return tfc === shown;
  return formatValue({ kind: 'bytes', placement: 'fixed', size: tfc.length }, tfc) === shown;
}

test('tshark with the generated dissector decodes every field as tfc does, and display filters select as tfc does', (t) => {
  const missing = tsharkMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), `tfc-tshark-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const events = proofEvents();
  const g = generateDissector(events);
  assert.ok(g.ok, g.ok ? '' : g.error);
  const lua = join(dir, 'tfc_trace.lua');
  writeFileSync(lua, g.text);
  const frames = buildFrames(events);
  const pcap = join(dir, 'frames.pcapng');
  writeFileSync(
    pcap,
    writePcapng(
      frames.map((f, i) => ({ ts: BigInt(i) * 1000n, len: f.data.length, data: f.data })),
      { linkType: 1, precision: 'nsec' },
    ),
  );
  const tshark = (args: string[]) => {
    const r = spawnSync('tshark', ['-X', `lua_script:${lua}`, '-r', pcap, ...args], {
      encoding: 'utf8',
      cwd: dir,
      maxBuffer: 1 << 28,
    });
    assert.equal(r.status, 0, `tshark ${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /Lua: Error|error/i, r.stderr);
    return r.stdout;
  };
  const packets = JSON.parse(tshark(['-T', 'json', '--no-duplicate-keys'])) as {
    _source: { layers: { tfc?: unknown } };
  }[];
  assert.equal(packets.length, frames.length);
  let compared = 0;
  const disagreements: string[] = [];
  packets.forEach((p, i) => {
    const frame = frames[i] as Frame;
    const shown = tsharkFields(p._source.layers.tfc);
    const h = decodeTraceFrame(frame.data);
    assert.ok(h.ok);
    const names = g.names.get(frame.event.id) as ReadonlyMap<string, string>;
    const want = new Map<string, { values: string[] | FieldValue[]; hex: boolean }>();
    const hdr: Record<string, string | number | bigint> = {
      'tfc.hdr.version': 1,
      'tfc.hdr.flags': `0x${((h.littleEndian ? 1 : 0) | (h.lost ? 2 : 0)).toString(16).padStart(2, '0')}`,
      'tfc.hdr.flags.little_endian': h.littleEndian ? 1 : 0,
      'tfc.hdr.flags.lost': h.lost ? 1 : 0,
      'tfc.hdr.header_length': 40,
      'tfc.hdr.event_id': h.eventId,
      'tfc.hdr.cpu': h.cpu,
      'tfc.hdr.timestamp': h.timestampNs,
      'tfc.hdr.record_length': h.record.length,
      'tfc.hdr.sequence': h.sequence,
      'tfc.hdr.comm': Buffer.from(
        h.comm.subarray(0, h.comm.indexOf(0) < 0 ? 16 : h.comm.indexOf(0)),
      ).toString(),
      'tfc.event': `${frame.event.system}:${frame.event.name}`,
      'tfc.record': [...h.record].map((b) => b.toString(16).padStart(2, '0')).join(':'),
      [`tfc.${frame.event.system}.${frame.event.name}`]: '',
    };
    for (const [k, v] of Object.entries(hdr)) want.set(k, { values: [String(v)], hex: false });
    const d = decodeRecord(frame.event, h.record, h.littleEndian);
    assert.deepEqual(d.errors, []);
    for (const f of d.fields) {
      if (f.values.length === 0) continue;
      if (f.values.length === 1 && f.values[0] instanceof Uint8Array && f.values[0].length === 0) continue;
      want.set(names.get(f.field.name) as string, {
        values: [...f.values],
        hex: f.layout.kind === 'int' && f.layout.hex,
      });
      // tfc's decode gives back what was generated (integers and strings as JSON gave them).
      const j = frame.json[f.field.name];
      if (f.layout.kind === 'int' && f.field.kind !== 'ptr_string' && typeof j === 'string')
        assert.equal(f.values[0], BigInt(j), `${f.field.name}`);
      if (f.layout.kind === 'string' && typeof j === 'string') assert.equal(f.values[0], j);
    }
    for (const [name, w] of want) {
      const got = shown.get(name);
      compared += w.values.length;
      if (got === undefined || got.length !== w.values.length) {
        disagreements.push(`frame ${i + 1} ${name}: tfc ${w.values.map(String)} tshark ${got}`);
        continue;
      }
      w.values.forEach((v, k) => {
        const ok = same(v as FieldValue, got[k] as string, w.hex);
        if (!ok) disagreements.push(`frame ${i + 1} ${name}[${k}]: tfc ${String(v)} tshark ${got[k]}`);
      });
    }
    for (const name of shown.keys())
      if (!want.has(name)) disagreements.push(`frame ${i + 1}: tshark shows ${name}, tfc does not`);
  });
  assert.deepEqual(disagreements.slice(0, 20), [], `${disagreements.length} disagreements`);

  // The --all script (the whole bundled snapshot, plus the synthetic event) decodes the capture identically.
  const allEvents = [
    ...bundledEventNames().map((n) => bundledEvent(...(n.split('/') as [string, string])) as EventFormat),
    events.at(-1) as EventFormat,
  ];
  const gAll = generateDissector(allEvents);
  assert.ok(gAll.ok);
  const luaAll = join(dir, 'tfc_trace_all.lua');
  writeFileSync(luaAll, gAll.text);
  const rAll = spawnSync(
    'tshark',
    ['-X', `lua_script:${luaAll}`, '-r', pcap, '-T', 'json', '--no-duplicate-keys'],
    {
      encoding: 'utf8',
      cwd: dir,
      maxBuffer: 1 << 28,
    },
  );
  assert.equal(rAll.status, 0, rAll.stderr);
  const packetsAll = JSON.parse(rAll.stdout) as { _source: { layers: { tfc?: unknown } } }[];
  assert.deepEqual(
    packetsAll.map((p) => p._source.layers.tfc),
    packets.map((p) => p._source.layers.tfc),
  );

  // Display filters: the kernel filter language (tfc's reference interpreter) against tshark's -Y.
  let filters = 0;
  let selected = 0;
  events.forEach((event, k) => {
    const mine = frames.map((f, i) => ({ f, i })).filter((x) => x.f.event === event);
    const preds = filterablePredicates(
      event,
      mine.map((x) => x.f.json),
    );
    const cases = fc.sample(filterArb(preds), { numRuns: FILTERS_PER_EVENT, seed: SEED + 100 + k });
    for (const c of cases) {
      const parsed = parseFilter(c.kernel, event, { nrCpuIds: 8 });
      assert.ok(parsed.ok, `${c.kernel}: ${parsed.ok ? '' : parsed.error.message}`);
      const want = frames
        .map((f, i) => ({ f, i }))
        .filter(({ f }) => {
          if (f.event !== event) return false;
          const h = decodeTraceFrame(f.data);
          return h.ok && evaluate(parsed.filter, f.record, { cpu: h.cpu, comm: h.comm });
        })
        .map(({ i }) => i + 1);
      const display: string = `tfc.${event.system}.${event.name} && (${c.display(g.names.get(event.id) as ReadonlyMap<string, string>)})`;
      const got: number[] = tshark(['-Y', display, '-T', 'fields', '-e', 'frame.number'])
        .split('\n')
        .filter((l) => l !== '')
        .map(Number);
      assert.deepEqual(got, want, `kernel filter '${c.kernel}' vs display filter '${display}'`);
      filters++;
      selected += want.length;
    }
  });
  t.diagnostic(
    `${frames.length} frames of ${events.length} events (${frames.filter((f) => (f.data[15]! & 1) === 0).length} big-endian), ${compared} field values compared, 0 disagreements; ${filters} display filters (${selected} frames selected) agree with tfc's interpreter`,
  );
});

interface Pred {
  readonly field: string;
  readonly int: boolean;
  /** The most negative value of a signed integer field (Wireshark 4.0 cannot parse it as a literal). */
  readonly min?: bigint;
  readonly values: readonly string[];
}

function filterablePredicates(event: EventFormat, jsons: readonly Record<string, unknown>[]): Pred[] {
  const out: Pred[] = [];
  for (const f of event.fields) {
    if (f.name === 'common_type') continue;
    const vals = jsons.map((j) => j[f.name]);
    if (f.kind === 'static_string' || f.kind === 'dyn_string' || f.kind === 'rdyn_string') {
      out.push({ field: f.name, int: false, values: vals.filter((v): v is string => typeof v === 'string') });
    } else if (
      f.kind === 'other' &&
      !f.type.includes('[') &&
      !f.type.includes('*') &&
      [1, 2, 4, 8].includes(f.size)
    ) {
      out.push({
        field: f.name,
        int: true,
        values: vals.filter((v): v is string => typeof v === 'string'),
        ...(f.signed ? { min: -(1n << BigInt(f.size * 8 - 1)) } : {}),
      });
    }
  }
  return out.filter((p) => p.values.length > 0);
}

/**
 * One comparison as a display filter. Wireshark 4.0 reads `-2147483648` as minus 2147483648, "too big for this
 * field": a comparison with the most negative value is rewritten with min+1 (docs/wireshark.md says so).
 */
function displayLeaf(name: string, op: string, lit: string, min: bigint | undefined): string {
  if (min === undefined || BigInt(lit) !== min) return `${name} ${op} ${lit}`;
  const m1 = min + 1n;
  switch (op) {
    case '==':
    case '<=':
      return `${name} < ${m1}`;
    case '!=':
    case '>':
      return `${name} >= ${m1}`;
    case '<':
      return `(${name} < ${m1} && ${name} > ${m1})`;
    default:
      return `(${name} < ${m1} || ${name} >= ${m1})`;
  }
}

interface FilterCase {
  readonly kernel: string;
  readonly display: (names: ReadonlyMap<string, string>) => string;
}

function filterArb(preds: readonly Pred[]): fc.Arbitrary<FilterCase> {
  const leaf: fc.Arbitrary<FilterCase> = fc
    .tuple(fc.constantFrom(...preds), fc.nat(), fc.constantFrom('==', '!=', '<', '<=', '>', '>='))
    .map(([p, n, op]) => {
      const v = p.values[n % p.values.length] as string;
      const o = p.int ? op : op === '==' || op === '<' || op === '<=' ? '==' : '!=';
      const lit = p.int ? v : `"${v}"`;
      return {
        kernel: `${p.field} ${o} ${lit}`,
        display: (names) => displayLeaf(names.get(p.field) as string, o, lit, p.min),
      };
    });
  return fc.letrec<{ f: FilterCase }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('f'), tie('f'), fc.constantFrom('&&', '||')).map(([a, b, op]) => ({
        kernel: `(${a.kernel}) ${op} (${b.kernel})`,
        display: (names: ReadonlyMap<string, string>) => `(${a.display(names)}) ${op} (${b.display(names)})`,
      })),
    ),
  })).f;
}

test('char[N] bytes that are not UTF-8: tshark shows what tfc decodes (U+FFFD per bad sequence)', (t) => {
  const missing = tsharkMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), `tfc-tshark-utf8-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const event = proofEvents().at(-1) as EventFormat;
  const g = generateDissector([event]);
  assert.ok(g.ok);
  const lua = join(dir, 'tfc_trace.lua');
  writeFileSync(lua, g.text);
  // Lead bytes, continuation bytes, the bytes that are never valid, ASCII: every way a sequence can go wrong.
  const byte = fc.oneof(
    fc.integer({ min: 0x80, max: 0xbf }),
    fc.integer({ min: 0xc0, max: 0xff }),
    fc.constantFrom(0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4),
    fc.integer({ min: 0x20, max: 0x7e }),
  );
  const strings = fc.sample(fc.array(byte, { maxLength: 12 }), { numRuns: 400, seed: SEED + 7 });
  const frames = strings.map((bytes) => {
    const r = recordFromJson(event, { a_str: bytes });
    assert.ok(r.ok);
    return encodeTraceFrame(r.record, { eventId: event.id, cpu: 0, comm: 'utf8' });
  });
  const pcap = join(dir, 'utf8.pcapng');
  writeFileSync(
    pcap,
    writePcapng(
      frames.map((data, i) => ({ ts: BigInt(i), len: data.length, data })),
      { linkType: 1, precision: 'nsec' },
    ),
  );
  const r = spawnSync(
    'tshark',
    ['-X', `lua_script:${lua}`, '-r', pcap, '-T', 'json', '--no-duplicate-keys'],
    {
      encoding: 'utf8',
      cwd: dir,
      maxBuffer: 1 << 26,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const packets = JSON.parse(r.stdout) as { _source: { layers: { tfc?: unknown } } }[];
  const name = g.names.get(event.id)?.get('a_str') as string;
  const bad: string[] = [];
  packets.forEach((p, i) => {
    const shown = tsharkFields(p._source.layers.tfc).get(name)?.[0];
    const h = decodeTraceFrame(frames[i] as Uint8Array);
    assert.ok(h.ok);
    const want = decodeRecord(event, h.record).fields.find((f) => f.field.name === 'a_str')?.values[0];
    if (shown !== want)
      bad.push(
        `${Buffer.from(strings[i] as number[]).toString('hex')}: tfc ${JSON.stringify(want)} tshark ${JSON.stringify(shown)}`,
      );
  });
  assert.deepEqual(bad.slice(0, 10), [], `${bad.length} of ${packets.length} differ`);
  t.diagnostic(`${packets.length} char[12] values of arbitrary bytes agree`);
});
