// records.ts: records from JSON (layout, pseudo-keys, pointer strings, errors), zero-length __data_loc strings whose
// offset lies past the record, and linear time on megabytes of hex or digits.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { evaluate, type FilterEnv, parseFilter, parseFormat, recordFromJson } from '../src/index.ts';
import { fixtureEvent } from './corpus-helpers.ts';

const pv = fixtureEvent('fspecr_pv.format', 'fspecr', 'pv');
const env: FilterEnv = { nrCpuIds: 2 };

test('records from JSON: layout, pseudo-keys, pointers, errors', () => {
  const r = recordFromJson(pv, { a32: 7, s8: -1, str: 'hi', cpu: 1, comm: 'bash', arr: [1, 2, 3] });
  assert.ok(r.ok);
  const dv = new DataView(r.record.buffer, r.record.byteOffset, r.record.byteLength);
  assert.equal(r.record.length, 94 + 3);
  assert.equal(dv.getUint32(22, true), 7);
  assert.equal(dv.getInt8(17), -1);
  assert.equal(dv.getUint32(58, true), (3 << 16) | 94);
  assert.deepEqual([...r.record.subarray(94)], [0x68, 0x69, 0]);
  assert.deepEqual([...r.record.subarray(62, 65)], [1, 2, 3]);
  assert.equal(r.ctx.cpu, 1);
  assert.equal(Buffer.from(r.ctx.comm).toString('latin1'), 'bash\0\0\0\0\0\0\0\0\0\0\0\0');
  assert.equal(recordFromJson(pv, { s64: '-9223372036854775808' }).ok, true);
  assert.equal(recordFromJson(pv, { a64: '0xffffffffffffffff' }).ok, true);
  const bad = (j: unknown, re: RegExp) => {
    const x = recordFromJson(pv, j);
    assert.ok(!x.ok && re.test(x.error), JSON.stringify(j));
  };
  bad({ nope: 1 }, /unknown field 'nope'/);
  bad({ a8: 256 }, /a8.*out of range/);
  bad({ a8: -1 }, /a8.*negative/);
  bad({ s8: -129 }, /s8.*out of range/);
  bad({ a8: 1.5 }, /a8/);
  bad({ str: 5 }, /str/);
  bad({ comm: 'x'.repeat(16) }, /comm/);
  bad({ arr: new Array(17).fill(0) }, /arr/);
  bad([], /object/);
  bad({ raw: 'zz' }, /raw/);
  const raw = recordFromJson(pv, { raw: '0102', cpu: 1 });
  assert.ok(raw.ok && raw.record.length === 2 && raw.ctx.cpu === 1);

  const oa = fixtureEvent('syscalls_sys_enter_openat.format', 'syscalls', 'sys_enter_openat');
  const run = (filter: string, json: unknown): boolean => {
    const p = parseFilter(filter, oa, env);
    assert.ok(p.ok, filter);
    const rec = recordFromJson(oa, json);
    assert.ok(rec.ok, rec.ok ? '' : rec.error);
    return evaluate(p.filter, rec.record, rec.ctx);
  };
  assert.equal(run('filename == "/etc/x"', { filename: '/etc/x' }), true);
  assert.equal(run('filename != "/etc/y"', { filename: '/etc/x' }), true);
  assert.equal(
    run('filename.ustring == "/etc/x"', { filename: '/etc/x' }),
    false,
    'kernel pointer read as user faults',
  );
  assert.equal(run('filename.ustring == "/etc/x"', { filename: { user: '/etc/x' } }), true);
  assert.equal(
    run('filename != "x"', { filename: { user: '/etc/x' } }),
    false,
    'user pointer without .ustring faults',
  );
  assert.equal(run('filename != "x"', { filename: null }), false, 'NULL faults for != too');
  assert.equal(run('!(filename == "x")', { filename: null }), true, 'an outer ! inverts the fault false');
  assert.equal(run('filename.ustring ~ "*"', { filename: { user: 'y'.repeat(2000) } }), true);
  assert.equal(
    run(`filename.ustring ~ "*${'y'.repeat(10)}"`, { filename: { user: 'y'.repeat(2000) } }),
    true,
  );

  const dynEv = {
    system: 't',
    name: 'dyn',
    id: 1,
    fields: [
      {
        name: 'common_type',
        type: 'unsigned short',
        offset: 0,
        size: 2,
        signed: false,
        common: true,
        kind: 'other' as const,
      },
      {
        name: 'vals',
        type: '__data_loc u16[]',
        offset: 8,
        size: 4,
        signed: false,
        common: false,
        kind: 'other' as const,
      },
      {
        name: 's',
        type: '__rel_loc char[]',
        offset: 12,
        size: 4,
        signed: false,
        common: false,
        kind: 'rdyn_string' as const,
      },
    ],
  };
  const d = recordFromJson(dynEv, { vals: [1, 0x203] });
  assert.ok(d.ok);
  assert.deepEqual([...d.record], [0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 4, 0, 4, 0, 1, 0, 1, 0, 3, 2, 0]);
  const rel = parseFilter('s == ""', dynEv, env);
  assert.ok(rel.ok);
  assert.equal(evaluate(rel.filter, d.record, d.ctx), true);
  const rec2 = recordFromJson(dynEv, { s: 'xy' });
  assert.ok(rec2.ok);
  const relx = parseFilter('s ~ "*y" && vals == 16', dynEv, env);
  assert.ok(relx.ok);
  assert.equal(evaluate(relx.filter, rec2.record, rec2.ctx), true);

  const ipi = fixtureEvent('ipi_ipi_send_cpumask.format', 'ipi', 'ipi_send_cpumask');
  const m = (filter: string, cpus: number[]): boolean => {
    const p = parseFilter(filter, ipi, env);
    assert.ok(p.ok, filter);
    const rec = recordFromJson(ipi, { cpumask: cpus });
    assert.ok(rec.ok, rec.ok ? '' : rec.error);
    return evaluate(p.filter, rec.record, rec.ctx);
  };
  assert.equal(m('cpumask & CPUS{1}', [1]), true);
  assert.equal(m('cpumask == CPUS{1}', [0, 1]), false);
  assert.equal(m('cpumask == CPUS{1}', [1]), true);
  assert.equal(m('cpumask != CPUS{1}', [0, 1]), true);
  assert.equal(m('cpumask == CPUS{0-1}', [0, 1]), true);
  assert.equal(m('cpumask & CPUS{0-1}', [1]), true);
  assert.equal(m('cpumask & CPUS{,}', [1]), false);
});

