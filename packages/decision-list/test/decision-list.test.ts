// Unit tests of the decision list: prefix expansion counts from the spec (§4.6), the exclusion-entry
// examples of §4.5, length exclusions for short frames, key naming, entry counts with/without ranges,
// and precise diagnostics for what a TCAM cannot express.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { and, cmp, type Filter, filter, load, not, parseFilter, pseudo, str } from '@tfc/ir';
import { buildDecisionList, entryCounts, evaluateTcam, prefixCover } from '../src/index.ts';

function parse(text: string): Filter {
  const r = parseFilter(text);
  if (!r.ok) assert.fail(JSON.stringify(r.diagnostics));
  return r.filter;
}

test('prefix expansion counts match the spec table (§4.6)', () => {
  const table: [number, number, number][] = [
    [1024, 65535, 6],
    [1025, 65535, 15],
    [721, 1035, 8],
    [5000, 5002, 2],
    [0, 1023, 1],
    [1, 65535, 16],
    [1, 65534, 30],
  ];
  for (const [lo, hi, n] of table)
    assert.equal(prefixCover(BigInt(lo), BigInt(hi), 16).length, n, `[${lo},${hi}]`);
});

test('prefix expansion of every 8-bit range is exact and within 2W−2 (max 14 at [1,254])', () => {
  let worst = 0;
  let worstAt = '';
  for (let lo = 0; lo < 256; lo++)
    for (let hi = lo; hi < 256; hi++) {
      const cubes = prefixCover(BigInt(lo), BigInt(hi), 8);
      const covered = new Array<number>(256).fill(0);
      for (const c of cubes)
        for (let v = 0; v < 256; v++) if ((BigInt(v) & c.mask) === c.value) covered[v]!++;
      for (let v = 0; v < 256; v++) assert.equal(covered[v], v >= lo && v <= hi ? 1 : 0);
      if (cubes.length > worst) {
        worst = cubes.length;
        worstAt = `[${lo},${hi}]`;
      }
    }
  assert.equal(worst, 14);
  assert.equal(worstAt, '[1,254]');
});

test('a range written through its complement: x ∈ [1,65534] is 3 ternary entries, 1 range entry', () => {
  const ir = parse('(filter (and (ge u2 (load packet 36 u2be) 1) (le u2 (load packet 36 u2be) 65534)))');
  const c = entryCounts(ir, { minFrameLength: 64 });
  assert.ok(c.ok);
  assert.deepEqual(c.counts, { withRanges: 1, withoutRanges: 3 });
  const t = buildDecisionList(ir, { ranges: false, minFrameLength: 64 });
  assert.ok(t.ok);
  assert.deepEqual(
    t.list.entries.map((e) => e.action),
    ['miss', 'miss', 'hit'],
  );
});

test('worked example of §4.5: tcp && dport >= 1024 && !(src 10.0.0.0/8) is 3 entries', () => {
  const ir = parse(
    `(filter (and (eq u1 (load packet 23 u1be) 6) (ge u2 (load packet 36 u2be) 1024)
       (not (eq u4 (& (load packet 26 u4be) 0xff000000) 0x0a000000))))`,
  );
  const r = buildDecisionList(ir, { ranges: false, minFrameLength: 64 });
  assert.ok(r.ok);
  assert.deepEqual(
    r.list.entries.map((e) => e.action),
    ['miss', 'miss', 'hit'],
  );
  assert.ok(r.list.keys.every((k) => k.match === 'ternary'));
  // dport < 1024 is the single prefix 0x0000/0xfc00 (the spec's exclusion rule).
  assert.deepEqual(r.list.entries[0]!.match[1], ['f36', { kind: 'ternary', value: 0n, mask: 0xfc00n }]);
  // With a range key, [1024, 65535] is one range and the list shrinks to 2 entries.
  const g = buildDecisionList(ir, { ranges: true, minFrameLength: 64 });
  assert.ok(g.ok);
  assert.equal(g.list.entries.length, 2);
  assert.equal(g.list.keys.find((k) => k.name === 'f36')?.match, 'range');
  // Without the minimum length, the exclusions and the hit entry still need no length check:
  // the hit entry constrains the protocol key, and the dport/src exclusions come first.
  const short = buildDecisionList(ir, { ranges: false });
  assert.ok(short.ok);
  const frame = new Uint8Array(64);
  frame[23] = 6;
  frame[36] = 0x13;
  frame[37] = 0x89; // dport 5001
  frame[26] = 172;
  assert.equal(evaluateTcam(short.list, frame), 'hit');
  frame[26] = 10;
  assert.equal(evaluateTcam(short.list, frame), 'miss');
  frame[26] = 172;
  frame[36] = 0;
  frame[37] = 80;
  assert.equal(evaluateTcam(short.list, frame), 'miss');
  assert.equal(evaluateTcam(short.list, frame.subarray(0, 37)), 'miss');
});

