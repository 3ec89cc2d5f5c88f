// Typed instruction model and struct sock_filter codec: totality of fromRaw, canonical round trips, byte layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Insn, RawInsn } from '../../src/cbpf/index.ts';
import { decode, decodeChecked, encode, fromRaw, isCanonical, toRaw } from '../../src/cbpf/index.ts';
import { arbCanonicalProgram, arbRawInsn, arbRawProgram, VALID_CODES } from './arbitraries.ts';

test('the valid opcode set is exactly the kernel whitelist (chk_code_allowed): 49 codes', () => {
  assert.deepEqual(
    VALID_CODES.map((c) => `0x${c.toString(16)}`),
    [
      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0c, 0x14, 0x15, 0x16, 0x1c, 0x1d, 0x20, 0x24, 0x25,
      0x28, 0x2c, 0x2d, 0x30, 0x34, 0x35, 0x3c, 0x3d, 0x40, 0x44, 0x45, 0x48, 0x4c, 0x4d, 0x50, 0x54, 0x5c,
      0x60, 0x61, 0x64, 0x6c, 0x74, 0x7c, 0x80, 0x81, 0x84, 0x87, 0x94, 0x9c, 0xa4, 0xac, 0xb1,
    ].map((c) => `0x${c.toString(16)}`),
  );
});

test('fromRaw is total and never throws; unknown opcodes are explicit invalid instructions', () => {
  fc.assert(
    fc.property(arbRawInsn, (r) => {
      const i = fromRaw(r);
      if (i.kind === 'invalid') assert.deepEqual(toRaw(i), r);
      else assert.ok(VALID_CODES.includes(r.code));
    }),
    { numRuns: 2000 },
  );
  assert.deepEqual(fromRaw({ code: 0x0e, jt: 1, jf: 2, k: 3 }), {
    kind: 'invalid',
    raw: { code: 0x0e, jt: 1, jf: 2, k: 3 },
  });
  assert.equal(fromRaw({ code: 0x10006, jt: 0, jf: 0, k: 0 }).kind, 'invalid');
});

test('toRaw(fromRaw(r)) == r for canonical r, and is a fixed point otherwise', () => {
  fc.assert(
    fc.property(arbCanonicalProgram(1, 30), (p) => {
      for (const r of p) {
        assert.ok(isCanonical(r));
        assert.deepEqual(toRaw(fromRaw(r)), r);
      }
    }),
  );
  fc.assert(
    fc.property(arbRawInsn, (r) => {
      const c = toRaw(fromRaw(r));
      assert.deepEqual(toRaw(fromRaw(c)), c);
    }),
    { numRuns: 2000 },
  );
  // Ignored fields are dropped: ret a with k and jt set.
  assert.deepEqual(toRaw(fromRaw({ code: 0x16, jt: 3, jf: 4, k: 5 })), { code: 0x16, jt: 0, jf: 0, k: 0 });
});

test('typed forms of representative instructions (ancillary and negative offsets)', () => {
  const cases: [RawInsn, Insn][] = [
    [
      { code: 0x28, jt: 0, jf: 0, k: 12 },
      { kind: 'ld_abs', size: 'h', base: 'packet', offset: 12 },
    ],
    [
      { code: 0x30, jt: 0, jf: 0, k: 0xfffff030 },
      { kind: 'ld_anc', size: 'b', ext: 'vlan_tag_present' },
    ],
    [
      { code: 0x20, jt: 0, jf: 0, k: 0xfffff03c },
      { kind: 'ld_anc', size: 'w', ext: 'vlan_tpid' },
    ],
    [
      { code: 0x20, jt: 0, jf: 0, k: 0xfff00009 },
      { kind: 'ld_abs', size: 'w', base: 'net', offset: 9 },
    ],
    [
      { code: 0x30, jt: 0, jf: 0, k: 0xffe00000 },
      { kind: 'ld_abs', size: 'b', base: 'll', offset: 0 },
    ],
    [
      { code: 0x20, jt: 0, jf: 0, k: 0xfffff040 },
      { kind: 'ld_abs', size: 'w', base: 'packet', offset: 0xfffff040 },
    ],
    [
      { code: 0x50, jt: 0, jf: 0, k: 14 },
      { kind: 'ld_ind', size: 'b', offset: 14 },
    ],
    [
      { code: 0xb1, jt: 0, jf: 0, k: 14 },
      { kind: 'ldx_msh', offset: 14 },
    ],
    [
      { code: 0x15, jt: 1, jf: 2, k: 0x800 },
      { kind: 'jmp_k', cond: 'jeq', value: 0x800, jt: 1, jf: 2 },
    ],
    [
      { code: 0x4d, jt: 1, jf: 2, k: 0 },
      { kind: 'jmp_x', cond: 'jset', jt: 1, jf: 2 },
    ],
    [
      { code: 0x94, jt: 0, jf: 0, k: 7 },
      { kind: 'alu_k', op: 'mod', value: 7 },
    ],
    [
      { code: 0xac, jt: 0, jf: 0, k: 0 },
      { kind: 'alu_x', op: 'xor' },
    ],
    [{ code: 0x84, jt: 0, jf: 0, k: 0 }, { kind: 'neg' }],
    [{ code: 0x81, jt: 0, jf: 0, k: 0 }, { kind: 'ldx_len' }],
    [
      { code: 0x06, jt: 0, jf: 0, k: 0x40000 },
      { kind: 'ret_k', value: 0x40000 },
    ],
  ];
  for (const [r, i] of cases) {
    assert.deepEqual(fromRaw(r), i);
    assert.deepEqual(toRaw(i), r);
  }
});

test('encode: 8 bytes per instruction, u16 code | u8 jt | u8 jf | u32 k little-endian', () => {
  const bytes = encode([
    { code: 0x28, jt: 0, jf: 0, k: 12 }, // ldh [12]
    { code: 0x15, jt: 2, jf: 5, k: 0x86dd }, // jeq #0x86dd jt +2 jf +5
  ]);
  assert.deepEqual([...bytes], [0x28, 0, 0, 0, 12, 0, 0, 0, 0x15, 0, 2, 5, 0xdd, 0x86, 0, 0]);
});

test('decode(encode(p)) == p for any in-range program; encode(decode(b)) == b for whole records', () => {
  fc.assert(
    fc.property(arbRawProgram(0, 50), (p) => {
      const b = encode(p);
      assert.equal(b.length, p.length * 8);
      assert.deepEqual(decode(b), p);
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const whole = b.subarray(0, b.length - (b.length % 8));
      assert.deepEqual(encode(decode(b)), whole);
      assert.equal(decodeChecked(b).ok, b.length % 8 === 0);
    }),
  );
});

test('decode honours a subarray view (byteOffset)', () => {
  const buf = new Uint8Array(20);
  buf.set([0x06, 0, 0, 0, 1, 0, 0, 0], 4);
  assert.deepEqual(decode(buf.subarray(4, 12)), [{ code: 6, jt: 0, jf: 0, k: 1 }]);
});
