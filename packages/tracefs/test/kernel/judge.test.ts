// Pure checks of the differential machinery (no kernel): the comparison fails on any single
// disagreement (verdict, acceptance, errno, filter-file bytes, error_log text) and passes on
// agreement; the generators only produce short ASCII filters (NUL included) that are not kernel hazards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Judgement, kernelHazard } from '@tfc/kernel/tracefs';
import { caseArb, invalidFilterArb, renameCaseArb, validFilterArb } from '@tfc/testkit/oracle';
import { evaluate, parseFilter, parseFormat, renderErrorLog, renderFilterFile } from '@tfc/tracefs';
import fc from 'fast-check';
import { CORPUS_DIALECT } from '../corpus-helpers.ts';
import { compare, newStats } from './judge.ts';

const FORMAT = `name: rec
ID: 2327
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:u8 u8;\toffset:8;\tsize:1;\tsigned:0;
\tfield:__data_loc char[] str;\toffset:9;\tsize:4;\tsigned:1;

print fmt: "u8=%u", REC->u8
`;

const parsed = parseFormat(FORMAT, { system: 'g', name: 'rec' });
assert.ok(parsed.ok);
const event = parsed.event;
const comm = new Uint8Array(16);

function record(u8: number, str: string): Uint8Array {
  const s = Buffer.from(`${str}\0`, 'latin1');
  const b = Buffer.alloc(13 + s.length);
  b.writeUInt8(u8, 8);
  b.writeUInt32LE((s.length << 16) | 13, 9);
  s.copy(b, 13);
  return b;
}

function judgement(filter: string, recs: Uint8Array[], flip: number | null): Judgement {
  const p = parseFilter(filter, event, { nrCpuIds: 2 });
  if (!p.ok) {
    return {
      errno: p.error.errno,
      filterFile: renderFilterFile(p.error),
      errorLog: `[  123.456789] ${renderErrorLog(p.error)}`,
      accepted: [],
      records: [],
      cpus: [],
    };
  }
  const accepted = recs.map((r, i) => evaluate(p.filter, r, { cpu: 0, comm }) !== (i === flip));
  // The kernel stores the filter cut at its first NUL, trailing C-isspace stripped; "0" shows "none".
  const stored = (filter.split('\0')[0] ?? '').replace(/[ \t\n\v\f\r]+$/, '');
  return {
    errno: null,
    filterFile: p.filter === null ? 'none\n' : `${stored}\n`,
    errorLog: '',
    accepted,
    records: recs,
    cpus: recs.map(() => 0),
  };
}

const commOf = (): Uint8Array => comm;
const recs = [record(1, 'abc'), record(2, 'xyz'), record(1, '')];

test('compare passes when tfc agrees with the (simulated) kernel', () => {
  for (const f of [
    'u8 == 1',
    'str ~ "a*" || u8 > 1',
    'u8 == 1 u8',
    'foo == 1',
    '(u8 == 1',
    '',
    'u8 == 1 \n',
    'u8 == 1\0 zz',
    ' 0 ',
  ]) {
    compare('t', event, { nrCpuIds: 2 }, f, [], judgement(f, recs, null), commOf, newStats());
  }
});

test('compare fails on a single flipped verdict and names filter, record and verdicts', () => {
  assert.throws(
    () =>
      compare(
        't',
        event,
        { nrCpuIds: 2 },
        'u8 == 1',
        ['r0', 'r1', 'r2'],
        judgement('u8 == 1', recs, 2),
        commOf,
        newStats(),
      ),
    (e: Error) =>
      /record 2/.test(e.message) && /u8 == 1/.test(e.message) && /kernel KEEPS|kernel drops/.test(e.message),
  );
});

