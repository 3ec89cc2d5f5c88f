/*
 * compileSkbCapture(): a libpcap filter for packets seen at a kernel hook (`tp_btf/NAME` or `fentry/FUNC`) with a
 * `struct sk_buff *` argument — the skb front end (front/skb.ts: Ethernet and raw-IP halves, chosen by where the
 * packet starts), the passes, the eBPF target in its skb context (@tfc/codegen-bpf skb/program.ts).
 *
 *   compileSkbCapture({ filter, env, pcapVersion, layout, hook, hookIndex, snaplen, mode }) →
 *     { ok: true, program, notes } | { ok: false, diagnostics }
 *
 * `layout` is plain data (the sk_buff, net_device and net member offsets: the caller reads them from BTF, or uses
 * SKB_LAYOUT_SNAPSHOT, a labelled snapshot of one kernel build); `program.insns` refer to maps by name:
 * `program.maps` lists the per-CPU scratch record (`tfc_skb_rec`) to create, `program.capture.ringbuf` names the
 * BPF_MAP_TYPE_RINGBUF the loader creates; linkMaps(insns, fds by name) patches both fds. `program.attach` says how
 * to load (TRACING, expected attach type, the BTF name to resolve for attach_btf_id). Every accepted packet (mode
 * capture) becomes one record of the capture contract (REC offsets): 88 header bytes, then the captured bytes.
 * Invariants: pure and deterministic; never touches the kernel; the verdict on a packet is libpcap's for the same
 * bytes (DLT_EN10MB when it starts at L2, DLT_RAW at L3) with caplen = captured bytes and wirelen = packet length.
 */
import type { BpfFeatures, ProgramSpec, SkbHook, SkbLayout, SkbMode } from '@tfc/codegen-bpf';
import { compileBpf } from '@tfc/codegen-bpf';
import type { PcapVersion } from '@tfc/pcap';
import { bpfResult, type CompileResult } from './compile.ts';
import type { PcapEnv } from './compile-pcap.ts';
import { coded, summarize, summarized } from './diagnostic.ts';
import { drive } from './driver/drive.ts';
import { skbFront } from './front/skb.ts';
import { type OptLevel, optimizationPlan } from './options.ts';

export interface SkbCompileRequest {
  readonly filter: string;
  /** Names and the netmask the filter resolves against (as compilePcapFilter's `env`). */
  readonly env?: PcapEnv;
  /** The libpcap version whose semantics apply: '1.10' (default) or 'current'. */
  readonly pcapVersion?: PcapVersion;
  readonly layout: SkbLayout;
  readonly hook: SkbHook;
  /** The capture tool's number for this hook, written into every record. */
  readonly hookIndex?: number;
  /** Packet bytes copied at most (default 256, at most MAX_SNAPLEN). */
  readonly snaplen?: number;
  /** capture (default), verdict (every packet, with its verdict), return (the verdict as return value; tp_btf). */
  readonly mode?: SkbMode;
  /** An out-of-band VLAN tag: left out of the bytes (as-is, default) or put back after the MAC addresses. */
  readonly vlan?: 'as-is' | 'reinsert';
  /** Count records the ring buffer refuses in the shared per-CPU map `program.capture.lost` (SKB_LOST_MAP). */
  readonly countLost?: boolean;
  /** `tfc capture --path`: follow accepted skbs by address in the shared map `program.capture.follow`; `ends` at
   *  hooks that free the skb (kfree_skb, consume_skb). See SkbOptions.follow. */
  readonly follow?: { readonly ends: boolean };
  readonly optimize?: OptLevel;
  readonly dumpAfter?: string;
  /** What the target kernel's eBPF can do (may_goto loops for protochain walks); default the newest kernels'. */
  readonly bpfFeatures?: BpfFeatures;
}

export type SkbCompileResult = CompileResult & { readonly notes?: readonly string[] };

export function compileSkbCapture(req: SkbCompileRequest): SkbCompileResult {
  const plan = optimizationPlan(req.optimize);
  let note: string | undefined;
  const r = bpfResult(
    drive<ProgramSpec>({
      front: () => {
        const f = skbFront(req.filter, {
          ...req.env,
          ...(req.pcapVersion !== undefined ? { pcapVersion: req.pcapVersion } : {}),
        });
        if (!f.ok) return { ...f, diagnostics: summarize(f.diagnostics) };
        note = f.l3;
        return f;
      },
      plan,
      dumpAfter: req.dumpAfter,
      target: (optimized) => {
        const code = compileBpf(optimized, {
          target: 'ebpf',
          ctx: 'skb',
          optimize: false,
          order: plan.order,
          codePasses: plan.codePasses,
          ...(req.bpfFeatures !== undefined ? { bpfFeatures: req.bpfFeatures } : {}),
          skb: {
            layout: req.layout,
            hook: req.hook,
            hookIndex: req.hookIndex ?? 0,
            ...(req.snaplen !== undefined ? { snaplen: req.snaplen } : {}),
            mode: req.mode ?? 'capture',
            ...(req.vlan !== undefined ? { vlan: req.vlan } : {}),
            ...(req.countLost !== undefined ? { countLost: req.countLost } : {}),
            ...(req.follow !== undefined ? { follow: req.follow } : {}),
          },
        });
        return summarized(
          code.ok ? { ok: true, value: code.program } : { ok: false, diagnostics: coded(code.diagnostics) },
        );
      },
    }),
  );
  return r.ok && note !== undefined ? { ...r, notes: [note] } : r;
}
