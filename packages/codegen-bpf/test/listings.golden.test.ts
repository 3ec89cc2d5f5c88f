// The listings of @tfc/codegen-bpf, byte for byte: a broad deterministic set of filters — the libpcap corpus and a
// fixed-seed sample of the pcap and trace-filter generators (recorded as IR JSON in golden/inputs.json.gz by
// golden/make-inputs.mjs), fixed-seed samples of the IR generators (@tfc/testkit/ir, packet-filters.ts) and the
// hand-written inputs of this package's tests — compiled to eBPF (tracepoint, socket, tc, xdp; through the classic
// program and without it; set maps), classic BPF (-O on and off) and the C form. Every listing, every map, a hash of
// every encoded program and every diagnostic of a rejected input is compared with golden/listings.txt.gz, recorded
// from the code before the one-lowering refactor (issue 14). TFC_GOLDEN_RECORD=1 rewrites the file (only when a
// change of output is intended and named).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  and,
  cmp,
  type Filter,
  filter,
  filterFromJson,
  inSet,
  konst,
  load,
  or,
  pseudo,
  type StrMatch,
  type StrSource,
  str,
} from '@tfc/ir';
import { filterArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { type CompileOptions, cForm, compileBpf, type RecordLayout } from '../src/index.ts';
import { packetPredArb } from './packet-filters.ts';
import { forFrame, forTracepoint } from './transform.ts';

type Kind = 'pcap' | 'trace-frame' | 'tracepoint';
interface Input {
  readonly name: string;
  readonly kind: Kind;
  readonly record?: RecordLayout;
  readonly ir: Filter;
}

const GOLDEN = new URL('./golden/listings.txt.gz', import.meta.url);

function recordedInputs(): Input[] {
  const raw = JSON.parse(
    gunzipSync(readFileSync(new URL('./golden/inputs.json.gz', import.meta.url))).toString(),
  ) as {
    name: string;
    kind: Kind;
    record?: RecordLayout;
    ir: string;
  }[];
  return raw.map((c) => {
    const f = filterFromJson(c.ir);
    if (!f.ok) throw new Error(`${c.name}: ${f.diagnostics[0]?.message}`);
    return { name: c.name, kind: c.kind, ...(c.record ? { record: c.record } : {}), ir: f.filter };
  });
}

const SOURCES: readonly (readonly [string, StrSource])[] = [
  ['comm', { kind: 'comm' }],
  ['fixed-rec', { kind: 'fixed', base: 'record', offset: 16, size: 8 }],
  ['fixed-frame', { kind: 'fixed', base: 'frame', offset: 16, size: 8 }],
  ['fixed-pkt', { kind: 'fixed', base: 'packet', offset: 20, size: 6 }],
  ['dataloc-rec', { kind: 'dataloc', base: 'record', offset: 8, order: 'le', rel: false }],
  ['relloc-rec', { kind: 'dataloc', base: 'record', offset: 8, order: 'le', rel: true }],
  ['dataloc-frame', { kind: 'dataloc', base: 'frame', offset: 8, order: 'le', rel: false }],
  ['ptr-kernel', { kind: 'ptr', base: 'record', offset: 16, order: 'le', space: 'kernel' }],
  ['ptr-user', { kind: 'ptr', base: 'record', offset: 16, order: 'le', space: 'user' }],
];
const PATTERNS: readonly (readonly [StrMatch, string])[] = [
  ['full', 'bash'],
  ['full', ''],
  ['front', 'ba'],
  ['middle', 'as'],
  ['end', 'sh'],
  ['end', ''],
  ['glob', 'b*[a-s]?h'],
  ['glob', '*a*b*'],
  ['glob', '[!x]*'],
];

/** The hand-written shapes of this package's tests: string sources × match kinds, sets (linear, binary search,
 *  64-bit), pseudo fields, common-header reads, computed offsets. */
function handInputs(): Input[] {
  const out: Input[] = [];
  for (const [sn, source] of SOURCES)
    for (const [match, pattern] of PATTERNS)
      for (const negate of [false, true]) {
        const f = filter(str(match, pattern, source, negate));
        const name = `hand str ${sn} ${match} '${pattern}'${negate ? ' !' : ''}`;
        out.push({ name, kind: 'tracepoint', record: { commonType: 300, event: 'tfc/test' }, ir: f });
        out.push({ name, kind: 'trace-frame', ir: f });
      }
  const rec = (o: number, w: 1 | 2 | 4 | 8, signed = false) => load('record', o, w, 'le', signed);
  const many = (n: number) => Array.from({ length: n }, (_, i) => BigInt(3 * i + 1));
  const exprs: [string, Filter][] = [
    ['pid', filter(cmp('eq', 4, false, rec(4, 4), konst(7n)))],
    ['pid signed', filter(cmp('lt', 4, true, rec(4, 4, true), konst(7n)))],
    ['common_type', filter(cmp('eq', 2, false, rec(0, 2), konst(300n)))],
    ['common_flags', filter(cmp('eq', 1, false, rec(2, 1), konst(1n)))],
    ['header bytes', filter(cmp('eq', 2, false, rec(5, 2), konst(1n)))],
    ['cpu', filter(cmp('eq', 4, true, pseudo('cpu'), konst(1n)))],
    ['unaligned', filter(cmp('eq', 4, false, rec(10, 4), konst(1n)))],
    ['be 8', filter(cmp('gt', 8, false, load('record', 16, 8, 'be'), konst(0x1_0000_0000n)))],
    ['signed 8', filter(cmp('lt', 8, true, rec(16, 8, true), konst(-5n)))],
    ['set 4', filter(inSet(4, rec(16, 4), many(4)))],
    ['set 20', filter(inSet(4, rec(16, 4), many(20)))],
    ['set 20 w2', filter(inSet(2, rec(16, 2), many(20)))],
    ['set 64-bit', filter(inSet(8, rec(16, 8), [...many(9), 0x1_0000_0001n, 0xffff_ffff_0000_0000n]))],
    [
      'and/or',
      filter(
        or(
          and(cmp('eq', 4, false, rec(16, 4), konst(1n)), cmp('ne', 2, false, rec(20, 2), konst(2n))),
          cmp('set', 1, false, rec(22, 1), konst(0x80n)),
        ),
      ),
    ],
  ];
  for (const [name, f] of exprs) {
    out.push({
      name: `hand ${name}`,
      kind: 'tracepoint',
      record: { commonType: 300, event: 'tfc/test' },
      ir: f,
    });
    out.push({ name: `hand ${name}`, kind: 'trace-frame', ir: forFrame(f) });
  }
  return out;
}

function generatedInputs(): Input[] {
  const out: Input[] = [];
  fc.sample(filterArb, { seed: 14, numRuns: 250 }).forEach((f, i) => {
    out.push({ name: `ir-gen ${i}`, kind: 'tracepoint', ir: forTracepoint(f) });
    out.push({ name: `ir-gen ${i}`, kind: 'trace-frame', ir: forFrame(f) });
  });
  fc.sample(packetPredArb, { seed: 3, numRuns: 250 }).forEach((p, i) => {
    out.push({ name: `packet-gen ${i}`, kind: 'pcap', ir: filter(p) });
  });
  return out;
}

const hash = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** Listings longer than this many characters are kept as their first lines and a hash of the whole (exact, and
 *  the golden file stays small: the unrolled `protochain` socket programs run to 1.5 MB each). */
const MAX_LISTING = 65536;
const listingOf = (text: string): string =>
  text.length <= MAX_LISTING
    ? text.trimEnd()
    : `${text.split('\n').slice(0, 100).join('\n')}\n... ${text.length} characters, sha256 ${hash(text)}`;

/** One compile, written out whole: listing, maps, bytes hash and C form, or the diagnostics. */
function render(ir: Filter, opts: CompileOptions, withC: boolean): string {
  const r = compileBpf(ir, opts);
  if (!r.ok) return listingOf(r.diagnostics.map((d) => `error ${d.code}: ${d.message}`).join('\n'));
  const p = r.program;
  const lines = [`bytes ${hash(p.bytes)} insns ${p.stats.instructions}`, listingOf(p.listing)];
  if (p.target === 'ebpf') {
    for (const m of p.maps)
      lines.push(
        `map ${m.name} ${m.type} ${m.keySize}/${m.valueSize}/${m.maxEntries} ${m.entries.map((e) => `${hash(e.key)}:${e.value.join(',')}`).join(' ')}`,
      );
    if (withC) {
      const c = cForm(p);
      lines.push(c.ok ? `--- C\n${listingOf(String(c.data))}` : `--- no C: ${c.message}`);
    }
  }
  return lines.join('\n');
}

function variants(input: Input): [string, CompileOptions, boolean][] {
  const O0 = { optimize: false, order: 'source', codePasses: false } as const;
  const rec = input.record ? { record: input.record } : {};
  if (input.kind === 'tracepoint') {
    const base = { target: 'ebpf', ctx: 'tracepoint', ...rec } as const;
    return [
      ['ebpf tracepoint', base, true],
      ['ebpf tracepoint -O0', { ...base, ...O0 }, false],
      ['ebpf tracepoint map', { ...base, setLookup: 'map' }, false],
    ];
  }
  const ctx = input.kind === 'pcap' ? 'packet' : 'trace-frame';
  const out: [string, CompileOptions, boolean][] = [
    ['cbpf', { target: 'cbpf', ctx, ...rec }, false],
    ['cbpf -O0', { target: 'cbpf', ctx, ...rec, ...O0 }, false],
  ];
  for (const progType of ['socket', 'tc', 'xdp'] as const) {
    out.push([`ebpf ${progType}`, { target: 'ebpf', ctx, progType, ...rec }, true]);
    out.push([
      `ebpf ${progType} direct`,
      { target: 'ebpf', ctx, progType, ebpfFromCbpf: false, ...rec },
      true,
    ]);
  }
  out.push(['ebpf socket -O0', { target: 'ebpf', ctx, progType: 'socket', ...rec, ...O0 }, false]);
  out.push(['ebpf tc map', { target: 'ebpf', ctx, progType: 'tc', setLookup: 'map', ...rec }, false]);
  return out;
}

function renderAll(): { blocks: Map<string, string>; cases: number } {
  const blocks = new Map<string, string>();
  let cases = 0;
  const inputs = [...recordedInputs(), ...handInputs(), ...generatedInputs()];
  for (const input of inputs)
    for (const [v, opts, withC] of variants(input)) {
      let key = `${input.name} | ${input.kind} | ${v}`;
      for (let k = 2; blocks.has(key); k++) key = `${input.name} | ${input.kind} | ${v} (${k})`;
      blocks.set(key, render(input.ir, opts, withC));
      cases++;
    }
  return { blocks, cases };
}

function serialize(blocks: ReadonlyMap<string, string>): string {
  return [...blocks].map(([k, v]) => `=== ${k}\n${v}\n`).join('');
}

function parse(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(/^=== /m).slice(1)) {
    const nl = part.indexOf('\n');
    out.set(part.slice(0, nl), part.slice(nl + 1).replace(/\n$/, ''));
  }
  return out;
}

test('golden listings: every eBPF, cBPF and C listing and diagnostic is byte-identical', () => {
  const { blocks, cases } = renderAll();
  if (process.env.TFC_GOLDEN_RECORD === '1') {
    writeFileSync(GOLDEN, gzipSync(serialize(blocks), { level: 9 }));
    return;
  }
  const want = parse(gunzipSync(readFileSync(GOLDEN)).toString());
  const diffs: string[] = [];
  for (const [k, v] of blocks) {
    const w = want.get(k);
    if (w === v) continue;
    if (diffs.length < 5) {
      const a = (w ?? '<missing>').split('\n');
      const b = v.split('\n');
      const i = a.findIndex((l, j) => l !== b[j]);
      diffs.push(
        `${k}\n  line ${i + 1}: want ${JSON.stringify(a[i])}\n           got  ${JSON.stringify(b[i])}`,
      );
    } else diffs.push(k);
  }
  assert.equal(want.size, blocks.size, 'case count');
  assert.deepEqual(diffs.slice(0, 5), [], `${diffs.length} of ${cases} listings differ`);
});
