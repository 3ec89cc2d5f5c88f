import fc from 'fast-check';
import { loadProgram, probeFeatures, testRun } from '../../src/sys/index.ts';
import { encodeSlots, listing } from './ebpf-bytes.ts';
import { lowerProgram, programArbitrary } from './gen-ebpf.ts';

const F = probeFeatures();
if (!F.syscalls.ok) throw 0;
const sys = F.syscalls.value;
const progs = fc.sample(programArbitrary(), { numRuns: 3000, seed: 9 });
const kinds = new Map<string, number>();
for (const p of progs) for (const it of p.items) kinds.set(it.k, (kinds.get(it.k) ?? 0) + 1);
console.log(kinds, progs.reduce((a, p) => a + p.items.length, 0) / progs.length);
const p = progs.find((x) => x.items.some((i) => i.k === 'ldabs') && x.items.length > 10)!;
const slots = lowerProgram(p);
console.log(listing(slots));
const r = loadProgram(sys, { type: 'SCHED_CLS', insns: encodeSlots(slots) });
if (!r.ok) console.log(r.error);
else {
  for (const n of [14, 40, 100])
    console.log(
      testRun(sys, r.value, { data: Uint8Array.from({ length: n }, (_, i) => i * 7) }).ok &&
        testRun(sys, r.value, { data: Uint8Array.from({ length: n }, (_, i) => i * 7) }),
    );
  r.value.dispose();
}
let ok = 0;
const errs = new Map<string, number>();
for (const q of progs) {
  const rr = loadProgram(sys, {
    type: q.kind === 'xdp' ? 'XDP' : 'SCHED_CLS',
    insns: encodeSlots(lowerProgram(q)),
  });
  if (rr.ok) {
    ok++;
    rr.value.dispose();
  } else errs.set(rr.error.message, (errs.get(rr.error.message) ?? 0) + 1);
}
console.log(ok, errs);
