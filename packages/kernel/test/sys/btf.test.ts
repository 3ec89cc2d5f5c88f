// BTF lookup: a hand-built BTF blob (ids, kinds, member skipping), error values for malformed input
// (never a throw, also for random bytes), and the real vmlinux BTF of this machine.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { BTF_KIND, findBtfType, tpBtfTypeId } from '../../src/sys/index.ts';

/** Builds BTF: types are [name, kind, vlen, sizeOrType, extraBytes]. */
function buildBtf(types: [string, number, number, number, number][]): Uint8Array {
  const strs: number[] = [0];
  const nameOff = (s: string): number => {
    if (s === '') return 0;
    const off = strs.length;
    strs.push(...new TextEncoder().encode(s), 0);
    return off;
  };
  const t: number[] = [];
  const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  for (const [name, kind, vlen, sz, extra] of types) {
    t.push(
      ...le32(nameOff(name)),
      ...le32(((kind << 24) | vlen) >>> 0),
      ...le32(sz),
      ...new Array<number>(extra).fill(0xee),
    );
  }
  const hdr = [
    0x9f,
    0xeb,
    1,
    0,
    ...le32(24),
    ...le32(0),
    ...le32(t.length),
    ...le32(t.length),
    ...le32(strs.length),
  ];
  return Uint8Array.from([...hdr, ...t, ...strs]);
}

const BLOB = buildBtf([
  ['int', BTF_KIND.INT, 0, 4, 4], // 1
  ['pair', BTF_KIND.STRUCT, 2, 8, 24], // 2: two members
  ['', BTF_KIND.PTR, 0, 2, 0], // 3
  ['btf_trace_x', BTF_KIND.TYPEDEF, 0, 3, 0], // 4
  ['e', BTF_KIND.ENUM, 3, 4, 24], // 5
  ['btf_trace_x', BTF_KIND.FUNC, 0, 3, 0], // 6: same name, other kind
  ['f', BTF_KIND.FUNC_PROTO, 2, 1, 16], // 7
  ['last', BTF_KIND.TYPEDEF, 0, 1, 0], // 8
]);

test('findBtfType: ids count from 1 and skip member records of every kind', () => {
  assert.deepEqual(findBtfType(BLOB, 'int'), { ok: true, id: 1 });
  assert.deepEqual(findBtfType(BLOB, 'pair'), { ok: true, id: 2 });
  assert.deepEqual(findBtfType(BLOB, 'btf_trace_x'), { ok: true, id: 4 });
  assert.deepEqual(findBtfType(BLOB, 'btf_trace_x', BTF_KIND.FUNC), { ok: true, id: 6 });
  assert.deepEqual(tpBtfTypeId(BLOB, 'x'), { ok: true, id: 4 });
  assert.deepEqual(findBtfType(BLOB, 'last'), { ok: true, id: 8 });
  assert.equal(findBtfType(BLOB, 'las').ok, false, 'prefix is not a match');
  assert.equal(findBtfType(BLOB, 'missing').ok, false);
});

test('findBtfType: malformed input is an error value', () => {
  assert.equal(findBtfType(new Uint8Array(10), 'int').ok, false);
  const bad = BLOB.slice();
  bad[0] = 0;
  assert.deepEqual(findBtfType(bad, 'int'), { ok: false, error: 'bad BTF magic' });
  assert.deepEqual(findBtfType(BLOB.subarray(0, 60), 'int'), {
    ok: false,
    error: 'BTF sections out of bounds',
  });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, magic) => {
      const b = bytes.slice();
      if (magic && b.length >= 2) {
        b[0] = 0x9f;
        b[1] = 0xeb;
      }
      const r = findBtfType(b, 'int');
      return typeof r.ok === 'boolean';
    }),
  );
});

test('vmlinux BTF has btf_trace_sys_enter', {
  skip: existsSync('/sys/kernel/btf/vmlinux') ? false : 'no vmlinux BTF',
}, () => {
  const r = tpBtfTypeId(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')), 'sys_enter');
  assert.ok(r.ok && r.id > 1);
});
