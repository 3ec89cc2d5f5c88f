// cbpfToEbpf (src/cbpf-to-ebpf.ts and src/translate/): the classic program translated to eBPF as the kernel runs
// classic programs — a socket filter's header span copied once and read from the stack, LD_ABS for the rest; tc
// and xdp by direct access with bounds checks; the classic generator's little-endian assembly as one load; what it
// refuses — and a property that the translation agrees with the classic VM on every frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import { and, buildDag, cmp, filter, konst, load, type Pred } from '@tfc/ir';
import fc from 'fast-check';
import { genCbpf } from '../src/cbpf-gen.ts';
import { cbpfToEbpf } from '../src/cbpf-to-ebpf.ts';
import { packetFrameArb, packetPredArb } from './packet-filters.ts';

function classic(p: Pred, onMatch: number): cbpf.RawInsn[] {
  const d = buildDag(filter(p), 'cost');
  assert.ok(d.ok);
  if (!d.ok) throw new Error('dag');
  return genCbpf(d.dag, { onMatch, onMiss: 0, binarySearchMin: 8 });
}
const listing = (insns: ebpf.Insn[] | undefined) => {
  assert.ok(insns !== undefined);
  const a = ebpf.assemble(insns!);
  assert.ok(a.ok);
  return a.ok ? ebpf.disassemble(a.insns) : '';
};

const THREE: Pred = and(
  cmp('eq', 2, false, load('packet', 12, 2, 'be'), konst(0x800n)),
  cmp('eq', 2, false, load('packet', 14, 2, 'le'), konst(6n)),
  cmp('eq', 1, false, load('packet', 23, 1, 'be'), konst(6n)),
);

test('cbpfToEbpf (ld-abs): three constant loads copy the header span once; the LD_ABS body serves short packets', () => {
  const text = listing(
    cbpfToEbpf(classic(THREE, 0xffffffff), {
      mode: 'ld-abs',
      progType: 'socket',
      cbpfMatch: 0xffffffff,
      onMatch: 0xffffffff,
      onMiss: 0,
    }),
  );
  assert.match(text, /r4 = 24\n.*call bpf_skb_load_bytes#26/);
  assert.match(text, /r0 = \*\(u16 \*\)skb\[12\]/);
  // the little-endian u16 the classic program assembles from two bytes is one load (no swap from the copy)
  assert.match(text, /r0 = \*\(u16 \*\)\(r10 -80\)\n.*if w0 != 0x6/);
});

test('cbpfToEbpf (direct): each range checked against data_end before its load; returns mapped', () => {
  const text = listing(
    cbpfToEbpf(classic(THREE, 1), { mode: 'direct', progType: 'tc', cbpfMatch: 1, onMatch: 0, onMiss: 2 }),
  );
  assert.match(text, /r7 = \*\(u32 \*\)\(r6 \+76\)\nr?.*r8 = \*\(u32 \*\)\(r6 \+80\)/);
  assert.equal(text.split('\n').filter((l) => /if r1 > r8/.test(l)).length, 3);
  assert.match(text, /w0 = 0\n.*exit\n.*w0 = 2\n.*exit/);
});

test('cbpfToEbpf: `ret a` and returns other than match / 0 are refused in direct mode', () => {
  const retA = [cbpf.toRaw({ kind: 'ld_len' }), cbpf.toRaw({ kind: 'ret_a' })];
  assert.equal(
    cbpfToEbpf(retA, { mode: 'direct', progType: 'xdp', cbpfMatch: 1, onMatch: 2, onMiss: 1 }),
    undefined,
  );
  const ret7 = [cbpf.toRaw({ kind: 'ret_k', value: 7 })];
  assert.equal(
    cbpfToEbpf(ret7, { mode: 'direct', progType: 'tc', cbpfMatch: 1, onMatch: 0, onMiss: 2 }),
    undefined,
  );
  assert.ok(cbpfToEbpf(retA, { mode: 'ld-abs', progType: 'socket', cbpfMatch: 1, onMatch: 1, onMiss: 0 }));
});

test('property: the translation agrees with the classic VM (socket via LD_ABS, tc and xdp by direct access)', () => {
  let compared = 0;
  fc.assert(
    fc.property(packetPredArb, fc.array(packetFrameArb, { minLength: 3, maxLength: 3 }), (p, frames) => {
      const d = buildDag(filter(p), 'cost');
      if (!d.ok || (d.dag.mayAbort.some((m) => m) && !d.dag.abortSafe)) return;
      const prog = genCbpf(d.dag, { onMatch: 1, onMiss: 0, binarySearchMin: 8 });
      const vm = cbpf.compileVm(prog);
      const modes = [
        ['ld-abs', 'socket', 1, 0],
        ['direct', 'tc', 0, 2],
        ['direct', 'xdp', 2, 1],
      ] as const;
      for (const [mode, progType, onMatch, onMiss] of modes) {
        const insns = cbpfToEbpf(prog, { mode, progType, cbpfMatch: 1, onMatch, onMiss });
        if (insns === undefined) continue;
        const a = ebpf.assemble(insns);
        assert.ok(a.ok);
        if (!a.ok) return;
        for (const f of frames) {
          const input =
            progType === 'tc'
              ? ebpf.skbTestRunInput(f, 'tc')
              : progType === 'xdp'
                ? ebpf.xdpTestRunInput(f)
                : ({ kind: 'skb', packet: f } as const);
          const got = ebpf.run(a.insns, input);
          assert.ok(got.ok);
          if (!got.ok) return;
          assert.equal(Number(got.r0 & 0xffffffffn), vm(f) !== 0 ? onMatch : onMiss, `${mode} ${progType}`);
          compared++;
        }
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(compared > 500, `${compared} compared`);
});
