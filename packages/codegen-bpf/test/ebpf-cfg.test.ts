// cfgProblem (src/ebpf-cfg.ts): the verifier's structural check on assembled programs — unreachable instructions,
// jumps out of range or into the second slot of an ld_imm64, falling off the end; clean programs pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alu32, assemble, exit, type Insn, ja, jmp, ldImm64, mov, R0, R1 } from '@tfc/bpf/ebpf';
import { cfgProblem } from '../src/ebpf-cfg.ts';

function asm(insns: Insn[]): Insn[] {
  const a = assemble(insns);
  assert.ok(a.ok);
  return a.ok ? a.insns : [];
}

test('cfgProblem: a program whose every instruction is reachable and ends in exit passes', () => {
  const p = asm([
    mov.imm(R1, 3),
    jmp.jeq.imm(R1, 3, 'yes'),
    alu32.mov.imm(R0, 0),
    exit(),
    { ...alu32.mov.imm(R0, 1), label: 'yes' },
    exit(),
  ]);
  assert.equal(cfgProblem(p), undefined);
});

test('cfgProblem: unreachable code, falling off the end, a jump into an ld_imm64', () => {
  assert.match(
    cfgProblem(asm([alu32.mov.imm(R0, 0), exit(), alu32.mov.imm(R0, 1), exit()]))!.message,
    /unreachable insn 2/,
  );
  assert.match(cfgProblem(asm([alu32.mov.imm(R0, 0)]))!.message, /jump out of range/);
  assert.equal(cfgProblem([])?.message, 'empty program');
  const p = asm([ldImm64(R1, 1n << 40n), ja('end'), { ...exit(), label: 'end' }]);
  const bad = p.map((i, k) => (k === 1 ? { ...i, off: -2 } : i));
  assert.match(cfgProblem(bad)!.message, /jump into the middle of ldimm64|jump out of range/);
});
