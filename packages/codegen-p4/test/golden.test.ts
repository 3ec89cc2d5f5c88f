// Golden files: every P4-family output for a few filters, byte for byte (JSON files carry a `.golden`
// suffix so that the formatter leaves them alone; regenerate with
// TFC_UPDATE_GOLDEN=1 after checking the diff). Each case also re-checks the list against the IR on
// hand-made frames, so a golden file cannot freeze a wrong answer unnoticed.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluate, type Filter, parseFilter } from '@tfc/ir';
import { compileP4, evaluateTcam, type P4CompileOptions } from '../src/index.ts';

const DIR = join(import.meta.dirname, 'golden');
const UPDATE = process.env.TFC_UPDATE_GOLDEN === '1';

function parse(text: string): Filter {
  const r = parseFilter(text);
  if (!r.ok) assert.fail(JSON.stringify(r.diagnostics));
  return r.filter;
}

interface Case {
  readonly name: string;
  readonly ir: string;
  readonly opts: P4CompileOptions;
  readonly frames: readonly [string, 'hit' | 'miss'][];
  readonly entries: number;
}

function frame(len: number, bytes: Record<number, number>): Uint8Array {
  const f = new Uint8Array(len);
  for (const [k, v] of Object.entries(bytes)) f[Number(k)] = v;
  return f;
}

const CASES: readonly (Case & { readonly make: (hex: string) => Uint8Array })[] = [
  {
    name: 'inet-sock-family-protocol',
    // sock:inet_sock_set_state: family == 2 && protocol == 6 (u16 little-endian at record 28 and 30).
    ir: '(filter (and (eq u2 (load frame 28 u2le) 2) (eq u2 (load frame 30 u2le) 6)))',
    opts: {
      keyNames: { 82: 'family', 84: 'protocol' },
      minFrameLength: 86,
      title: 'family == 2 && protocol == 6',
    },
    entries: 1,
    frames: [
      ['82:2,84:6', 'hit'],
      ['82:2,84:17', 'miss'],
      ['82:10,84:6', 'miss'],
      ['82:2,83:1,84:6', 'miss'],
    ],
    make: (s) =>
      frame(96, Object.fromEntries(s.split(',').map((p) => p.split(':').map(Number) as [number, number]))),
  },
  {
    name: 'tcp-dport-range-not-ssh',
    // tcp dst portrange 1000-2000 and not src port 22 (IPv4, no options), over packet loads that may be
    // past the end of short frames.
    ir: `(filter (and (eq u2 (load packet 12 u2be) 0x800) (eq u1 (load packet 23 u1be) 6)
           (ge u2 (load packet 36 u2be) 1000) (le u2 (load packet 36 u2be) 2000)
           (not (eq u2 (load packet 34 u2be) 22))))`,
    opts: {
      keyNames: { 12: 'ethertype', 23: 'ip_proto', 34: 'sport', 36: 'dport' },
      title: 'tcp dport 1000-2000 && !sport 22',
    },
    entries: 2,
    frames: [
      ['60;12:8,23:6,34:0,35:80,36:5,37:220', 'hit'],
      ['60;12:8,23:6,34:0,35:22,36:5,37:220', 'miss'],
      ['60;12:8,23:6,34:0,35:80,36:8,37:0', 'miss'],
      ['36;12:8,23:6,34:0,35:80', 'miss'],
    ],
    make: (s) => {
      const [len, rest] = s.split(';') as [string, string];
      return frame(
        Number(len),
        Object.fromEntries(rest.split(',').map((p) => p.split(':').map(Number) as [number, number])),
      );
    },
  },
];

const FILES: readonly [string, keyof Omit<import('../src/index.ts').P4Outputs, 'list'>][] = [
  ['entries.json.golden', 'entriesJson'],
  ['filter.p4', 'p4'],
  ['p4info.txt', 'p4info'],
  ['write-request.json.golden', 'writeRequestJson'],
  ['write-request.txt', 'writeRequestText'],
  ['bmv2-commands.txt', 'bmv2'],
];

for (const c of CASES) {
  test(`golden: ${c.name}`, () => {
    const ir = parse(c.ir);
    const r = compileP4(ir, c.opts);
    if (!r.ok) assert.fail(JSON.stringify(r.diagnostics));
    assert.equal(r.outputs.list.entries.length, c.entries);
    for (const [hex, want] of c.frames) {
      const f = c.make(hex);
      assert.equal(evaluate(ir, { packet: f }) === 'accept' ? 'hit' : 'miss', want, `IR on ${hex}`);
      assert.equal(evaluateTcam(r.outputs.list, f), want, `TCAM on ${hex}`);
    }
    const dir = join(DIR, c.name);
    if (UPDATE) mkdirSync(dir, { recursive: true });
    for (const [file, key] of FILES) {
      const path = join(dir, file);
      if (UPDATE) writeFileSync(path, r.outputs[key]);
      assert.equal(r.outputs[key], readFileSync(path, 'utf8'), path);
    }
  });
}
