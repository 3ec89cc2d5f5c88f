// The kernel's classic checker (net/core/filter.c bpf_check_classic + check_load_and_stores) as diagnostics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawInsn } from '../../src/cbpf/index.ts';
import { validate } from '../../src/cbpf/index.ts';
import { corpusPrograms } from './corpus.ts';

const I = (code: number, k = 0, jt = 0, jf = 0): RawInsn => ({ code, jt, jf, k });
const RET0 = I(0x06, 0);
const messages = (p: RawInsn[]) => validate(p).map((d) => `${d.index}: ${d.message}`);

test('every corpus program without backward jumps is accepted; protochain (backward ja) is rejected', () => {
  for (const p of corpusPrograms()) {
    const d = validate(p.program);
    if (p.path.includes('protochain')) assert.match(d[0]!.message, /jumps past the last instruction/, p.path);
    else assert.deepEqual(d, [], p.path);
  }
});

test('bpf_check_basics_ok: 1..4096 instructions', () => {
  assert.deepEqual(messages([]), ['-1: empty program (the kernel requires 1..4096 instructions)']);
  assert.equal(validate(Array.from({ length: 4096 }, () => RET0)).length, 0);
  assert.match(messages(Array.from({ length: 4097 }, () => RET0))[0]!, /at most 4096/);
});

test('chk_code_allowed: unknown opcodes, including ret x, ldx [k] and ld|h|imm', () => {
  for (const code of [0x0e, 0x21, 0x08, 0x8c, 0xb0, 0x0d, 0xa1, 0x100]) {
    assert.match(messages([I(code), RET0])[0]!, /^0: opcode .* is not allowed/, `0x${code.toString(16)}`);
  }
});

test('division/modulo by constant 0 and constant shifts >= 32 are rejected', () => {
  assert.deepEqual(messages([I(0x34, 0), RET0]), ['0: div by constant 0']);
  assert.deepEqual(messages([I(0x94, 0), RET0]), ['0: mod by constant 0']);
  assert.deepEqual(messages([I(0x64, 32), RET0]), ['0: lsh by constant 32 (>= 32)']);
  assert.deepEqual(messages([I(0x74, 31), RET0]), []);
  assert.deepEqual(messages([I(0x3c), RET0]), []); // div x is checked at run time
});

test('scratch memory indexes must be < 16', () => {
  for (const code of [0x60, 0x61, 0x02, 0x03]) {
    assert.match(messages([I(0x02, 0), I(code, 16), RET0])[0]!, /^1: scratch memory index 16/);
  }
});

test('jumps: ja k < flen-pc-1 (forward only), jt/jf inside the program', () => {
  assert.deepEqual(messages([I(0x05, 0), RET0]), []);
  assert.match(messages([I(0x05, 1), RET0])[0]!, /^0: ja \+1 jumps past/);
  assert.match(messages([I(0x05, 0xffffffff), RET0])[0]!, /^0: ja/);
  assert.deepEqual(messages([I(0x15, 0, 0, 1), RET0, RET0]), []);
  assert.deepEqual(messages([I(0x15, 0, 2, 0), RET0, RET0]), ['0: jeq jt 2 jumps past the last instruction']);
});

test('unknown SKF_AD_OFF ancillary offsets are rejected; SKF_NET_OFF/SKF_LL_OFF are not', () => {
  assert.match(messages([I(0x20, 0xfffff040), RET0])[0]!, /unknown ancillary load SKF_AD_OFF\+64/);
  assert.match(messages([I(0x28, 0xfffff002), RET0])[0]!, /unknown ancillary/);
  assert.deepEqual(messages([I(0x30, 0xfffff030), RET0]), []);
  assert.deepEqual(messages([I(0x20, 0xfff00000), I(0x30, 0xffe00000), RET0]), []);
  assert.deepEqual(messages([I(0x40, 0xfffff040), RET0]), []); // [x+k] is only checked at run time
});

test('the last instruction must be ret #k or ret a', () => {
  assert.deepEqual(messages([I(0x00, 1)]), ['0: the last instruction must be a return (ret #k or ret a)']);
  assert.deepEqual(messages([I(0x16)]), []);
});

test('check_load_and_stores: M[i] must be written on every path before it is read', () => {
  assert.deepEqual(messages([I(0x60, 3), RET0]), ['0: M[3] may be read before it is written']);
  assert.deepEqual(messages([I(0x02, 3), I(0x60, 3), RET0]), []);
  // written only on the true branch of a jeq
  const p = [I(0x15, 0, 0, 1), I(0x02, 3), I(0x61, 3), I(0x16)];
  assert.deepEqual(messages(p), ['2: M[3] may be read before it is written']);
  // written on both paths
  assert.deepEqual(messages([I(0x02, 3), I(0x15, 0, 0, 1), I(0x03, 4), I(0x61, 3), I(0x16)]), []);
});
