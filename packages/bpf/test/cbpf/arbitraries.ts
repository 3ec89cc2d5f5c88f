// Test helper: fast-check arbitraries for classic-BPF programs. Invariants: `arbRawProgram` covers every field
// value (any code, jt, jf, k); `arbCanonicalProgram` yields programs whose instructions are all canonical
// (insn.ts isCanonical) with jumps landing inside the program and a final return; `arbKernelProgram` yields programs the kernel's
// checker accepts (forward jumps, M[] written before read, last instruction a return).
import fc from 'fast-check';
import type { RawInsn } from '../../src/cbpf/index.ts';
import { fromRaw, toRaw, validate } from '../../src/cbpf/index.ts';

export const arbRawInsn: fc.Arbitrary<RawInsn> = fc
  .record({
    code: fc.integer({ min: 0, max: 0xffff }),
    jt: fc.integer({ min: 0, max: 255 }),
    jf: fc.integer({ min: 0, max: 255 }),
    k: fc.integer({ min: 0, max: 0xffffffff }),
  })
  .map((r) => ({ code: r.code, jt: r.jt, jf: r.jf, k: r.k }));

export function arbRawProgram(min: number, max: number): fc.Arbitrary<RawInsn[]> {
  return fc.array(arbRawInsn, { minLength: min, maxLength: max });
}

/** Valid opcodes of the kernel whitelist. */
export const VALID_CODES: readonly number[] = Array.from({ length: 256 }, (_, c) => c).filter(
  (c) => fromRaw({ code: c, jt: 0, jf: 0, k: 0 }).kind !== 'invalid',
);

const interestingK = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 80 }),
  fc.constantFrom(
    0xfffff000,
    0xfffff030,
    0xfffff02c,
    0xfff00000,
    0xfff0000e,
    0xffe00000,
    0x80000000,
    0xffffffff,
  ),
);

function canonicalize(r: RawInsn, pc: number, n: number): RawInsn {
  const c = toRaw(fromRaw(r));
  const room = Math.max(0, n - pc - 2);
  const cls = c.code & 7;
  if (cls === 5) {
    if (c.code === 0x05) return { ...c, k: room === 0 ? 0 : c.k % (room + 1) };
    return { ...c, jt: Math.min(c.jt, room), jf: Math.min(c.jf, room) };
  }
  return c;
}

export function arbCanonicalProgram(min: number, max: number): fc.Arbitrary<RawInsn[]> {
  return fc
    .array(
      fc.record({
        code: fc.constantFrom(...VALID_CODES),
        jt: fc.integer({ min: 0, max: 255 }),
        jf: fc.integer({ min: 0, max: 255 }),
        k: interestingK,
      }),
      { minLength: min, maxLength: max },
    )
    .map((rows) => {
      // A return at the end gives every jump a target inside the program.
      const p = [...rows, { code: 0x06, jt: 0, jf: 0, k: rows[0]!.k }];
      return p.map((r, pc) => canonicalize(r, pc, p.length));
    });
}

/** Programs the kernel accepts: canonical, small memory indexes and shifts, a return at the end. */
export function arbKernelProgram(maxLen: number): fc.Arbitrary<RawInsn[]> {
  return fc
    .array(
      fc.record({
        code: fc.constantFrom(...VALID_CODES),
        jt: fc.integer({ min: 0, max: 8 }),
        jf: fc.integer({ min: 0, max: 8 }),
        k: interestingK,
        small: fc.integer({ min: 0, max: 31 }),
        ret: fc.integer({ min: 0, max: 3 }),
      }),
      { minLength: 1, maxLength: maxLen },
    )
    .map((rows) => {
      const p: RawInsn[] = rows.map((r) => {
        let k = r.k;
        const c = r.code;
        if (c === 0x60 || c === 0x61 || c === 0x02 || c === 0x03) k = r.small & 15;
        if (c === 0x64 || c === 0x74) k = r.small;
        if ((c === 0x34 || c === 0x94) && k === 0) k = 1;
        if ((c === 0x20 || c === 0x28 || c === 0x30) && k >= 0xfffff000) k = 0xfffff000 + (r.small % 16) * 4;
        return { code: c, jt: r.jt, jf: r.jf, k };
      });
      p.push({ code: 0x06, jt: 0, jf: 0, k: rows[0]!.ret });
      const q = p.map((r, pc) => canonicalize(r, pc, p.length));
      // Make every scratch load legal: store A to all 16 words first (check_load_and_stores).
      const prologue: RawInsn[] = Array.from({ length: 16 }, (_, i) => ({ code: 0x02, jt: 0, jf: 0, k: i }));
      const prog = [...prologue, ...q];
      return validate(prog).length === 0 ? prog : [{ code: 0x06, jt: 0, jf: 0, k: 1 }];
    });
}