test('NOT of a field needs a frame-length exclusion unless frames are known long enough', () => {
  const ir = filter(not(cmp('eq', 2, false, load('frame', 28, 2, 'le'), 2)));
  const r = buildDecisionList(ir);
  assert.ok(r.ok);
  assert.deepEqual(
    r.list.keys.map((k) => k.name),
    ['f82', 'frame_len'],
  );
  assert.equal(r.list.entries.length, 3);
  assert.equal(evaluateTcam(r.list, new Uint8Array(83)), 'miss'); // too short: the IR aborts
  assert.equal(evaluateTcam(r.list, new Uint8Array(84)), 'hit');
  const long = buildDecisionList(ir, { minFrameLength: 84 });
  assert.ok(long.ok);
  assert.equal(long.list.entries.length, 2);
  assert.equal(long.list.keys.length, 1);
});

test('key names come from the caller map; collisions get a width/order suffix', () => {
  const ir = filter(
    and(
      cmp('eq', 2, false, load('frame', 28, 2, 'le'), 2),
      cmp('eq', 1, false, load('frame', 28, 1, 'le'), 2),
    ),
  );
  const r = buildDecisionList(ir, { keyNames: new Map([[82, 'family']]), minFrameLength: 100 });
  assert.ok(r.ok);
  assert.deepEqual(
    r.list.keys.map((k) => k.name),
    ['family', 'family_16le'],
  );
});

test('inexpressible constructs are refusals naming the construct', () => {
  const cases: [Filter, string][] = [
    [filter(str('glob', 'a?b', { kind: 'fixed', base: 'frame', offset: 0, size: 8 })), 'string-match'],
    [filter(str('middle', 'ab', { kind: 'fixed', base: 'frame', offset: 0, size: 8 })), 'string-match'],
    [
      filter(str('full', 'ab', { kind: 'dataloc', base: 'frame', offset: 0, rel: false, order: 'le' })),
      'string',
    ],
    [filter(str('full', 'ab', { kind: 'comm' })), 'string'],
    [filter(str('full', 'ab', { kind: 'fixed', base: 'frame', offset: 0, size: 65 })), 'string-width'],
    [filter(cmp('eq', 4, false, pseudo('cpu'), 1)), 'pseudo'],
    [filter(cmp('eq', 4, false, load('record', 0, 4), 1)), 'record'],
    [parse('(filter (eq u2 (load packet (+ (load packet 14 u1be) 2) u2be) 80))'), 'computed-offset'],
    [parse('(filter (eq u2 (load packet 12 u2be) (load packet 14 u2be)))'), 'two-fields'],
    [parse('(filter (lt u2 (& (load packet 12 u2be) 255) 7))'), 'masked-order'],
    [parse('(filter (eq u2 (+ (load packet 12 u2be) 1) 7))'), 'arith'],
    [parse('(filter (and (eq u2 (load packet 12 u2be) 34525) (chain ip6 14 6 reset 32768)))'), 'protochain'],
  ];
  for (const [ir, code] of cases) {
    const r = buildDecisionList(ir);
    assert.ok(!r.ok, code);
    const first = r.refusals[0]!;
    assert.ok(first.kind === 'leaf' || first.kind === 'unplaced-offset', code);
    assert.equal(first.code, code);
    assert.ok(first.leaf.startsWith('('), first.leaf);
  }
});

