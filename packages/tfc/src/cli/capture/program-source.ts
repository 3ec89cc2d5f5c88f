// Where the compiler's skb programs plug into `tfc capture`: the pcap filter compiled (compileSkbCapture) once per
// hook, for that hook's sk_buff argument, drop reason and location slots and its index, with the BTF layout; the
// session creates the program's own scratch record map and this module links it, the session's ring buffer, lost
// counter and (--path) followed-address map into the instructions. The filter runs in the kernel: a record reaches
// user space only when the filter accepted the packet at that hook, or (--path) when its skb is followed.
// Invariants: a source never creates kernel objects (the session does); a filter the compiler refuses is refused
// before anything is opened (`captureFilterCheck`, with the compiler's message and position); hooks that free the
// skb (kfree_skb, consume_skb) end a followed address.
import {
  type BpfFeatures,
  linkMaps,
  SKB_FOLLOW_MAP,
  SKB_LOST_MAP,
  SKB_RECORD_MAP,
  SKB_RINGBUF_MAP,
  type SkbLayout,
} from '@tfc/codegen-bpf';
import { compileSkbCapture, type Diagnostic, type PcapEnv, type PcapVersion } from '@tfc/compiler';
import type { CaptureMapRequest, CaptureProgramSource, Hook } from '@tfc/kernel/skb';
import { skbHookOf } from '../../host/skb-layout.ts';

/** What the filter's names and `ip broadcast` resolve against (`--names-from`, `--netmask`), and the libpcap
 *  version (`--pcap-version`): as for `tfc compile`. */
export interface CapturePcap {
  readonly env?: PcapEnv;
  readonly pcapVersion?: PcapVersion;
  /** The running kernel's eBPF features (may_goto loops for protochain walks; `--bpf-loops`). */
  readonly bpfFeatures?: BpfFeatures;
}

/** Hooks where the kernel frees the skb: a followed address ends there. */
export function freesSkb(h: Hook): boolean {
  return h.kind === 'tp_btf' && (h.target === 'kfree_skb' || h.target === 'consume_skb');
}

/** The compiler's diagnostics in words: a parse error with the filter and a caret under its position. */
export function renderFilterDiagnostics(filter: string, diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      if (d.span !== undefined && d.stage === 'parse') {
        const width = Math.max(1, d.span.end - d.span.start);
        return `${filter}\n${' '.repeat(d.span.start)}${'^'.repeat(width)}\n${d.message}`;
      }
      return `${d.stage}: ${d.message}`;
    })
    .join('\n');
}

export type FilterCheck =
  | { readonly ok: true; readonly notes: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** Compiles `filter` for the first hook: whether the compiler accepts it, and its notes (e.g. an L2-only filter). */
export function captureFilterCheck(
  filter: string,
  layout: SkbLayout,
  hook: Hook,
  snaplen: number,
  pcap: CapturePcap = {},
): FilterCheck {
  const r = compileSkbCapture({ filter, ...pcap, layout, hook: skbHookOf(hook), hookIndex: 0, snaplen });
  return r.ok
    ? { ok: true, notes: r.notes ?? [] }
    : { ok: false, error: renderFilterDiagnostics(filter, r.diagnostics) };
}

/** The capture programs for `filter` ('' accepts every packet) on the running kernel's `layout`. */
export function captureProgramSource(
  filter: string,
  layout: SkbLayout,
  pcap: CapturePcap = {},
): CaptureProgramSource {
  return (req) => {
    const r = compileSkbCapture({
      filter,
      ...pcap,
      layout,
      hook: skbHookOf(req.hook),
      hookIndex: req.hookIndex,
      snaplen: req.snaplen,
      countLost: true,
      ...(req.follow ? { follow: { ends: freesSkb(req.hook) } } : {}),
    });
    if (!r.ok) return { ok: false, error: renderFilterDiagnostics(filter, r.diagnostics) };
    const p = r.program;
    if (p.target !== 'ebpf') return { ok: false, error: 'the compiler did not produce an eBPF program' };
    const maps: CaptureMapRequest[] = [];
    for (const m of p.maps) {
      if (m.entries.length > 0)
        return { ok: false, error: `map ${m.name} needs entries (not supported here)` };
      maps.push({
        name: m.name,
        type: m.type === 'percpu_array' ? 'PERCPU_ARRAY' : 'HASH',
        keySize: m.keySize,
        valueSize: m.valueSize,
        maxEntries: m.maxEntries,
      });
    }
    if (!maps.some((m) => m.name === SKB_RECORD_MAP))
      return { ok: false, error: 'the program has no record map' };
    return {
      ok: true,
      program: {
        maps,
        link: (own, shared) => {
          const fds = new Map<string, number>(maps.map((m, i) => [m.name, own[i] ?? -1]));
          fds.set(SKB_RINGBUF_MAP, shared.ringbuf);
          fds.set(SKB_LOST_MAP, shared.lost);
          if (shared.follow !== undefined) fds.set(SKB_FOLLOW_MAP, shared.follow);
          const l = linkMaps(p.insns, fds);
          return l.ok ? { ok: true, insns: l.bytes } : { ok: false, error: l.message };
        },
      },
    };
  };
}
