/*
 * `tfc run --kernel`: the same packets through the running kernel instead of the VM — cBPF attached with
 * SO_ATTACH_FILTER to an AF_UNIX datagram socketpair, eBPF loaded with BPF_PROG_LOAD and run with
 * BPF_PROG_TEST_RUN, with the maps it names created empty and linked (maps.ts).
 * Invariants: every kernel object opened here is disposed in a finally block before returning; the result says
 * apart "the kernel cannot be used here" (unavailable: no koffi, no privilege, no bpf(2) — exit 2) from "the
 * kernel refused this program" (rejected, with the checker errno or the verifier log — exit 1); per-packet
 * failures are Outcomes of kind 'error'.
 */
import type { Insn } from '@tfc/bpf/ebpf';
import { linkMaps } from '@tfc/codegen-bpf';
import {
  type BpfMap,
  createMap,
  loadKoffiSyscalls,
  loadProgram,
  openCbpfSocket,
  type ProgTypeName,
  type Result,
  type Syscalls,
  testRun,
  testRunFrameProblem,
} from '@tfc/kernel/sys';
import type { RunMapDef } from './maps.ts';
import type { Packet } from './packets.ts';
import { type Outcome, type ProgType, testRunFrame } from './verdicts.ts';

export type KernelRun =
  | { readonly ok: true; readonly outcomes: readonly Outcome[] }
  | {
      readonly ok: false;
      readonly kind: 'unavailable' | 'rejected';
      readonly message: string;
      readonly log?: string;
    };

const EPERM = 1;
const EACCES = 13;
const ENOSYS = 38;

function syscalls(): { ok: true; sys: Syscalls } | { ok: false; reason: string } {
  const s = loadKoffiSyscalls();
  return s.ok ? { ok: true, sys: s.value } : { ok: false, reason: s.reason };
}

/** Runs an encoded cBPF program (struct sock_filter bytes) on each packet through a filtered socket. */
export function runCbpfKernel(program: Uint8Array, packets: readonly Packet[]): KernelRun {
  const s = syscalls();
  if (!s.ok) return { ok: false, kind: 'unavailable', message: `the kernel cannot be used: ${s.reason}` };
  const max = Math.max(65536, ...packets.map((p) => p.data.length));
  const sock = openCbpfSocket(s.sys, program, max);
  if (!sock.ok) {
    const e = sock.error;
    const kind = e.op === 'SO_ATTACH_FILTER' && e.errno !== EPERM ? 'rejected' : 'unavailable';
    return {
      ok: false,
      kind,
      message: `${e.message}${kind === 'rejected' ? ': the kernel refuses the program' : ''}`,
    };
  }
  try {
    return {
      ok: true,
      outcomes: packets.map((pkt): Outcome => {
        const r = sock.value.run(pkt.data);
        if (!r.ok) return { kind: 'error', message: r.error.message };
        return { kind: 'cbpf', accepted: r.value.length, len: pkt.data.length };
      }),
    };
  } finally {
    sock.value.dispose();
  }
}

const KERNEL_TYPE: Readonly<Record<ProgType, ProgTypeName>> = {
  socket: 'SOCKET_FILTER',
  tc: 'SCHED_CLS',
  xdp: 'XDP',
};

/** Creates `defs` as kernel maps; on a failure releases the ones created. */
function createMaps(sys: Syscalls, defs: readonly RunMapDef[]): Result<BpfMap[]> {
  const made: BpfMap[] = [];
  for (const d of defs) {
    const m = createMap(sys, {
      type: d.type,
      keySize: d.keySize,
      valueSize: d.valueSize,
      maxEntries: d.maxEntries,
      name: d.name.slice(0, 15),
    });
    if (!m.ok) {
      for (const x of made) x.dispose();
      return m;
    }
    made.push(m.value);
  }
  return { ok: true, value: made };
}

/** Loads eBPF instructions as `progType` with their maps (created empty, linked by name) and test-runs each
 *  packet; the maps and the program are released before it returns. */
export function runEbpfKernel(
  insns: readonly Insn[],
  maps: readonly RunMapDef[],
  packets: readonly Packet[],
  progType: ProgType,
): KernelRun {
  const s = syscalls();
  if (!s.ok) return { ok: false, kind: 'unavailable', message: `the kernel cannot be used: ${s.reason}` };
  const made = createMaps(s.sys, maps);
  if (!made.ok) {
    const e = made.error;
    const denied = e.errno === EPERM || e.errno === EACCES || e.errno === ENOSYS;
    return { ok: false, kind: denied ? 'unavailable' : 'rejected', message: `creating a map: ${e.message}` };
  }
  try {
    const linked = linkMaps(insns, new Map(maps.map((d, i) => [d.name, made.value[i]!.fd])));
    if (!linked.ok) return { ok: false, kind: 'rejected', message: linked.message };
    return runLoaded(s.sys, linked.bytes, packets, progType);
  } finally {
    for (const m of made.value) m.dispose();
  }
}

function runLoaded(
  sys: Syscalls,
  insns: Uint8Array,
  packets: readonly Packet[],
  progType: ProgType,
): KernelRun {
  const type = KERNEL_TYPE[progType];
  const prog = loadProgram(sys, { type, insns, name: 'tfc_run' });
  if (!prog.ok) {
    const e = prog.error;
    const log = e.log ?? '';
    if (log.trim() === '' && (e.errno === EPERM || e.errno === EACCES || e.errno === ENOSYS)) {
      return {
        ok: false,
        kind: 'unavailable',
        message: `${e.message}: loading BPF programs needs CAP_BPF (or root) and a kernel with bpf(2)`,
      };
    }
    return { ok: false, kind: 'rejected', message: `${e.message}`, ...(log !== '' ? { log } : {}) };
  }
  try {
    return {
      ok: true,
      outcomes: packets.map((pkt): Outcome => {
        const data = testRunFrame(pkt.data, progType);
        const problem = testRunFrameProblem(type, data);
        if (problem !== undefined)
          return { kind: 'error', message: `BPF_PROG_TEST_RUN refuses the frame: ${problem}` };
        const r = testRun(sys, prog.value, { data });
        if (!r.ok) return { kind: 'error', message: r.error.message };
        return { kind: 'ebpf', r0: r.value.retval, progType };
      }),
    };
  } finally {
    prog.value.dispose();
  }
}