test('string keys: ==, !=, prefix and suffix on char[N] are one ternary cube with the kernel NUL rules', () => {
  const comm = { kind: 'fixed', base: 'packet', offset: 38, size: 16 } as const;
  const one = (f: Filter) => {
    const r = buildDecisionList(f, { keyNames: { 38: 'comm' }, minFrameLength: 60 });
    if (!r.ok) assert.fail(JSON.stringify(r.refusals));
    return r.list;
  };
  const hexOf = (bytes: number[]) => bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
  const b = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
  // == "sshd": the four bytes and the NUL after them (strncmp over 16), the rest don't care.
  const eq = one(filter(str('full', 'sshd', comm)));
  assert.deepEqual(eq.keys[0], {
    name: 'comm',
    kind: 'field',
    offset: 38,
    bits: 128,
    byteOrder: 'big',
    match: 'ternary',
  });
  assert.deepEqual(eq.entries, [
    {
      priority: 1,
      match: [
        [
          'comm',
          {
            kind: 'ternary',
            value: hexOf([...b('sshd'), 0, ...Array(11).fill(0)]),
            mask: hexOf([...Array(5).fill(0xff), ...Array(11).fill(0)]),
          },
        ],
      ],
      action: 'hit',
    },
  ]);
  // A 16-byte pattern needs no NUL (the comparison stops at N); a longer one compares its first 16 bytes.
  const long = one(filter(str('full', 'abcdefghijklmnopq', comm)));
  assert.deepEqual(long.entries[0]!.match[0]![1], {
    kind: 'ternary',
    value: hexOf(b('abcdefghijklmnop')),
    mask: (1n << 128n) - 1n,
  });
  // != is an exclusion entry in front of a catch-all hit.
  const ne = one(filter(str('full', 'sshd', comm, true)));
  assert.deepEqual(
    ne.entries.map((e) => e.action),
    ['miss', 'hit'],
  );
  // 'ss*': the two bytes; '*hd': the two bytes before byte 15 (the kernel's window), NUL not required.
  const front = one(filter(str('front', 'ss', comm)));
  assert.deepEqual(front.entries[0]!.match[0]![1], {
    kind: 'ternary',
    value: hexOf([...b('ss'), ...Array(14).fill(0)]),
    mask: hexOf([0xff, 0xff, ...Array(14).fill(0)]),
  });
  const end = one(filter(str('end', 'hd', comm)));
  assert.deepEqual(end.entries[0]!.match[0]![1], {
    kind: 'ternary',
    value: hexOf([...Array(13).fill(0), ...b('hd'), 0]),
    mask: hexOf([...Array(13).fill(0), 0xff, 0xff, 0]),
  });
  // A prefix longer than the array never matches.
  assert.deepEqual(one(filter(str('front', 'abcdefghijklmnopq', comm))).entries, []);
});

test('constant filters: true is one catch-all hit entry, false is no entry', () => {
  const t = buildDecisionList(parse('(filter true)'));
  assert.ok(t.ok);
  assert.deepEqual(t.list.entries, [{ priority: 1, match: [], action: 'hit' }]);
  const f = buildDecisionList(parse('(filter false)'));
  assert.ok(f.ok);
  assert.deepEqual(f.list.entries, []);
});

test('output is deterministic', () => {
  const ir = parse('(filter (or (lt u2 (load frame 2 u2le) 1000) (set u1 (load frame 5 u1le) 0x81)))');
  const a = JSON.stringify(buildDecisionList(ir), (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  const b = JSON.stringify(buildDecisionList(ir), (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  assert.equal(a, b);
});

test('merging a key away keeps its frame-length condition (regression: a tautology lost the abort on short frames)', async () => {
  const { evaluateOutcome, filter, or, cmp, load } = await import('@tfc/ir');
  // x >= 1 || (x & 255) == 0 is true for every x, but reading x aborts (rejects) on frames shorter than 55 bytes.
  const f = filter(
    or(
      cmp('ge', 1, false, load('frame', 0, 1, 'le', false), 1n),
      cmp('clear', 1, false, load('frame', 0, 1, 'le', false), 255n),
    ),
  );
  for (const ranges of [true, false]) {
    const r = buildDecisionList(f, { ranges });
    assert.ok(r.ok);
    for (const n of [0, 54, 55, 60]) {
      const input = {
        record: new Uint8Array(0),
        packet: new Uint8Array(n),
        cpu: 0,
        pid: 0,
        comm: new Uint8Array(0),
        memory: [],
      };
      const want = evaluateOutcome(f, input) === 'accept' ? 'hit' : 'miss';
      assert.equal(evaluateTcam(r.list, new Uint8Array(n)), want, `ranges ${ranges}, frame of ${n} bytes`);
    }
  }
});
