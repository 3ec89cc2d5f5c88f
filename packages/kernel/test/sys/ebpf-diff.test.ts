// Differential test of eBPF: generated verifier-safe programs (./gen-ebpf.ts) × fast-check frames,
// the kernel's BPF_PROG_TEST_RUN (sched_cls and XDP, JIT on) against the @tfc/bpf VM. The exit value
// is compared as the kernel reports it: retval = low 32 bits of r0. Every generated program must
// pass the verifier (checked without the VM too). Disagreements are printed with the program
// listing, packet hex and both results, and appended to /tmp/bpf-disagreements.txt.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type BpfProgram,
  loadProgram,
  probeFeatures,
  testRun,
  testRunFrameProblem,
} from '../../src/sys/index.ts';
import { encodeSlots, listing } from './ebpf-bytes.ts';
import { type EbpfRun, loadEbpfVm } from './ebpf-vm.ts';
import { packetArbitrary } from './frames.ts';
import { type GenProgram, lowerProgram, programArbitrary } from './gen-ebpf.ts';

const F = probeFeatures();
const sys = F.syscalls.ok ? F.syscalls.value : undefined;
const vm = await loadEbpfVm();
const PROGRAMS = Number(process.env.TFC_EBPF_PROGRAMS ?? 300);
const PACKETS = Number(process.env.TFC_EBPF_PACKETS ?? 200);
const SEED = process.env.TFC_SEED !== undefined ? Number(process.env.TFC_SEED) : Date.now() % 0x7fffffff;
const DISAGREEMENTS = '/tmp/bpf-disagreements.txt';
const skipKernel = F.testRun.ok ? false : F.testRun.reason;

/** TEST_RUN needs at least an Ethernet header: shorter frames are zero-padded to 14 bytes. */
const frames = packetArbitrary().map((p) =>
  p.length >= 14 ? p : Uint8Array.from([...p, ...new Array<number>(14 - p.length).fill(0)]),
);

function load(p: GenProgram): { prog: BpfProgram; bytes: Uint8Array } | string {
  assert.ok(sys);
  const bytes = encodeSlots(lowerProgram(p));
  const r = loadProgram(sys, { type: p.kind === 'xdp' ? 'XDP' : 'SCHED_CLS', insns: bytes });
  return r.ok ? { prog: r.value, bytes } : `${r.error.message}\n${r.error.log ?? ''}`;
}

type VmRun = (bytes: Uint8Array, kind: 'sched_cls' | 'xdp', frame: Uint8Array, fuel: number) => EbpfRun;

/** Loads `p` once, runs every packet through TEST_RUN and `vmRun`; the first mismatch is described. */
function compare(
  p: GenProgram,
  pkts: readonly Uint8Array[],
  vmRun: VmRun,
): { pairs: number; refused: number; failure?: string } {
  assert.ok(sys);
  let pairs = 0;
  let refused = 0;
  const l = load(p);
  if (typeof l === 'string') return { pairs, refused, failure: `verifier rejected:\n${l}` };
  try {
    for (const pkt of pkts) {
      const k = testRun(sys, l.prog, { data: pkt, dataOutSize: 0 });
      const problem = testRunFrameProblem(p.kind === 'xdp' ? 'XDP' : 'SCHED_CLS', pkt);
      if (problem !== undefined) {
        // documented kernel input rule: the refusal must happen, and there is nothing to compare
        if (k.ok || k.error.errnoName !== 'EINVAL')
          return { pairs, refused, failure: `TEST_RUN accepted a frame it should refuse (${problem})` };
        refused++;
        continue;
      }
      if (!k.ok)
        return {
          pairs,
          refused,
          failure: `${p.kind} TEST_RUN failed: ${k.error.message} on packet (${pkt.length}) ${Buffer.from(pkt).toString('hex')}`,
        };
      const v = vmRun(l.bytes, p.kind, pkt, 100000);
      pairs++;
      const vr = v.ok ? Number(BigInt.asUintN(32, v.r0)) : undefined;
      if (vr !== k.value.retval) {
        const failure =
          `${p.kind} program:\n${listing(lowerProgram(p))}\npacket (${pkt.length}) ${Buffer.from(pkt).toString('hex')}\n` +
          `kernel retval=${k.value.retval} (0x${k.value.retval.toString(16)}) vm=${v.ok ? `r0=0x${BigInt.asUintN(64, v.r0).toString(16)}` : `error ${v.error}`}`;
        return { pairs, refused, failure };
      }
    }
    return { pairs, refused };
  } finally {
    l.prog.dispose();
  }
}

