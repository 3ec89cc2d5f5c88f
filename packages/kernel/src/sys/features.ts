// Feature detection: what of bpf(2), cBPF sockets, tracepoints, bpffs and libpcap this machine offers.
// probeFeatures never touches tracefs (probeTracepoints does, separately, after a liveness probe).
// Invariants: never throws; every missing feature comes with a human-readable reason (not root,
// no bpf syscall, unprivileged_bpf_disabled, koffi missing…) suitable for a test skip message;
// every probe releases what it opened before returning.
import { existsSync, readFileSync } from 'node:fs';
import { probeTracefs } from '../tracefs/locate.ts';
import { errnoName } from './errno.ts';
import { type Loaded, loadKoffiSyscalls } from './koffi-syscalls.ts';
import { loadLibpcap } from './libpcap.ts';
import { parseCpuList, parseNrCpuIds } from './map.ts';
import { tracepointId } from './perf.ts';
import { loadProgram, testRun } from './prog.ts';
import { openCbpfSocket } from './socket-filter.ts';
import type { Syscalls } from './syscalls.ts';

export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface Features {
  readonly syscalls: Loaded<Syscalls>;
  readonly bpf: Availability;
  readonly testRun: Availability;
  readonly cbpfSocket: Availability;
  readonly bpffs: Availability;
  readonly libpcap: Availability;
  readonly possibleCpus: number;
}

/** `mov64 r0, 0; exit` */
export const TRIVIAL_EBPF = Uint8Array.of(0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0);
/** `ret #-1` */
export const TRIVIAL_CBPF = Uint8Array.of(0x06, 0, 0, 0, 0xff, 0xff, 0xff, 0xff);

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Number of possible CPUs (per-CPU map value stride), 1 if unknown. */
export function possibleCpuCount(): number {
  const t = readText('/sys/devices/system/cpu/possible');
  const n = t === undefined ? 0 : parseCpuList(t);
  return n > 0 ? n : 1;
}

/**
 * The kernel's nr_cpu_ids (highest possible CPU + 1: what CPUS{} and `cpu` mean in trace filters), 1 if unknown.
 * It differs from possibleCpuCount() when the possible CPUs have holes ("0,2-3": 4 ids, 3 CPUs).
 */
export function nrCpuIds(): number {
  const t = readText('/sys/devices/system/cpu/possible');
  const n = t === undefined ? 0 : parseNrCpuIds(t);
  return n > 0 ? n : 1;
}

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

function bpfReason(errno: number): string {
  const unpriv = readText('/proc/sys/kernel/unprivileged_bpf_disabled')?.trim() ?? '?';
  if (errno === 38) return 'no bpf syscall (ENOSYS: kernel built without CONFIG_BPF_SYSCALL)';
  if (errno === 1 || errno === 13) {
    return `bpf(2) refused with ${errnoName(errno)}: uid ${uid()} lacks CAP_BPF/CAP_SYS_ADMIN (kernel.unprivileged_bpf_disabled=${unpriv})`;
  }
  return `bpf(2) probe failed with ${errnoName(errno)}`;
}

function tracefsRoot(): string | undefined {
  for (const p of ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']) {
    if (existsSync(`${p}/events`)) return p;
  }
  return undefined;
}

/** Probes everything once; `sys` defaults to the koffi implementation. */
export function probeFeatures(sysLoad: Loaded<Syscalls> = loadKoffiSyscalls()): Features {
  const pcap = loadLibpcap();
  const libpcap: Availability = pcap.ok ? { ok: true } : { ok: false, reason: pcap.reason };
  const possibleCpus = possibleCpuCount();
  if (!sysLoad.ok) {
    const no = { ok: false, reason: sysLoad.reason } as const;
    return {
      syscalls: sysLoad,
      bpf: no,
      testRun: no,
      cbpfSocket: no,
      bpffs: no,
      libpcap,
      possibleCpus,
    };
  }
  const sys = sysLoad.value;
  let bpf: Availability;
  let test: Availability;
  const prog = loadProgram(sys, { type: 'SOCKET_FILTER', insns: TRIVIAL_EBPF, logLevel: 0 });
  if (prog.ok) {
    bpf = { ok: true };
    const r = testRun(sys, prog.value, { data: new Uint8Array(64) });
    test = r.ok ? { ok: true } : { ok: false, reason: `BPF_PROG_TEST_RUN: ${r.error.message}` };
    prog.value.dispose();
  } else {
    bpf = { ok: false, reason: bpfReason(prog.error.errno) };
    test = bpf;
  }
  const sock = openCbpfSocket(sys, TRIVIAL_CBPF);
  const cbpfSocket: Availability = sock.ok ? { ok: true } : { ok: false, reason: sock.error.message };
  if (sock.ok) sock.value.dispose();
  const mounts = readText('/proc/mounts') ?? '';
  const bpffs: Availability = mounts.split('\n').some((l) => l.split(' ')[2] === 'bpf')
    ? bpf
    : { ok: false, reason: 'no bpffs mounted (mount -t bpf bpf /sys/fs/bpf)' };
  return { syscalls: sysLoad, bpf, testRun: test, cbpfSocket, bpffs, libpcap, possibleCpus };
}

/**
 * Whether BPF tracepoint programs can be attached (tracefs mounted, syscalls:sys_enter_lseek present,
 * bpf(2) usable). Separate from probeFeatures because tracefs reads take the kernel's event_mutex:
 * packet-only users must not block on a busy tracefs.
 */
export async function probeTracepoints(features: Features): Promise<Availability> {
  if (!features.bpf.ok) return features.bpf;
  const root = tracefsRoot();
  if (root === undefined) return { ok: false, reason: 'tracefs not mounted (no /sys/kernel/tracing/events)' };
  // Read tracefs only after a detached child has shown that it answers (a wedged tracing subsystem blocks reads
  // forever in uninterruptible sleep).
  const stuck = await probeTracefs(root, 5000);
  if (stuck !== null) return stuck;
  const id = tracepointId('syscalls', 'sys_enter_lseek', root);
  return id.ok ? { ok: true } : { ok: false, reason: `${id.error.message} under ${root}` };
}

/** The mount point of the first bpffs, if any. */
export function bpffsMount(): string | undefined {
  const mounts = readText('/proc/mounts') ?? '';
  for (const l of mounts.split('\n')) {
    const f = l.split(' ');
    if (f[2] === 'bpf' && f[1] !== undefined) return f[1];
  }
  return undefined;
}
