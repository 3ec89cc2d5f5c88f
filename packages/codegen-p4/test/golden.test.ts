// Golden files: every P4-family output for a few filters, byte for byte (JSON files carry a `.golden`
// suffix so that the formatter leaves them alone; regenerate with
// TFC_UPDATE_GOLDEN=1 after checking the diff). Each case also re-checks the list against the IR on
// hand-made frames, so a golden file cannot freeze a wrong answer unnoticed.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluate, type Filter, parseFilter } from '@tfc/ir';
import {
  compileP4,
  evaluateTcam,
  type P4CompileOptions,
  PACKET_MODEL,
  traceFrameModel,
} from '../src/index.ts';

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
    // sock:inet_sock_set_state (event id 0x8ef): the trace-frame guard, then family == 2 && protocol == 6
    // (u16 little-endian at record 28 and 30), over the named headers of the trace-frame model.
    ir: `(filter (and (eq u2 (load packet 12 u2be) 0x88b5) (eq u2 (load packet 18 u2be) 0x8ef)
           (eq u2 (load frame 28 u2le) 2) (eq u2 (load frame 30 u2le) 6)))`,
    opts: {
      headers: traceFrameModel(0x8ef, 'inet_sock_set_state', [
        { name: 'common_type', offset: 0, size: 2 },
        { name: 'common_flags', offset: 2, size: 1 },
        { name: 'common_preempt_count', offset: 3, size: 1 },
        { name: 'common_pid', offset: 4, size: 4 },
        { name: 'skaddr', offset: 8, size: 8 },
        { name: 'oldstate', offset: 16, size: 4 },
        { name: 'newstate', offset: 20, size: 4 },
        { name: 'sport', offset: 24, size: 2 },
        { name: 'dport', offset: 26, size: 2 },
        { name: 'family', offset: 28, size: 2 },
        { name: 'protocol', offset: 30, size: 2 },
      ]),
      keyNames: { 12: 'ethertype', 18: 'event_id', 82: 'family', 84: 'protocol' },
      minFrameLength: 86,
      title: 'family == 2 && protocol == 6',
    },
    entries: 1,
    frames: [
      ['82:2,84:6', 'hit'],
      ['82:2,84:17', 'miss'],
      ['82:10,84:6', 'miss'],
      ['82:2,83:1,84:6', 'miss'],
      ['12:8,13:0,82:2,84:6', 'miss'],
      ['19:0xf0,82:2,84:6', 'miss'],
    ],
    make: (s) =>
      frame(96, {
        12: 0x88,
        13: 0xb5,
        18: 0x08,
        19: 0xef,
        ...Object.fromEntries(s.split(',').map((p) => p.split(':').map(Number) as [number, number])),
      }),
  },
  {
    name: 'comm-string',
    // A trace frame's comm (16 bytes at frame offset 38) == "sshd": one ternary cube on hdr.trace.comm.
    ir: `(filter (and (eq u2 (load packet 12 u2be) 0x88b5) (eq u2 (load packet 18 u2be) 0x8ef)
           (str full "sshd" (fixed packet 38 16))))`,
    opts: {
      headers: traceFrameModel(0x8ef, 'inet_sock_set_state', [{ name: 'common_type', offset: 0, size: 2 }]),
      keyNames: { 12: 'ethertype', 18: 'event_id', 38: 'comm' },
      minFrameLength: 56,
      title: 'comm == "sshd"',
    },
    entries: 1,
    frames: [
      ['sshd', 'hit'],
      ['sshd2', 'miss'],
      ['ssh', 'miss'],
      ['sshdsshdsshdsshd', 'miss'],
    ],
    make: (s) => {
      const f = frame(64, { 12: 0x88, 13: 0xb5, 18: 0x08, 19: 0xef });
      f.set(Buffer.from(s), 38);
      return f;
    },
  },
  {
    name: 'pcap-tcp-dst-port-80',
    // libpcap's `tcp dst port 80` (optimized IR): IPv6 at fixed offsets, IPv4 through IHL, over the packet model.
    ir: `(filter (let 0 (load packet 12 u2be))
           (or (and (eq u4 %0 34525) (eq u4 (load packet 20 u1be) 6) (eq u4 (load packet 56 u2be) 80))
               (and (eq u4 %0 2048) (eq u4 (load packet 23 u1be) 6) (clear u4 (load packet 20 u2be) 8191)
                    (eq u4 (load packet (+ (<< (& (load packet 14 u1be) 15) 2) 16) u2be) 80))))`,
    opts: { headers: PACKET_MODEL, minFrameLength: 14, title: 'pcap: tcp dst port 80' },
    entries: 6,
    frames: [
      ['4 5 0 6 80', 'hit'],
      ['4 6 0 6 80', 'hit'],
      ['4 8 0 6 80', 'hit'],
      ['4 5 185 6 80', 'miss'],
      ['4 5 0 17 80', 'miss'],
      ['4 5 0 6 81', 'miss'],
      ['6 0 0 6 80', 'hit'],
      ['6 0 0 44 80', 'miss'],
    ],
    // "ipver ihl frag proto dport": Ethernet + IPv4 (IHL words, options zero) or IPv6, then 20 TCP bytes.
    make: (s) => {
      const [ver, ihl, frag, proto, dport] = s.split(' ').map(Number) as [
        number,
        number,
        number,
        number,
        number,
      ];
      const tcp = [0, 1, dport >> 8, dport & 0xff, ...Array(16).fill(0)];
      const ip =
        ver === 4
          ? [
              0x40 | ihl,
              0,
              0,
              0,
              0,
              0,
              frag >> 8,
              frag & 0xff,
              64,
              proto,
              ...Array(10).fill(0),
              ...Array(4 * (ihl - 5)).fill(0),
            ]
          : [0x60, 0, 0, 0, 0, 20, proto, 64, ...Array(32).fill(0)];
      return Uint8Array.from([
        ...Array(12).fill(0),
        ver === 4 ? 0x08 : 0x86,
        ver === 4 ? 0 : 0xdd,
        ...ip,
        ...tcp,
      ]);
    },
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
    // With a header model the p4info match fields are the entries-json keys: same names, widths, order.
    if (c.opts.headers !== undefined) {
      const info = [...r.outputs.p4info.matchAll(/name: "([^"]+)"\n {4}bitwidth: (\d+)/g)].map((m) => [
        m[1],
        Number(m[2]),
      ]);
      const keys = (JSON.parse(r.outputs.entriesJson) as { keys: { name: string; bits: number }[] }).keys;
      assert.deepEqual(
        info,
        keys.map((k) => [k.name, k.bits]),
      );
      for (const k of keys) assert.ok(r.outputs.p4.includes(`@name("${k.name}")`), k.name);
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
