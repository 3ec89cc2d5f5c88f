// Round-trip properties of the eBPF instruction model (fast-check): encode/decode are byte-exact in
// both byte orders for ANY field values, parseAsm inverts disassemble for any instruction list, and
// instructions built with the DSL always print in kernel syntax (never the raw fallback).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  alu32,
  alu64,
  assemble,
  atomic,
  bswap,
  call,
  callKfunc,
  callLocal,
  decode,
  disassemble,
  encode,
  exit,
  gotol,
  type Insn,
  ja,
  jmp,
  jmp32,
  ldImm64,
  ldMapFd,
  mayGoto,
  mem,
  movsx32,
  movsx64,
  parseAsm,
  type Reg,
  toBe,
  toLe,
  tryDecode,
  withLabel,
} from '@tfc/bpf/ebpf';
import fc from 'fast-check';

const anyInsn: fc.Arbitrary<Insn> = fc
  .record({
    code: fc.integer({ min: 0, max: 255 }),
    dst: fc.integer({ min: 0, max: 15 }),
    src: fc.integer({ min: 0, max: 15 }),
    off: fc.integer({ min: -32768, max: 32767 }),
    imm: fc.integer({ min: -2147483648, max: 2147483647 }),
    hi: fc.integer({ min: 0, max: 0xffffffff }),
    wide: fc.boolean(),
  })
  .map(({ code, dst, src, off, imm, hi, wide }) => {
    if (code !== 0x18 || !wide) return { code, dst, src, off, imm };
    return { code, dst, src, off, imm, imm64: (BigInt(hi) << 32n) | BigInt(imm >>> 0) };
  });

test('encode/decode round-trip any fields, both byte orders', () => {
  fc.assert(
    fc.property(
      fc.array(anyInsn, { maxLength: 30 }),
      fc.constantFrom('le' as const, 'be' as const),
      (p, order) => {
        const bytes = encode(p, order);
        assert.deepEqual(decode(bytes, order), p);
        assert.deepEqual(encode(decode(bytes, order), order), bytes);
      },
    ),
    { numRuns: 2000 },
  );
});

test('decode(encode) is byte-exact for arbitrary byte strings', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
      const bytes = raw.subarray(0, raw.length - (raw.length % 8));
      assert.deepEqual(encode(decode(bytes, 'le'), 'le'), bytes);
      assert.deepEqual(encode(decode(bytes, 'be'), 'be'), bytes);
    }),
    { numRuns: 1000 },
  );
  assert.equal(tryDecode(new Uint8Array(7)).ok, false);
});

test('be layout swaps the register nibbles and the byte order of off/imm', () => {
  const i: Insn = { code: 0x61, dst: 1, src: 2, off: 8, imm: 0x01020304 };
  assert.deepEqual([...encode([i], 'le')], [0x61, 0x21, 8, 0, 4, 3, 2, 1]);
  assert.deepEqual([...encode([i], 'be')], [0x61, 0x12, 0, 8, 1, 2, 3, 4]);
});

test('parseAsm(disassemble(p)) == p for any instruction list', () => {
  fc.assert(
    fc.property(fc.array(anyInsn, { maxLength: 30 }), (p) => {
      const r = parseAsm(disassemble(p));
      assert.ok(r.ok, r.ok ? '' : `${r.error} at line ${r.line}\n${disassemble(p)}`);
      assert.deepEqual(r.insns, p);
    }),
    { numRuns: 3000 },
  );
});

const reg = fc.integer({ min: 0, max: 9 }) as fc.Arbitrary<Reg>;
const anyReg = fc.integer({ min: 0, max: 10 }) as fc.Arbitrary<Reg>;
const s32 = fc.integer({ min: -2147483648, max: 2147483647 });
const s16 = fc.integer({ min: -32768, max: 32767 });
const size = fc.constantFrom('b' as const, 'h' as const, 'w' as const, 'dw' as const);
const aluName = fc.constantFrom(
  ...(Object.keys(alu64) as (keyof typeof alu64)[]).filter((n) => n !== 'end' && n !== 'neg'),
);
const aluRegName = fc.constantFrom(
  ...(Object.keys(alu64) as (keyof typeof alu64)[]).filter((n) => n !== 'end' && n !== 'neg'),
);
const jmpName = fc.constantFrom(...(Object.keys(jmp) as (keyof typeof jmp)[]));

