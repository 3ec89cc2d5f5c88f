// The lowering of u32 arithmetic (src/lower/arith.ts): constant right operands (division by 0 aborts, shifts by 32
// or more give 0, constants cut to 32 bits) and the checks a runtime right operand needs — the IR evaluator's rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ArithOp, arith32 } from '@tfc/ir';
import fc from 'fast-check';
import { constArith, runtimeArithCheck } from '../src/lower/arith.ts';

test('constArith: abort, zero, or one ALU operation on the low 32 bits', () => {
  assert.deepEqual(constArith('/', 0n), { kind: 'abort' });
  assert.deepEqual(constArith('%', 0x1_0000_0000n), { kind: 'abort' });
  assert.deepEqual(constArith('<<', 32n), { kind: 'zero' });
  assert.deepEqual(constArith('>>', 31n), { kind: 'alu', op: 'rsh', k: 31 });
  assert.deepEqual(constArith('+', 0x1_0000_0005n), { kind: 'alu', op: 'add', k: 5 });
});

test('runtimeArithCheck: divisors and shift counts are checked, the rest is not', () => {
  const ops: ArithOp[] = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'];
  assert.deepEqual(ops.map(runtimeArithCheck), [
    undefined,
    undefined,
    undefined,
    'divisor',
    'divisor',
    undefined,
    undefined,
    undefined,
    'shift',
    'shift',
  ]);
});

test('property: constArith computes what the IR evaluator u32 arithmetic computes (arith32), aborts included', () => {
  const apply = (op: string, a: bigint, k: bigint): bigint => {
    const r: Record<string, (x: bigint, y: bigint) => bigint> = {
      add: (x, y) => x + y,
      sub: (x, y) => x - y,
      mul: (x, y) => x * y,
      div: (x, y) => x / y,
      mod: (x, y) => x % y,
      and: (x, y) => x & y,
      or: (x, y) => x | y,
      xor: (x, y) => x ^ y,
      lsh: (x, y) => x << y,
      rsh: (x, y) => x >> y,
    };
    return r[op]!(a, k) & 0xffffffffn;
  };
  fc.assert(
    fc.property(
      fc.constantFrom<ArithOp>('+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>'),
      fc.bigInt({ min: 0n, max: 0xffffffffn }),
      fc.oneof(
        fc.constantFrom(0n, 1n, 31n, 32n, 33n, 0x1_0000_0000n),
        fc.bigInt({ min: 0n, max: 2n ** 40n }),
      ),
      (op, a, k) => {
        const c = constArith(op, k);
        const want = arith32(op, a, k & 0xffffffffn);
        if (c.kind === 'abort') assert.ok(want < 0n, 'the IR aborts too');
        else assert.equal(c.kind === 'zero' ? 0n : apply(c.op, a, BigInt(c.k)), want);
      },
    ),
    { numRuns: 2000 },
  );
});
