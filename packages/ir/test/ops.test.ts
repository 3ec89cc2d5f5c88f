// Walks the operator table: negation and swap are involutions and exact on every width/signedness,
// commutativity agrees with swap, and the cBPF/eBPF columns implement each op (checked by executing the
// named jump on the compared values).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  applyCmp,
  CMP_OP_NAMES,
  type CmpOp,
  cbpfOpcode,
  type EbpfJump,
  JUMP_OPCODES,
  OPS,
} from '../src/index.ts';

function signedView(v: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, v);
}

/** Semantics of a BPF jump on 64-bit register values (bits wide). */
function jump(j: EbpfJump, a: bigint, b: bigint, bits: number): boolean {
  const sa = signedView(a, bits);
  const sb = signedView(b, bits);
  switch (j) {
    case 'jeq':
      return a === b;
    case 'jne':
      return a !== b;
    case 'jgt':
      return a > b;
    case 'jge':
      return a >= b;
    case 'jlt':
      return a < b;
    case 'jle':
      return a <= b;
    case 'jsgt':
      return sa > sb;
    case 'jsge':
      return sa >= sb;
    case 'jslt':
      return sa < sb;
    case 'jsle':
      return sa <= sb;
    case 'jset':
      return (a & b) !== 0n;
  }
}

test('op table: every op has an entry and the table is closed under negation and swap', () => {
  assert.deepEqual(Object.keys(OPS).sort(), [...CMP_OP_NAMES].sort());
  for (const op of CMP_OP_NAMES) {
    const i = OPS[op];
    assert.equal(OPS[i.negation].negation, op, `neg(neg(${op}))`);
    assert.equal(OPS[i.swapped].swapped, op, `swap(swap(${op}))`);
    assert.equal(i.commutative, i.swapped === op, `${op} commutative ⇔ self-swapped`);
    assert.notEqual(i.negation, op);
    assert.equal(OPS[i.negation].ordered, i.ordered);
    assert.ok(i.ordered || i.ebpf.signed === i.ebpf.unsigned, `${op}: sign-agnostic ops use one jump`);
  }
});

const valueArb = fc.oneof(
  fc.constantFrom(0n, 1n, 0x7fn, 0x80n, 0xffn, 0xffffffffn),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
);

test('op table semantics: negation exact, swap exact, cBPF and eBPF jumps implement the op (20,000 cases)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...CMP_OP_NAMES),
      valueArb,
      valueArb,
      fc.boolean(),
      (op: CmpOp, a, b, signed) => {
        const i = OPS[op];
        const s = signed && i.ordered;
        const va = s ? signedView(a, 32) : a;
        const vb = s ? signedView(b, 32) : b;
        const r = applyCmp(op, va, vb);
        assert.equal(applyCmp(i.negation, va, vb), !r);
        assert.equal(applyCmp(i.swapped, vb, va), r);
        // cBPF: unsigned only, so test unsigned compares.
        if (!s) {
          const c = i.cbpf;
          assert.equal(jump(c.jump, a, b, 32) !== c.invert, r, `cbpf ${op}`);
        }
        const e = i.ebpf;
        assert.equal(jump(s ? e.signed : e.unsigned, a, b, 32) !== e.invert, r, `ebpf ${op}`);
      },
    ),
    { numRuns: 20_000 },
  );
});

test('cBPF opcodes: BPF_JMP | op | src', () => {
  assert.deepEqual(cbpfOpcode('eq', 'k'), { code: 0x15, invert: false });
  assert.deepEqual(cbpfOpcode('ne', 'x'), { code: 0x1d, invert: true });
  assert.deepEqual(cbpfOpcode('lt', 'k'), { code: 0x35, invert: true });
  assert.deepEqual(cbpfOpcode('set', 'k'), { code: 0x45, invert: false });
  assert.equal(JUMP_OPCODES.jslt, 0xc0);
});

test('target columns: eq is expressible everywhere, ranges only by expansion except in P4 range', () => {
  assert.equal(OPS.eq.tcU32, 'yes');
  assert.equal(OPS.eq.flower, 'yes');
  assert.equal(OPS.lt.p4Range, 'yes');
  assert.equal(OPS.lt.tcU32, 'expand');
  assert.equal(OPS.ne.flower, 'no');
});
