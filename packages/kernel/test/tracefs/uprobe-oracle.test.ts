// The uprobe oracle against the live kernel. Invariants: runs as root on a machine with tracefs and
// uprobes (skips with the reason otherwise); every kernel object is released in t.after, and the
// test checks that the instances and the probe are really gone; verdicts are compared with kernel
// results recorded by the researchers (the shared corpus, selected by corpus-cases.ts), not with
// anything computed here.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readRawFormat, stripLogTimestamps, UprobeOracle } from '@tfc/kernel/tracefs';
import { loadCorpusCases } from './corpus-cases.ts';

const CORPUS = loadCorpusCases();

async function startOrSkip(t: { skip: (m: string) => void }): Promise<UprobeOracle | null> {
  const o = await UprobeOracle.start({ tag: 'ut' });
  if ('ok' in o) {
    t.skip(o.reason);
    return null;
  }
  return o;
}

test('uprobe oracle: live format, corpus verdicts, errors, cleanup', async (t) => {
  const o = await startOrSkip(t);
  if (o === null) return;
  let disposed = false;
  t.after(async () => {
    if (!disposed) await o.dispose();
  });

  await t.test('format lists every fetched member with its kind', () => {
    const f = readRawFormat(o.format);
    assert.ok(f);
    const byName = new Map(f.fields.map((x) => [x.name, x]));
    const expect: [string, string, number, boolean][] = [
      ['idx', 'u32', 4, false],
      ['u8', 'u8', 1, false],
      ['s8', 's8', 1, true],
      ['u16', 'u16', 2, false],
      ['s16', 's16', 2, true],
      ['u32', 'u32', 4, false],
      ['s32', 's32', 4, true],
      ['u64', 'u64', 8, false],
      ['s64', 's64', 8, true],
      ['str', '__data_loc char[]', 4, true],
      ['x32', 'u32', 4, false],
      ['bf', 'u32', 4, false],
      ['a4', 'u8[]', 4, false],
      ['arr', 'u8[]', 16, false],
      ['cm', '__data_loc char[]', 4, true],
    ];
    for (const [name, type, size, signed] of expect) {
      const fld = byName.get(name);
      assert.ok(fld, `field ${name}`);
      assert.deepEqual([fld.type, fld.size, fld.signed], [type, size, signed], name);
    }
  });

  await t.test(`replays ${CORPUS.cases.length} recorded kernel results`, async () => {
    let records = 0;
    for (const c of CORPUS.cases) {
      const recs = c.cases.map((k) => {
        const a = BigInt.asUintN(64, BigInt(k.a));
        return {
          u8: a,
          s8: a,
          u16: a,
          s16: a,
          u32: a,
          s32: a,
          u64: a,
          s64: a,
          str: Buffer.from(k.str),
          comm: c.comm,
          ...(k.cpu === undefined ? {} : { cpu: k.cpu }),
        };
      });
      const what = `${c.filter} (${c.source}: ${JSON.stringify(c.original)})`;
      const r = await o.judge(c.filter, recs);
      assert.equal(r.errno, c.errno, `errno of ${what}`);
      assert.equal(r.filterFile, c.filterFile, `filter file of ${what}`);
      assert.equal(stripLogTimestamps(r.errorLog), c.errorLog, `error_log of ${what}`);
      if (c.errno === null) {
        assert.deepEqual(
          r.accepted,
          c.cases.map((k) => k.kept),
          `verdicts of ${what}`,
        );
        records += recs.length;
      }
    }
    t.diagnostic(
      `${CORPUS.cases.length} corpus entries replayed (${records} records), ${CORPUS.excluded.length} left out`,
    );
  });

  await t.test('mirror bytes carry the fired values; NULL strings are recorded', async () => {
    const r = await o.judge('u16 == 513', [
      { u16: 513, u64: 0x0102030405060708n, str: Buffer.from('abc'), cpu: 1, comm: 'tfc-x' },
      { u16: 1, str: null, cpu: 0 },
    ]);
    assert.equal(r.errno, null);
    assert.deepEqual(r.accepted, [true, false]);
    assert.deepEqual(r.cpus, [1, 0]);
    const f = readRawFormat(o.format);
    assert.ok(f);
    const off = (n: string): number => f.fields.find((x) => x.name === n)?.offset ?? -1;
    const d0 = Buffer.from(r.records[0] ?? new Uint8Array());
    assert.equal(d0.readUInt16LE(off('u16')), 513);
    assert.equal(d0.readBigUInt64LE(off('u64')), 0x0102030405060708n);
    assert.equal(d0.readInt32LE(4), o.pid);
    const loc = d0.readUInt32LE(off('str'));
    assert.equal(d0.subarray(loc & 0xffff, (loc & 0xffff) + (loc >>> 16)).toString('latin1'), 'abc\0');
    const cl = d0.readUInt32LE(off('cm'));
    assert.equal(d0.subarray(cl & 0xffff, (cl & 0xffff) + (cl >>> 16)).toString('latin1'), 'tfc-x\0');
  });

  await t.test('a rejected filter leaves nothing fired and reports the errno', async () => {
    const r = await o.judge('u8 == 1 u8 == 2', [{ u8: 1 }]);
    assert.equal(r.errno, 'EPERM');
    assert.deepEqual(r.accepted, []);
    assert.match(r.filterFile, /Too many terms/);
    const big = await o.judge(`u8 == 1${' '.repeat(4100)}`, [{ u8: 1 }]);
    assert.equal(big.errno, 'EINVAL');
  });

  await t.test('dispose removes the instances and the probe', async () => {
    const ev = o.event;
    assert.ok(existsSync(`/sys/kernel/tracing/events/${ev.group}/${ev.event}`));
    await o.dispose();
    disposed = true;
    assert.ok(!existsSync(`/sys/kernel/tracing/events/${ev.group}`));
    assert.ok(!readFileSync('/sys/kernel/tracing/uprobe_events', 'utf8').includes(`${ev.group}/`));
    assert.ok(!existsSync(`/sys/kernel/tracing/instances/tfc_judge_ut_${process.pid}_${o.pid}`));
    assert.ok(!existsSync(`/sys/kernel/tracing/instances/tfc_mirror_ut_${process.pid}_${o.pid}`));
    await assert.rejects(o.judge('u8 == 1', [{}]));
  });
});
