// SEAM (until the compiler's skb capture programs land): the pcap filter applied in user space. The capture
// programs of ./fixture-program.ts accept every packet; here libpcap compiles the filter (pcap_compile, once per
// link type: DLT_EN10MB for records that start at the Ethernet header, DLT_RAW for those that start at the
// network header) and its bpf_filter judges each record's bytes. When the compiled in-kernel filter replaces the
// fixture, `compileCaptureFilter` becomes a check that accepts everything the kernel already accepted.
// Invariants: the verdict is libpcap's own on the bytes a tap would show (VLAN tag reinserted); a filter libpcap
// rejects for Ethernet is an error value with libpcap's message; one it rejects only for raw IP (`ether host`)
// rejects every network-header record; dispose() releases libpcap's handles once.
import { DLT, loadLibpcap } from '@tfc/kernel/sys';

export interface CaptureFilter {
  /** libpcap's verdict on a packet's bytes (`start` 0: Ethernet header, 1: network header). */
  accepts(start: number, data: Uint8Array, len: number): boolean;
  /** Why network-header records are all rejected, when the filter does not compile for raw IP. */
  readonly rawRefusal?: string;
}

export type CompileFilterResult =
  | { readonly ok: true; readonly filter: CaptureFilter }
  | { readonly ok: false; readonly error: string; readonly usage?: boolean };

/** Compiles `expression` ('' accepts everything) for both link types. */
export function compileCaptureFilter(expression: string, snaplen: number): CompileFilterResult {
  if (expression.trim() === '') return { ok: true, filter: { accepts: () => true } };
  const lib = loadLibpcap();
  if (!lib.ok) return { ok: false, error: `libpcap is needed to filter: ${lib.reason}`, usage: true };
  const eth = lib.value.compiler(DLT.EN10MB, snaplen);
  const raw = lib.value.compiler(DLT.RAW, snaplen);
  try {
    const e = eth.compile(expression);
    if (!e.ok) return { ok: false, error: e.error };
    const r = raw.compile(expression);
    const filter = lib.value.filter;
    return {
      ok: true,
      filter: {
        accepts: (start, data, len) =>
          start === 0 ? filter(e.program, data, len) !== 0 : r.ok && filter(r.program, data, len) !== 0,
        ...(r.ok ? {} : { rawRefusal: r.error }),
      },
    };
  } finally {
    eth.dispose();
    raw.dispose();
  }
}