test('the @tfc/bpf eBPF VM is loadable (its absence would silently skip the comparison)', () => {
  assert.equal(typeof vm, 'object', typeof vm === 'string' ? vm : '');
});

test('every generated program passes the verifier (sched_cls and XDP)', { skip: skipKernel }, () => {
  const res = fc.check(
    fc.property(programArbitrary(), (p) => {
      const l = load(p);
      if (typeof l === 'string') throw new Error(`${listing(lowerProgram(p))}\n${l.slice(-2000)}`);
      l.prog.dispose();
      return true;
    }),
    { numRuns: 1000, seed: SEED },
  );
  assert.equal(
    res.failed,
    false,
    `seed ${SEED}: ${res.errorInstance instanceof Error ? res.errorInstance.message : ''}`,
  );
});

test('eBPF: BPF_PROG_TEST_RUN retval = @tfc/bpf VM r0 (low 32 bits) on generated programs × packets', {
  skip: skipKernel || (typeof vm === 'string' ? vm : false),
}, (t) => {
  assert.ok(sys && typeof vm !== 'string');
  let pairs = 0;
  let refused = 0;
  const failures: string[] = [];
  const check = (p: GenProgram, pkts: Uint8Array[]): string | undefined => {
    const r = compare(p, pkts, vm.run);
    pairs += r.pairs;
    refused += r.refused;
    return r.failure;
  };
  // No shrinking: the first failing (program, packet) is reported as found (each run costs a kernel load).
  let first: string | undefined;
  const res = fc.check(
    fc.property(
      programArbitrary(),
      fc.array(frames, { minLength: PACKETS, maxLength: PACKETS }),
      (p, pkts) => {
        const m = check(p, pkts);
        first ??= m;
        return m === undefined;
      },
    ),
    { numRuns: PROGRAMS, seed: SEED, endOnFailure: true },
  );
  if (res.failed) {
    failures.push(`seed ${SEED}:\n${first ?? 'unknown failure'}`);
    if (first?.includes(' vm='))
      appendFileSync(DISAGREEMENTS, `[ebpf ${new Date().toISOString()}] seed ${SEED}\n${first}\n\n`);
  }
  t.diagnostic(
    `eBPF pairs: ${pairs} (TEST_RUN vs VM, up to ${PROGRAMS} programs × ${PACKETS} frames; ${refused} frames refused by TEST_RUN as documented), seed ${SEED}`,
  );
  assert.equal(failures.length, 0, failures.join('\n\n'));
});

test('the comparison detects a VM that is off by one in bit 0 of r0 (negative control)', {
  skip: skipKernel || (typeof vm === 'string' ? vm : false),
}, () => {
  assert.ok(typeof vm !== 'string');
  const [p] = fc.sample(programArbitrary(['sched_cls']), { numRuns: 1, seed: 42 });
  assert.ok(p);
  const pkts = fc
    .sample(frames, { numRuns: 50, seed: 42 })
    .filter((f) => testRunFrameProblem('SCHED_CLS', f) === undefined);
  const honest = compare(p, pkts, vm.run);
  assert.equal(honest.failure, undefined);
  const broken: VmRun = (b, k, f, fuel) => {
    const r = vm.run(b, k, f, fuel);
    return r.ok ? { ok: true, r0: r.r0 ^ 1n } : r;
  };
  const r = compare(p, pkts, broken);
  assert.match(r.failure ?? '', /kernel retval=\d+ .* vm=r0=0x/);
});
