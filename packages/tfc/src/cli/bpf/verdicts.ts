/*
 * Verdicts of `tfc run`: running a program on packets in the VM, and rendering each outcome as one line.
 * Invariants: pure (the kernel runners live in kernel-run.ts and produce the same Outcome shapes, so a VM run and
 * a kernel run of the same program print identical lines wherever they agree); cBPF lines give the accepted
 * length min(ret, len) of the captured bytes; eBPF lines give r0 as the kernel's u32 retval with the TC_ACT_* /
 * XDP_* name for tc and xdp programs. Runtime faults are outcomes, never exceptions.
 */
import { imageLine, type RawInsn, run as runCbpf, type Semantics } from '@tfc/bpf/cbpf';
import {
  type Insn,
  prepare,
  run as runEbpf,
  skbTestRunInput,
  type VmMap,
  xdpTestRunInput,
} from '@tfc/bpf/ebpf';
import type { Packet } from './packets.ts';

export const PROG_TYPES = ['socket', 'tc', 'xdp'] as const;
export type ProgType = (typeof PROG_TYPES)[number];

/** include/uapi/linux/pkt_cls.h TC_ACT_* (as signed ints). */
const TC_ACT: Readonly<Record<number, string>> = {
  [-1]: 'TC_ACT_UNSPEC',
  0: 'TC_ACT_OK',
  1: 'TC_ACT_RECLASSIFY',
  2: 'TC_ACT_SHOT',
  3: 'TC_ACT_PIPE',
  4: 'TC_ACT_STOLEN',
  5: 'TC_ACT_QUEUED',
  6: 'TC_ACT_REPEAT',
  7: 'TC_ACT_REDIRECT',
  8: 'TC_ACT_TRAP',
};
/** include/uapi/linux/bpf.h enum xdp_action. */
const XDP_ACTION = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'] as const;

export type Outcome =
  /** cBPF: ret is the program's return value when known (the kernel socket only tells the delivered length). */
  | { readonly kind: 'cbpf'; readonly ret?: number; readonly accepted: number; readonly len: number }
  | { readonly kind: 'ebpf'; readonly r0: number; readonly progType: ProgType }
  | { readonly kind: 'error'; readonly message: string };

export function renderOutcome(index: number, o: Outcome): string {
  if (o.kind === 'error') return `${index}: error: ${o.message}`;
  if (o.kind === 'cbpf') {
    const ret = o.ret === undefined ? '' : ` (ret #${o.ret})`;
    return o.accepted === 0 && (o.ret === undefined || o.ret === 0)
      ? `${index}: drop${ret}`
      : `${index}: accept ${o.accepted} of ${o.len} bytes${ret}`;
  }
  const r0 = o.r0 >>> 0;
  if (o.progType === 'tc') return `${index}: r0 = ${r0} ${TC_ACT[r0 | 0] ?? 'TC_ACT_?'}`;
  if (o.progType === 'xdp') return `${index}: r0 = ${r0} ${XDP_ACTION[r0] ?? 'XDP_?'}`;
  return `${index}: r0 = ${r0}`;
}

/** cBPF outcome from the program's return value. */
export function cbpfOutcome(ret: number, packetLength: number): Outcome {
  const r = ret >>> 0;
  return { kind: 'cbpf', ret: r, accepted: Math.min(r, packetLength), len: packetLength };
}

export interface CbpfVmOptions {
  readonly semantics: Semantics;
}

export function runCbpfVm(p: readonly RawInsn[], packets: readonly Packet[], opts: CbpfVmOptions): Outcome[] {
  return packets.map((pkt) => {
    const r = runCbpf(p, pkt.data, { semantics: opts.semantics });
    if ('error' in r) return { kind: 'error', message: r.error };
    return cbpfOutcome(r.result, pkt.data.length);
  });
}

/** The VM's steps for one packet: the state (A, X) before each instruction, then the result line. */
export function traceCbpf(p: readonly RawInsn[], pkt: Packet, semantics: Semantics): string[] {
  const r = runCbpf(p, pkt.data, { semantics, trace: true });
  if ('error' in r) return [`error: ${r.error}`];
  const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
  const lines = (r.trace ?? []).map((s) => {
    const insn = p[s.pc];
    return `A=${hex(s.a)} X=${hex(s.x)}  ${insn === undefined ? `(${s.pc})` : imageLine(insn, s.pc)}`;
  });
  lines.push(`${r.steps} steps`);
  return lines;
}

/**
 * The bytes to hand BPF_PROG_TEST_RUN so that a program sees `frame` as its program type sees packets in use.
 * tc and XDP programs see the frame from the link header in both places. A socket filter on a packet socket
 * (what tfc compiles socket programs for) also sees the link header, but BPF_PROG_TEST_RUN strips it
 * (eth_type_trans) for socket filters: so the frame goes in behind a copy of its own 14-byte Ethernet header,
 * which the kernel strips, leaving the frame whole with the protocol and packet type its header gives.
 */
export function testRunFrame(frame: Uint8Array, progType: ProgType): Uint8Array {
  if (progType !== 'socket') return frame;
  const out = new Uint8Array(14 + frame.length);
  out.set(frame.subarray(0, 14));
  out.set(frame, 14);
  return out;
}

/** What the eBPF program sees for a frame (see testRunFrame), as BPF_PROG_TEST_RUN builds it. */
export function ebpfInput(frame: Uint8Array, progType: ProgType) {
  return progType === 'xdp'
    ? xdpTestRunInput(frame)
    : skbTestRunInput(testRunFrame(frame, progType), progType);
}

/** Runs `insns` in the VM on each packet; `maps` (empty at the start) live across the packets, as a loaded
 *  program's maps would. */
export function runEbpfVm(
  insns: readonly Insn[],
  packets: readonly Packet[],
  progType: ProgType,
  maps: readonly VmMap[] = [],
): Outcome[] {
  const prep = prepare(insns);
  if (!prep.ok) return packets.map(() => ({ kind: 'error', message: prep.error }));
  return packets.map((pkt) => {
    const r = runEbpf(prep.prog, ebpfInput(pkt.data, progType), { env: { maps } });
    if (!r.ok) return { kind: 'error', message: `${r.error} (insn ${r.pc})` };
    return { kind: 'ebpf', r0: Number(r.r0 & 0xffffffffn), progType };
  });
}
