// genEbpf (src/ebpf-gen.ts and src/ebpf/): the eBPF generator called directly on decision DAGs — the translation of
// each construct (record reads by helper, constant or ctx load; direct packet access guarded once per path; socket
// loads through bpf_skb_load_bytes; strings by the lowering's ops; the string buffer map listed once) and a
// property that its programs agree with the IR evaluator in the eBPF VM.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ebpf from '@tfc/bpf/ebpf';
import { and, buildDag, cmp, evaluate, type Filter, filter, konst, load, type Pred, str } from '@tfc/ir';
import { filterArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { type EbpfGenOptions, genEbpf } from '../src/ebpf-gen.ts';
import { forFrame, makeFrame } from './transform.ts';

const TP: EbpfGenOptions = {
  ctx: 'tracepoint',
  progType: 'socket',
  onMatch: 1,
  onMiss: 0,
  binarySearchMin: 8,
  setLookup: 'search',
  record: { commonType: 300 },
  bpfFeatures: { mayGoto: true },
};
const TC: EbpfGenOptions = { ...TP, ctx: 'trace-frame', progType: 'tc', onMatch: 0, onMiss: 2 };

function gen(f: Filter, o: EbpfGenOptions): { listing: string; insns: ebpf.Insn[]; maps: number } {
  const d = buildDag(f, 'source');
  assert.ok(d.ok);
  if (!d.ok) throw new Error('dag');
  const r = genEbpf(d.dag, o);
  const a = ebpf.assemble(r.insns);
  assert.ok(a.ok);
  if (!a.ok) throw new Error('assemble');
  return { listing: ebpf.disassemble(a.insns), insns: a.insns, maps: r.maps.length };
}
const count = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;

test('genEbpf: common_pid by bpf_get_current_pid_tgid, common_type as the layout constant, fields from ctx', () => {
  const { listing } = gen(
    filter(
      and(
        cmp('eq', 4, false, load('record', 4, 4, 'le'), konst(7n)),
        cmp('eq', 2, false, load('record', 0, 2, 'le'), konst(300n)),
        cmp('gt', 4, false, load('record', 16, 4, 'le'), konst(9n)),
      ),
    ),
    TP,
  );
  assert.match(listing, /call bpf_get_current_pid_tgid#14/);
  assert.match(listing, /r0 = 300\n/);
  assert.match(listing, /r0 = \*\(u32 \*\)\(r6 \+16\)/);
  assert.match(listing, /w0 = 1\n.*exit\n.*w0 = 0\n.*exit/);
});

test('genEbpf: direct packet access checks [0, 24) once on the path, not before every load', () => {
  const f: Pred = and(
    cmp('eq', 2, false, load('frame', 12, 2, 'be'), konst(0x800n)),
    cmp('eq', 1, false, load('frame', 0, 1, 'be'), konst(6n)),
    cmp('eq', 1, false, load('frame', 10, 1, 'be'), konst(1n)),
  );
  const { listing } = gen(filter(f), TC);
  // one guard per growing range: 14 + 54 (frame header) for the first leaf; the later leaves read inside it
  assert.equal(count(listing, /if r1 > r8/), 1);
});

test('genEbpf: socket packet loads go through bpf_skb_load_bytes, whose failure aborts', () => {
  const { listing } = gen(filter(cmp('eq', 2, false, load('frame', 12, 2, 'be'), konst(1n))), {
    ...TC,
    progType: 'socket',
    onMatch: 0xffffffff,
    onMiss: 0,
  });
  assert.match(listing, /call bpf_skb_load_bytes#26\n.*if r0 != 0x0 goto/);
});

test('genEbpf: comm full match is the lowering ops unrolled; a __data_loc search and a char * copy share one buffer map', () => {
  const { listing } = gen(filter(str('full', 'ab', { kind: 'comm' })), TP);
  assert.match(listing, /call bpf_get_current_comm#16/);
  assert.equal(count(listing, /r0 = \*\(u8 \*\)\(r10 -5(12|11|10)\)/), 3);
  const src = { kind: 'dataloc', base: 'record', offset: 8, order: 'le', rel: false } as const;
  const ptr = { kind: 'ptr', base: 'record', offset: 16, order: 'le', space: 'user' } as const;
  const twice = gen(filter(and(str('middle', 'ab', src), str('front', 'cd', ptr))), TP);
  assert.equal(twice.maps, 1);
});

test('property: genEbpf programs (tc, trace frames) agree with the IR evaluator in the VM', () => {
  let compared = 0;
  fc.assert(
    fc.property(
      filterArb,
      fc.uint8Array({ minLength: 120, maxLength: 120 }),
      fc.integer({ min: 0, max: 120 }),
      (raw, bytes, cut) => {
        const ir = forFrame(raw);
        const d = buildDag(ir, 'cost');
        if (!d.ok || (d.dag.mayAbort.some((m) => m) && !d.dag.abortSafe)) return;
        let r: ReturnType<typeof genEbpf>;
        try {
          r = genEbpf(d.dag, TC);
        } catch {
          return; // a construct the eBPF generator refuses (counted by vm-diff.test.ts)
        }
        const frame = makeFrame(bytes, bytes.subarray(54), cut);
        const want = evaluate(ir, { packet: frame }) === 'accept' ? TC.onMatch : TC.onMiss;
        const got = ebpf.run(r.insns, ebpf.skbTestRunInput(frame, 'tc'));
        assert.ok(got.ok);
        if (!got.ok) return;
        assert.equal(Number(got.r0 & 0xffffffffn), want);
        compared++;
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(compared > 100, `${compared} compared`);
});
