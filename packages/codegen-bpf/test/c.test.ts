// The restricted C form: clang -O2 -target bpf compiles it, the object reads back, its program agrees
// with the IR evaluator in the VM (tracepoint, tc, xdp, socket) and passes the kernel verifier.
// Skips only when clang (or bpf(2) for the verifier part) is absent. Temporary files are removed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ebpf from '@tfc/bpf/ebpf';
import { readObject } from '@tfc/bpf/elf';
import { evaluate } from '@tfc/ir';
import { loadProgram, probeFeatures } from '@tfc/kernel/sys';
import { filterArb, inputArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { cForm, compileBpf } from '../src/index.ts';
import { forFrame, forTracepoint, makeFrame, sanitizeComm } from './transform.ts';

function hasClang(): boolean {
  try {
    execFileSync('clang', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = hasClang() ? false : 'clang not installed';
const F = probeFeatures();
const sys = F.syscalls.ok ? F.syscalls.value : undefined;
const FILTERS = Number(process.env.TFC_CODEGEN_C_FILTERS ?? 40);
const SEED = Number(process.env.TFC_SEED ?? 777);

function clang(dir: string, text: string, name: string): ebpf.Insn[] {
  const src = join(dir, `${name}.c`);
  const obj = join(dir, `${name}.o`);
  writeFileSync(src, text);
  execFileSync('clang', ['-O2', '-target', 'bpf', '-mcpu=v3', '-Wno-unused-label', '-c', src, '-o', obj], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const r = readObject(readFileSync(obj));
  assert.ok(r.ok, 'ELF read');
  if (!r.ok) return [];
  const prog = r.programs.find((p) => p.name === 'tfc_filter');
  assert.ok(prog, 'program tfc_filter');
  return prog?.insns ?? [];
}

test('C form: clang output agrees with the IR (VM) and passes the verifier', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), `tfc-c-${process.pid}-`));
  let compared = 0;
  let loaded = 0;
  try {
    const filters = fc.sample(filterArb, { numRuns: FILTERS, seed: SEED });
    const inputs = fc.sample(inputArb, { numRuns: 12, seed: SEED + 1 });
    const heads = fc.sample(fc.uint8Array({ minLength: 54, maxLength: 54 }), { numRuns: 12, seed: SEED + 2 });
    filters.forEach((raw, k) => {
      for (const ctx of ['tracepoint', 'tc', 'xdp', 'socket'] as const) {
        const ir = ctx === 'tracepoint' ? forTracepoint(raw) : forFrame(raw);
        const r = compileBpf(ir, {
          target: 'ebpf',
          ctx: ctx === 'tracepoint' ? 'tracepoint' : 'trace-frame',
          progType: ctx === 'tracepoint' ? 'tc' : ctx,
        });
        if (!r.ok || r.program.target !== 'ebpf') continue;
        const c = cForm(r.program);
        if (!c.ok || typeof c.data !== 'string') continue;
        const prog = r.program;
        const cText = c.data;
        const insns = clang(dir, cText, `f${k}${ctx}`);
        if (sys !== undefined) {
          const l = loadProgram(sys, { type: prog.progType, insns: ebpf.encode(insns) });
          assert.ok(l.ok, l.ok ? '' : `${l.error.message}\n${cText}\n${l.error.log ?? ''}`);
          if (l.ok) {
            loaded++;
            l.value.dispose();
          }
        }
        inputs.forEach((input, i) => {
          let got: ebpf.RunResult;
          let want: boolean;
          if (ctx === 'tracepoint') {
            const comm = sanitizeComm(input.comm);
            want = evaluate(ir, { ...input, comm: comm.bytes, packet: new Uint8Array(0) }) === 'accept';
            got = ebpf.run(
              insns,
              { kind: 'tracepoint', record: input.record! },
              {
                env: {
                  cpu: input.cpu ?? 0,
                  pid: input.pid ?? 0,
                  comm: comm.text,
                },
              },
            );
          } else {
            const frame = makeFrame(heads[i]!, input.record!.subarray(0, 64), i * 11);
            want = evaluate(ir, { packet: frame }) === 'accept';
            const vin: ebpf.VmInput =
              ctx === 'tc'
                ? ebpf.skbTestRunInput(frame, 'tc')
                : ctx === 'xdp'
                  ? ebpf.xdpTestRunInput(frame)
                  : { kind: 'skb', packet: frame };
            got = ebpf.run(insns, vin);
          }
          assert.ok(got.ok, got.ok ? '' : got.error);
          if (!got.ok) return;
          assert.equal(Number(got.r0 & 0xffffffffn), want ? prog.onMatch : prog.onMiss, cText);
          compared++;
        });
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`C form: ${compared} cases compared, ${loaded} clang programs verified`);
  assert.ok(compared >= FILTERS * 12);
});