test('compare fails on acceptance, errno, filter file and error_log differences', () => {
  const ok = judgement('u8 == 1', recs, null);
  const bad = judgement('foo == 1', recs, null);
  assert.throws(
    () => compare('t', event, { nrCpuIds: 2 }, 'foo == 1', [], ok, commOf, newStats()),
    /kernel ACCEPTED/,
  );
  assert.throws(
    () => compare('t', event, { nrCpuIds: 2 }, 'u8 == 1', [], bad, commOf, newStats()),
    /kernel REJECTED/,
  );
  assert.throws(
    () =>
      compare(
        't',
        event,
        { nrCpuIds: 2 },
        'u8 == 1',
        [],
        { ...ok, filterFile: 'u8 == 1 \n' },
        commOf,
        newStats(),
      ),
    /filter file differs/,
  );
  assert.throws(
    () =>
      compare('t', event, { nrCpuIds: 2 }, 'foo == 1', [], { ...bad, errno: 'EPERM' }, commOf, newStats()),
    /errno/,
  );
  assert.throws(
    () =>
      compare(
        't',
        event,
        { nrCpuIds: 2 },
        'foo == 1',
        [],
        { ...bad, filterFile: `${bad.filterFile} ` },
        commOf,
        newStats(),
      ),
    /filter file/,
  );
  assert.throws(
    () =>
      compare(
        't',
        event,
        { nrCpuIds: 2 },
        'foo == 1',
        [],
        { ...bad, errorLog: `${bad.errorLog}x` },
        commOf,
        newStats(),
      ),
    /error_log/,
  );
});

test('generated filters are short printable ASCII (plus NUL) and never kernel hazards', () => {
  const env = { pid: 4242, nrCpuIds: 2 };
  fc.assert(
    fc.property(fc.oneof(validFilterArb(env), invalidFilterArb(env)), (f) => {
      assert.ok(Buffer.byteLength(f.text) < 4096);
      assert.match(f.text, /^[\x20-\x7e\t\n\0]*$/);
      assert.equal(kernelHazard(f.text), null);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(caseArb(validFilterArb(env), env), (c) => {
      assert.equal(c.records.length, 20);
    }),
    { numRuns: 50 },
  );
});

test('generated task_rename cases: 15-byte NUL-free names on valid CPUs, no hazards', () => {
  fc.assert(
    fc.property(renameCaseArb(4242, 2, 8), (c) => {
      assert.equal(kernelHazard(c.filter), null);
      assert.equal(c.names.length, 8);
      for (const n of c.names) {
        assert.ok(n.name.length <= 15 && !n.name.includes(0));
        assert.ok(n.cpu === 0 || n.cpu === 1);
      }
    }),
    { numRuns: 300 },
  );
});

test('the oracle guard covers every shape the front end marks as kernel-undefined', () => {
  // Two detectors of one kernel bug: kernelHazard (conservative, keeps such filters away from the live kernel) and
  // the front end's kernelUndefined flag (exact). The guard must refuse at least everything the flag marks.
  const atom = fc.constantFrom('u8 == 1', 'u8 != 2', 'str == "a"', '!u8 == 3', '(u8 < 4)');
  const shape = fc
    .tuple(
      fc.array(fc.tuple(atom, fc.constantFrom('&&', '||')), { minLength: 1, maxLength: 5 }),
      atom,
      fc.constantFrom('', ' &&', ' ||', ' && !', ' ||  ', '&&'),
    )
    .map(([pairs, last, tail]) => `${pairs.map(([a, op]) => `${a} ${op} `).join('')}${last}${tail}`);
  let marked = 0;
  fc.assert(
    fc.property(shape, (text) => {
      // Only dialects that tolerate a trailing operator reach the program passes with such shapes.
      const r = parseFilter(text, event, { nrCpuIds: 2, dialect: CORPUS_DIALECT });
      if (!r.ok && r.error.kernelUndefined) {
        marked++;
        assert.notEqual(kernelHazard(text), null, text);
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(marked > 50, `only ${marked} kernel-undefined shapes generated`);
});
