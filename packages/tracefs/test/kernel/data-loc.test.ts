// Zero-length __data_loc strings against the live kernel. When a uprobe's string fetch fails (NULL
// pointer) the kernel stores a locator of length 0 whose offset is where the next dynamic field's data
// (here `cm`, the task name) then lands; the filter's full, prefix and substring matches strcmp() from
// that offset, so `str == "<comm>"` keeps a record whose str is NULL; suffix matches never match
// (strlen = len - 1 = -1) and globs see "" (`str ~ "\"`, a glob matching only "", keeps both).
// Invariants: the kernel is the reference; tfc's reference interpreter must agree on the kernel's own
// bytes, also when they come in as a {"raw": hex} record, and so must the IR (lowered, before and
// after the passes) on the record and on the record carried in a trace frame; the expected kernel
// verdicts are pinned so a kernel change is noticed; the oracle is released in t.after.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Filter as IrFilter, evaluate as irEvaluate, runPasses } from '@tfc/ir';
import { UprobeOracle } from '@tfc/kernel/tracefs';
import {
  type EventFormat,
  encodeTraceFrame,
  evaluate,
  type Filter,
  lowerFilter,
  parseFilter,
  recordFromJson,
} from '@tfc/tracefs';
import { started } from './judge.ts';

const COMM = 'tfc-dl';
// Records: str NULL with comm COMM, str NULL with comm "x", str "tfc-dl" with comm COMM.
const CASES: readonly (readonly [string, string])[] = [
  ['str == "tfc-dl"', '101'],
  ['str == ""', '000'],
  ['str != "tfc-dl"', '010'],
  ['str ~ "tfc*"', '101'],
  ['str ~ "*dl"', '001'],
  ['str ~ "*c-d*"', '101'],
  ['str ~ "t?c-dl"', '001'],
  ['str ~ "tfc-dl"', '101'],
  ['str ~ "*"', '001'],
  ['str == "tfc"', '000'],
  ['str ~ "!tfc*"', '010'],
  ['cm == "tfc-dl"', '101'],
  ['str ~ "\\"', '110'],
  ['str ~ "tfc-dlx*"', '000'],
  ['str ~ "**"', '111'],
  ['str ~ "!*c-d*"', '010'],
];

test('zero-length __data_loc locators: the kernel compares from the offset, and so does tfc', async (t) => {
  const s = started(t, await UprobeOracle.start({ tag: 'dataloc' }));
  if (s === null) return;
  const { oracle, event } = s;
  const strField = event.fields.find((f) => f.name === 'str');
  assert.ok(strField);
  const records = [
    { str: null, comm: COMM },
    { str: null, comm: 'x' },
    { str: Buffer.from(COMM), comm: COMM },
  ];
  for (const [filter, expected] of CASES) {
    const k = await oracle.judge(filter, records);
    assert.equal(k.errno, null, filter);
    assert.equal(k.accepted.map(Number).join(''), expected, `kernel verdicts on ${filter}`);
    const loc = Buffer.from(k.records[0] as Uint8Array).readUInt32LE(strField.offset);
    assert.equal(loc >>> 16, 0, 'a NULL string gives a zero-length locator');
    const p = parseFilter(filter, event, { nrCpuIds: 2 });
    assert.ok(p.ok && p.filter, filter);
    for (const [i, rec] of k.records.entries()) {
      const comm = new Uint8Array(16);
      comm.set(Buffer.from(records[i]?.comm ?? ''));
      const ctx = { cpu: k.cpus[i] ?? 0, comm };
      assert.equal(evaluate(p.filter, rec, ctx), k.accepted[i], `${filter} on kernel bytes of record ${i}`);
      const raw = recordFromJson(event, { raw: Buffer.from(rec).toString('hex') });
      assert.ok(raw.ok);
      assert.equal(evaluate(p.filter, raw.record, ctx), k.accepted[i], `${filter} on {"raw"} record ${i}`);
      const want = k.accepted[i] ? 'accept' : 'reject';
      for (const ir of lowered(p.filter, event, 'record'))
        assert.equal(
          irEvaluate(ir, { record: rec, cpu: ctx.cpu, comm }),
          want,
          `IR: ${filter} on record ${i}`,
        );
      const frame = encodeTraceFrame(rec, { eventId: event.id, cpu: ctx.cpu, comm });
      for (const ir of lowered(p.filter, event, 'trace-frame'))
        assert.equal(irEvaluate(ir, { packet: frame }), want, `IR: ${filter} on the frame of record ${i}`);
    }
  }
});

function lowered(filter: Filter, event: EventFormat, ctx: 'record' | 'trace-frame'): IrFilter[] {
  const r = lowerFilter(filter, event, { ctx, nrCpuIds: 2 });
  assert.ok(r.ok, r.ok ? '' : r.diagnostics.map((d) => d.message).join('; '));
  const o = runPasses(r.ir, { verifyEach: true });
  assert.ok(o.ok);
  return [r.ir, o.ir];
}