test('a zero-length __data_loc string whose offset lies past the record is strcmp()ed against zero bytes', () => {
  // Regression (found by the lowering property test): the unbounded compare's limit went negative for an offset past
  // the record's end and the match succeeded. The kernel's strcmp sees NUL there: only "" matches.
  const fmt = parseFormat(readFileSync(new URL('./fixtures/fspecr_pv.format', import.meta.url), 'utf8'));
  assert.ok(fmt.ok);
  const rec = new Uint8Array(94);
  new DataView(rec.buffer).setUint32(58, 0x000003e8, true);
  const ctx = { cpu: 0, comm: new Uint8Array(16) };
  for (const [text, expected] of [
    ['str == "ab"', false],
    ['str == ""', true],
    ['str != "ab"', true],
  ] as const) {
    const f = parseFilter(text, fmt.event, { nrCpuIds: 2 });
    assert.ok(f.ok, text);
    assert.equal(evaluate(f.filter, rec, ctx), expected, text);
  }
});

test('records from JSON: megabytes of hex or digits are handled in linear time with short errors', () => {
  const raw = recordFromJson(pv, { raw: '00'.repeat(5_000_000) });
  assert.ok(raw.ok);
  assert.equal(raw.record.length, 5_000_000);
  const odd = recordFromJson(pv, { raw: '0'.repeat(1_000_001) });
  assert.deepEqual(odd, { ok: false, error: "field 'raw': expected a hex string of whole bytes" });
  const notHex = recordFromJson(pv, { raw: `${'00'.repeat(1_000_000)}zz` });
  assert.equal(notHex.ok, false);
  const big = recordFromJson(pv, { a64: '9'.repeat(1_000_000) });
  assert.deepEqual(big, {
    ok: false,
    error: "field 'a64': value of 1000000 characters out of range for a 8-byte field",
  });
  const zeros = recordFromJson(pv, { a64: `0x${'0'.repeat(100_000)}ff` });
  assert.ok(zeros.ok, zeros.ok ? '' : zeros.error);
  assert.equal(new DataView(zeros.record.buffer).getBigUint64(30, true), 0xffn);
  for (const extra of [{ a8: 0 }, { str: '' }, { a8: 1 }])
    assert.deepEqual(recordFromJson(pv, { raw: '00', ...extra }), {
      ok: false,
      error: "'raw' cannot be combined with field values",
    });
  assert.ok(recordFromJson(pv, { raw: '00', cpu: 1, comm: 'sh' }).ok);
  const edge = recordFromJson(pv, { a64: '18446744073709551616' });
  assert.deepEqual(edge, {
    ok: false,
    error: "field 'a64': value 18446744073709551616 out of range for a 8-byte field",
  });
});
