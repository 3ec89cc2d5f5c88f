// The glob automaton equals glob_match (@tfc/ir globMatch, the restatement of lib/glob.c) on every
// pattern and array content; and compiled glob leaves agree with the IR in both VMs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import { evaluate, filter, globMatch, str } from '@tfc/ir';
import fc from 'fast-check';
import { globAutomaton, runGlobAutomaton } from '../src/glob-automaton.ts';
import { compileBpf } from '../src/index.ts';

const patChar = fc.constantFrom(0x61, 0x62, 0x2a, 0x3f, 0x5b, 0x5d, 0x21, 0x2d, 0x5c, 0x63);
const dataByte = fc.constantFrom(0, 0x61, 0x62, 0x63, 0x2a, 0x5b, 0x5d, 0x2d, 0x5c, 0x21, 0x7f, 0xff);

test('glob automaton = glob_match over char[N] (bytes past N read as 0)', () => {
  let cases = 0;
  fc.assert(
    fc.property(
      fc.array(patChar, { maxLength: 8 }),
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.array(dataByte, { minLength: 12, maxLength: 12 }), { minLength: 8, maxLength: 8 }),
      (pat, n, datas) => {
        const g = globAutomaton(pat, n);
        assert.ok(g !== undefined);
        for (const d of datas) {
          const data = Uint8Array.from(d.slice(0, n));
          assert.equal(
            runGlobAutomaton(g, data),
            globMatch(Uint8Array.from(pat), data),
            `pat ${JSON.stringify(String.fromCharCode(...pat))}`,
          );
          cases++;
        }
      },
    ),
    { numRuns: 1500 },
  );
  assert.ok(cases >= 12000);
});

test('glob on comm (eBPF tracepoint) and on a frame array (eBPF xdp, cBPF) matches the IR', () => {
  const comm = filter(str('glob', 'b*[!x]?', { kind: 'comm' }));
  const p = compileBpf(comm, { target: 'ebpf', ctx: 'tracepoint' });
  assert.ok(p.ok && p.program.target === 'ebpf');
  if (!p.ok || p.program.target !== 'ebpf') return;
  for (const name of ['bash', 'bx', 'bxx', 'b', 'bab', 'xbash', 'bzz', 'bzzzzzzzzzzzzzz']) {
    const bytes = new Uint8Array(16);
    bytes.set(new TextEncoder().encode(name));
    const want = evaluate(comm, { comm: bytes }) === 'accept' ? 1n : 0n;
    const r = ebpf.run(
      p.program.insns,
      { kind: 'tracepoint', record: new Uint8Array(16) },
      { env: { comm: name } },
    );
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.r0, want, name);
  }
  const arr = filter(str('glob', '*a[b-c]\\*', { kind: 'fixed', base: 'frame', offset: 2, size: 8 }));
  const e = compileBpf(arr, { target: 'ebpf', ctx: 'trace-frame', progType: 'xdp' });
  const c = compileBpf(arr, { target: 'cbpf', ctx: 'trace-frame' });
  assert.ok(e.ok && e.program.target === 'ebpf' && c.ok && c.program.target === 'cbpf');
  if (!e.ok || e.program.target !== 'ebpf' || !c.ok || c.program.target !== 'cbpf') return;
  const vm = cbpf.compileVm(c.program.insns);
  for (const text of ['xxab*', 'ac*', 'ab*zz', 'ab', 'aab*\0zz', 'ad*']) {
    for (const len of [60, 64, 70]) {
      const frame = new Uint8Array(len);
      frame.set(new TextEncoder().encode(text).subarray(0, len - 56), 56);
      const want = evaluate(arr, { packet: frame }) === 'accept';
      const r = ebpf.run(e.program.insns, ebpf.xdpTestRunInput(frame));
      assert.ok(r.ok);
      if (r.ok) assert.equal(r.r0, want ? 2n : 1n, `${text} ${len}`);
      assert.equal(vm(frame) !== 0, want, `${text} ${len}`);
    }
  }
});
