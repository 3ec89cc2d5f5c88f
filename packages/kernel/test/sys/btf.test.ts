// BTF lookup: a hand-built BTF blob (ids, kinds, member skipping), error values for malformed input
// (never a throw, also for random bytes), and the real vmlinux BTF of this machine.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  BTF_KIND,
  btfEnum,
  btfField,
  btfHookParams,
  btfNamed,
  findBtfType,
  parseBtf,
  tpBtfTypeId,
} from '../../src/sys/index.ts';

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

test('parseBtf: the type table of the hand-built blob, and an error value (never a throw) for random bytes', () => {
  const t = parseBtf(BLOB);
  assert.ok(t.ok);
  assert.equal(t.table.types.length, 9, 'void + 8 types');
  assert.equal(t.table.types[2]?.name, 'pair');
  assert.equal(t.table.types[2]?.members.length, 2);
  assert.equal(btfNamed(t.table, 'btf_trace_x', BTF_KIND.FUNC)?.id, 6);
  assert.equal(btfNamed(t.table, 'btf_trace_x', BTF_KIND.TYPEDEF)?.id, 4);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, magic) => {
      const b = bytes.slice();
      if (magic && b.length >= 2) {
        b[0] = 0x9f;
        b[1] = 0xeb;
      }
      const r = parseBtf(b);
      if (r.ok) {
        btfField(r.table, 'pair', ['a', 'b']);
        btfHookParams(r.table, { kind: 'fentry', name: 'f' });
        btfEnum(r.table, 'e');
      }
      return typeof r.ok === 'boolean';
    }),
  );
});

test('vmlinux BTF: sk_buff members (nested anonymous members, the pkt_type bitfield), net_device.nd_net.net, enums, hook parameters', {
  skip: existsSync('/sys/kernel/btf/vmlinux') ? false : 'no vmlinux BTF',
}, () => {
  const t = parseBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
  assert.ok(t.ok);
  const T = t.table;
  const f = (s: string, p: string[]) => {
    const r = btfField(T, s, p);
    assert.ok(r.ok, r.ok ? '' : r.error);
    return r.field;
  };
  assert.equal(f('sk_buff', ['len']).size, 4);
  assert.equal(f('sk_buff', ['head']).size, 8);
  assert.equal(f('sk_buff', ['mac_header']).size, 2);
  const pt = f('sk_buff', ['pkt_type']);
  assert.equal(pt.bit?.bits, 3, 'pkt_type:3 is a bitfield');
  assert.equal(f('sk_buff', ['vlan_proto']).offset + 2, f('sk_buff', ['vlan_tci']).offset);
  assert.equal(f('net_device', ['nd_net', 'net']).size, 8);
  assert.equal(f('net', ['ns', 'inum']).size, 4);
  assert.equal(btfField(T, 'sk_buff', ['no_such_member']).ok, false);
  assert.equal(btfField(T, 'no_such_struct_tfc', ['x']).ok, false);
  assert.equal(btfEnum(T, 'skb_drop_reason')?.get('SKB_DROP_REASON_NOT_SPECIFIED'), 2n);
  const kfree = btfHookParams(T, { kind: 'tp_btf', name: 'kfree_skb' });
  assert.ok(kfree.ok);
  assert.equal(kfree.params[0]?.type, 'struct sk_buff *', 'the context pointer is not a parameter');
  assert.ok(kfree.params.some((p) => p.type === 'enum skb_drop_reason'));
  const rcv = btfHookParams(T, { kind: 'fentry', name: 'ip_rcv' });
  assert.ok(rcv.ok);
  assert.deepEqual(rcv.params[0], { name: 'skb', type: 'struct sk_buff *' });
  assert.equal(btfHookParams(T, { kind: 'fentry', name: 'no_such_function_tfc' }).ok, false);
});
