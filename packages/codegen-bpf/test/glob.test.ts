// The glob automaton equals glob_match (@tfc/ir globMatch, the restatement of lib/glob.c) on every
// pattern and array content; and compiled glob leaves agree with the IR in both VMs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import { evaluate, filter, globMatch, str } from '@tfc/ir';
import fc from 'fast-check';
import { globAutomaton, runGlobAutomaton } from '../src/glob-automaton.ts';
import { globSegments, matchSegments } from '../src/glob-segments.ts';
import { compileBpf } from '../src/index.ts';
import { vmMaps } from './maps.ts';

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

test('glob segments (runtime-length strings) = glob_match on strings without NUL', () => {
  let cases = 0;
  let undefinedPatterns = 0;
  fc.assert(
    fc.property(
      fc.array(patChar, { maxLength: 10 }),
      fc.array(
        fc.array(
          dataByte.filter((b) => b !== 0),
          { maxLength: 14 },
        ),
        { minLength: 8, maxLength: 8 },
      ),
      (pat, datas) => {
        const segs = globSegments(pat);
        if (segs === undefined) {
          undefinedPatterns++;
          // Every NUL-free pattern has a segment form (a trailing backslash included).
          assert.fail(`no segments for ${JSON.stringify(String.fromCharCode(...pat))}`);
          return;
        }
        for (const d of datas) {
          const data = Uint8Array.from(d);
          assert.equal(
            matchSegments(segs, data),
            globMatch(Uint8Array.from(pat), data),
            `pat ${JSON.stringify(String.fromCharCode(...pat))} data ${JSON.stringify(String.fromCharCode(...d))}`,
          );
          cases++;
        }
      },
    ),
    { numRuns: 4000 },
  );
  assert.ok(cases > 20_000, `${cases} cases, ${undefinedPatterns} patterns without segments`);
});

const dynPattern = fc.array(fc.constantFrom(0x61, 0x62, 0x2a, 0x3f, 0x5b, 0x5d, 0x21, 0x2d, 0x63), {
  maxLength: 9,
});
const dynString = fc.array(fc.constantFrom(0, 0x61, 0x62, 0x63, 0x2a, 0x5b, 0x5d, 0x2d, 0xff), {
  maxLength: 24,
});

/** A 64-byte record: __data_loc word at 8 (string at 16, declared length `len`), char * at 24 (address 0x1000). */
function dynRecord(bytes: readonly number[], len: number): Uint8Array {
  const rec = new Uint8Array(64);
  const v = new DataView(rec.buffer);
  v.setUint32(8, ((len & 0xffff) << 16) | 16, true);
  rec.set(bytes.slice(0, 48), 16);
  v.setBigUint64(24, 0x1000n, true);
  return rec;
}

test('glob on __data_loc and char * strings (eBPF tracepoint): the VM agrees with the IR', () => {
  let cases = 0;
  fc.assert(
    fc.property(
      dynPattern,
      fc.boolean(),
      fc.array(fc.tuple(dynString, fc.integer({ min: 0, max: 60 })), { minLength: 6, maxLength: 6 }),
      (pat, negate, inputs) => {
        const text = String.fromCharCode(...pat);
        for (const source of [
          { kind: 'dataloc', base: 'record', offset: 8, rel: false, order: 'le' },
          { kind: 'ptr', base: 'record', offset: 24, order: 'le', space: 'kernel' },
        ] as const) {
          const ir = filter(str('glob', text, source, negate));
          const r = compileBpf(ir, { target: 'ebpf', ctx: 'tracepoint' });
          assert.ok(r.ok && r.program.target === 'ebpf', r.ok ? '' : JSON.stringify(r.diagnostics));
          if (!r.ok || r.program.target !== 'ebpf') return;
          const maps = vmMaps(r.program);
          for (const [bytes, len] of inputs) {
            const record = dynRecord(bytes, len);
            const memory = [
              { space: 'kernel' as const, address: 0x1000n, bytes: Uint8Array.from([...bytes, 0]) },
            ];
            const want = evaluate(ir, { record, memory }) === 'accept' ? 1n : 0n;
            const got = ebpf.run(
              r.program.insns,
              { kind: 'tracepoint', record },
              { env: { maps, kernelMemory: memory.map((m) => ({ addr: m.address, bytes: m.bytes })) } },
            );
            assert.ok(got.ok, got.ok ? '' : got.error);
            if (got.ok)
              assert.equal(
                got.r0,
                want,
                `${source.kind} ${JSON.stringify(text)} on ${JSON.stringify(bytes)} len ${len}`,
              );
            cases++;
          }
        }
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(cases >= 3600);
});