/** Valid instructions built with the DSL (one of every family). */
const dslInsn: fc.Arbitrary<Insn> = fc.oneof(
  fc.tuple(aluName, reg, s32, fc.boolean()).map(([n, d, imm, wide]) => (wide ? alu64 : alu32)[n].imm(d, imm)),
  fc
    .tuple(aluRegName, reg, anyReg, fc.boolean())
    .map(([n, d, s, wide]) => (wide ? alu64 : alu32)[n].reg(d, s)),
  fc.tuple(reg, fc.boolean()).map(([d, w]) => (w ? alu64 : alu32).neg.imm(d, 0)),
  fc.tuple(reg, anyReg, fc.constantFrom(8 as const, 16 as const)).map(([d, s, b]) => movsx32(d, s, b)),
  fc
    .tuple(reg, anyReg, fc.constantFrom(8 as const, 16 as const, 32 as const))
    .map(([d, s, b]) => movsx64(d, s, b)),
  fc
    .tuple(reg, fc.constantFrom(16 as const, 32 as const, 64 as const), fc.constantFrom(toBe, toLe, bswap))
    .map(([d, b, f]) => f(d, b)),
  fc.tuple(size, reg, anyReg, s16).map(([z, d, s, o]) => mem.ldx(z, d, s, o)),
  fc
    .tuple(fc.constantFrom('b' as const, 'h' as const, 'w' as const), reg, anyReg, s16)
    .map(([z, d, s, o]) => mem.ldxs(z, d, s, o)),
  fc.tuple(size, anyReg, s16, anyReg).map(([z, d, o, s]) => mem.stx(z, d, o, s)),
  fc.tuple(size, anyReg, s16, s32).map(([z, d, o, imm]) => mem.st(z, d, o, imm)),
  fc
    .tuple(fc.constantFrom('b' as const, 'h' as const, 'w' as const), s32)
    .map(([z, imm]) => mem.ldAbs(z, imm)),
  fc
    .tuple(fc.constantFrom('b' as const, 'h' as const, 'w' as const), reg, s32)
    .map(([z, s, imm]) => mem.ldInd(z, s, imm)),
  fc
    .tuple(
      fc.constantFrom('add' as const, 'or' as const, 'and' as const, 'xor' as const),
      fc.constantFrom('w' as const, 'dw' as const),
      anyReg,
      s16,
      reg,
      fc.boolean(),
    )
    .map(([n, z, d, o, s, f]) => atomic.op(n, z, d, o, s, f)),
  fc
    .tuple(fc.constantFrom('w' as const, 'dw' as const), anyReg, s16, reg)
    .map(([z, d, o, s]) => atomic.xchg(z, d, o, s)),
  fc
    .tuple(fc.constantFrom('w' as const, 'dw' as const), anyReg, s16, reg)
    .map(([z, d, o, s]) => atomic.cmpxchg(z, d, o, s)),
  fc.tuple(size, reg, anyReg, s16).map(([z, d, s, o]) => atomic.loadAcquire(z, d, s, o)),
  fc.tuple(size, anyReg, s16, reg).map(([z, d, o, s]) => atomic.storeRelease(z, d, o, s)),
  fc.tuple(reg, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([d, v]) => ldImm64(d, v)),
  fc.tuple(reg, fc.integer({ min: 0, max: 1000 })).map(([d, fd]) => ldMapFd(d, fd)),
  fc
    .tuple(jmpName, reg, s32, s16, fc.boolean())
    .map(([n, d, imm, o, w]) => (w ? jmp32 : jmp)[n].imm(d, imm, o)),
  fc
    .tuple(jmpName, anyReg, anyReg, s16, fc.boolean())
    .map(([n, d, s, o, w]) => (w ? jmp32 : jmp)[n].reg(d, s, o)),
  s16.map((o) => ja(o)),
  s32.map((o) => gotol(o)),
  s16.map((o) => mayGoto(o)),
  fc.integer({ min: 0, max: 300 }).map((id) => call(id)),
  s32.map((o) => callLocal(o)),
  s32.map((id) => callKfunc(id)),
  fc.constant(exit()),
);

test('DSL-built instructions print in kernel syntax and round-trip', () => {
  fc.assert(
    fc.property(fc.array(dslInsn, { minLength: 1, maxLength: 20 }), (p) => {
      const text = disassemble(p);
      assert.ok(!text.includes(' raw '), text);
      const r = parseAsm(text);
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.deepEqual(r.insns, p);
      assert.deepEqual(decode(encode(p)), p);
    }),
    { numRuns: 2000 },
  );
});

test('assemble resolves labels in slots, errors are values', () => {
  const p = [
    jmp.jeq.imm(2, 6, 'accept'),
    ldImm64(0, 5n),
    withLabel(ja('out'), 'accept'),
    callLocal('fn'),
    withLabel(exit(), 'out'),
    withLabel(gotol('out'), 'fn'),
  ];
  const a = assemble(p);
  assert.ok(a.ok);
  assert.deepEqual(
    a.insns.map((i) => [i.off, i.imm]),
    [
      [2, 6],
      [0, 5],
      [1, 0],
      [0, 1],
      [0, 0],
      [0, -2],
    ],
  );
  assert.ok(a.insns.every((i) => i.label === undefined && i.target === undefined));
  const bad = assemble([jmp.jeq.imm(1, 0, 'nowhere'), withLabel(exit(), 'x'), withLabel(exit(), 'x')]);
  assert.deepEqual(bad, {
    ok: false,
    errors: [
      { index: 2, message: "duplicate label 'x'" },
      { index: 0, message: "unknown label 'nowhere'" },
    ],
  });
  const far: Insn[] = [ja('end'), ...Array.from({ length: 40000 }, () => exit()), withLabel(exit(), 'end')];
  const r = assemble(far);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.errors[0]!.message, /does not fit a signed 16-bit offset/);
  const farL = assemble([gotol('end'), ...far.slice(1)]);
  assert.ok(farL.ok);
  assert.equal(farL.insns[0]!.imm, 40000);
});

test('parseAsm accepts labels and symbolic targets', () => {
  const r = parseAsm(`
    r0 = 0            ; comment
    if r1 > 0x5 goto big
    exit
  big:
    r0 = 1
    exit`);
  assert.ok(r.ok);
  const a = assemble(r.insns);
  assert.ok(a.ok);
  assert.equal(
    disassemble(a.insns),
    '0: (b7) r0 = 0\n1: (25) if r1 > 0x5 goto pc+1\n2: (95) exit\n3: (b7) r0 = 1\n4: (95) exit',
  );
});

test('map names survive disassemble → parseAsm', () => {
  const p = [ldMapFd(1, 'counts'), exit()];
  const text = disassemble(p);
  assert.equal(text, '0: (18) r1 = map_fd[counts]\n2: (95) exit');
  const r = parseAsm(text);
  assert.ok(r.ok);
  assert.deepEqual(r.insns, p);
});
