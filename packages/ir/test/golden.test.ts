// Golden files: the printed IR after every pass, and the decision DAG, for a few hand-written filters.
// The expected text lives in test/golden/<name>.txt; re-bless with TFC_BLESS=1 after reviewing a diff.
// Each golden also checks that the final IR and the DAG agree with the input on sample inputs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  and,
  arith,
  buildDag,
  cmp,
  type EvalInput,
  evaluate,
  evaluateDag,
  type Filter,
  filter,
  konst,
  load,
  not,
  or,
  PASSES,
  printDag,
  printFilter,
  runPasses,
  str,
} from '../src/index.ts';

const dir = new URL('./golden/', import.meta.url);
const bless = process.env.TFC_BLESS === '1';

function render(f: Filter): string {
  const parts = [';; input\n' + printFilter(f)];
  for (const p of PASSES) {
    const r = runPasses(f, { dumpAfter: p.name, verifyEach: true });
    assert.ok(r.ok, `pass ${p.name}`);
    parts.push(`;; after ${p.name}\n` + printFilter(r.ir));
  }
  const r = runPasses(f);
  assert.ok(r.ok);
  const d = buildDag(r.ir);
  assert.ok(d.ok);
  parts.push(';; dag (cost order)\n' + printDag(d.dag));
  return parts.join('\n');
}

function golden(name: string, f: Filter, samples: readonly EvalInput[]): void {
  test(`golden: ${name}`, () => {
    const text = render(f);
    const file = new URL(name + '.txt', dir);
    if (bless || !existsSync(file)) {
      assert.ok(bless, `golden file ${name}.txt missing: run with TFC_BLESS=1`);
      writeFileSync(file, text);
    }
    assert.equal(text, readFileSync(file, 'utf8'));
    const r = runPasses(f);
    assert.ok(r.ok);
    const d = buildDag(r.ir);
    assert.ok(d.ok);
    for (const s of samples) {
      assert.equal(evaluate(r.ir, s), evaluate(f, s));
      assert.equal(evaluateDag(d.dag, s), evaluate(f, s));
    }
  });
}

function recordWith(entries: readonly [number, number, number][]): EvalInput {
  const r = new Uint8Array(64);
  const dv = new DataView(r.buffer);
  for (const [off, size, v] of entries) {
    if (size === 1) dv.setUint8(off, v);
    else if (size === 2) dv.setUint16(off, v, true);
    else dv.setUint32(off, v, true);
  }
  return { record: r };
}

// sock:inet_sock_set_state-like: u16 family at 16, u16 protocol at 18.
const family = load('record', 16, 2);
const protocol = load('record', 18, 2);
golden('family-protocol', filter(and(cmp('eq', 2, false, family, 2), cmp('eq', 2, false, protocol, 6))), [
  recordWith([
    [16, 2, 2],
    [18, 2, 6],
  ]),
  recordWith([
    [16, 2, 10],
    [18, 2, 6],
  ]),
  recordWith([
    [16, 2, 2],
    [18, 2, 17],
  ]),
]);

const a = load('record', 8, 4);
golden(
  'range-contradiction',
  filter(and(cmp('gt', 4, false, a, 3), cmp('gt', 4, false, a, 5), cmp('lt', 4, false, a, 4))),
  [recordWith([[8, 4, 3]]), recordWith([[8, 4, 6]])],
);
golden(
  'range-merge',
  filter(and(cmp('gt', 4, false, a, 3), cmp('gt', 4, false, a, 5), cmp('le', 4, false, a, 100))),
  [recordWith([[8, 4, 5]]), recordWith([[8, 4, 6]]), recordWith([[8, 4, 100]]), recordWith([[8, 4, 101]])],
);
golden(
  'or-of-10-equalities',
  filter(
    or(
      ...[80, 443, 22, 25, 53, 8080, 110, 143, 993, 995].map((p) =>
        cmp('eq', 2, false, load('record', 12, 2), p),
      ),
    ),
  ),
  [recordWith([[12, 2, 443]]), recordWith([[12, 2, 444]])],
);

const b = load('record', 12, 2);
golden(
  'facts-flow',
  filter(
    and(
      cmp('gt', 4, false, a, 5),
      or(cmp('lt', 4, false, a, 3), cmp('eq', 2, false, b, 1)),
      not(cmp('eq', 4, false, a, 2)),
    ),
  ),
  [
    recordWith([
      [8, 4, 6],
      [12, 2, 1],
    ]),
    recordWith([
      [8, 4, 2],
      [12, 2, 1],
    ]),
    recordWith([
      [8, 4, 9],
      [12, 2, 0],
    ]),
  ],
);

// pcap `tcp dst port 80` on Ethernet: ethertype, IPv4 protocol, not a later fragment, port behind IHL.
const ihl = arith('<<', arith('&', load('packet', 14, 1, 'be'), konst(0xf)), konst(2));
golden(
  'pcap-tcp-dst-port',
  filter(
    and(
      cmp('eq', 2, false, load('packet', 12, 2, 'be'), 0x800),
      cmp('eq', 1, false, load('packet', 23, 1, 'be'), 6),
      not(cmp('set', 2, false, load('packet', 20, 2, 'be'), 0x1fff)),
      cmp('eq', 2, false, load('packet', arith('+', ihl, konst(16)), 2, 'be'), 80),
      cmp('eq', 1, false, load('packet', 14, 1, 'be'), 0x45),
    ),
  ),
  [
    { packet: new Uint8Array(20) },
    {
      packet: Uint8Array.from([
        ...new Array(12).fill(0),
        8,
        0,
        0x45,
        ...new Array(8).fill(0),
        6,
        ...new Array(14).fill(0),
        0,
        80,
        0,
        0,
      ]),
    },
  ],
);

// `tcp port 80 or udp port 53`-like: the DAG does not re-test the protocol after `proto == 6` held.
const proto = load('packet', 23, 1, 'be');
const dport = load('packet', 36, 2, 'be');
golden(
  'dag-path-facts',
  filter(
    or(
      and(cmp('eq', 1, false, proto, 6), cmp('eq', 2, false, dport, 80)),
      and(cmp('eq', 1, false, proto, 17), cmp('eq', 2, false, dport, 53)),
    ),
  ),
  [
    { packet: new Uint8Array(30) },
    { packet: Uint8Array.from({ length: 40 }, (_, i) => (i === 23 ? 6 : i === 37 ? 80 : 0)) },
  ],
);

// Strings: comm suffix (char[16] window quirk) or a pointer string that may fault, negated.
golden(
  'strings',
  filter(
    or(
      str('end', 'sh', { kind: 'comm' }),
      not(
        str('full', '/etc/passwd', { kind: 'ptr', base: 'record', offset: 24, order: 'le', space: 'user' }),
      ),
      and(str('glob', 'ba[sz]h', { kind: 'comm' }), not(str('front', 'b', { kind: 'comm' }))),
    ),
  ),
  [{ comm: Buffer.from('bash') }, { comm: Buffer.from('zsh') }, { record: new Uint8Array(32) }],
);
