/*
 * The decision list's Refusals in the words of the tc table backends (u32 knodes, flower filters).
 * Invariants: a reason never carries the "use --target tc-bpf" hint (callers append TC_BPF_HINT where the reason
 * ends a diagnostic, and `--target tc` lists reasons without it); a leaf is quoted in the IR's text form; a load
 * at a computed offset gets each backend's own explanation; limits and IR diagnostics keep their neutral words.
 */
import type { Refusal } from '@tfc/decision-list';

export type TableBackend = 'u32' | 'flower';

const COMPUTED_OFFSET: Record<TableBackend, string> = {
  u32: "u32 cannot express a load at a computed offset (tfc links one table for libpcap's IPv4 transport header; an offset computed from packet data beyond it, e.g. the TCP payload behind the data offset, is not linked)",
  flower:
    'flower keys come from fixed header offsets here: a load at a computed offset (e.g. IPv4 ports behind the IHL) is not mapped yet',
};

/** Why `backend` cannot take the filter, in its words (without the tc-bpf hint). */
export function refusalReason(r: Refusal, backend: TableBackend): string {
  switch (r.kind) {
    case 'unplaced-offset':
      return COMPUTED_OFFSET[backend];
    case 'leaf':
      return r.code === 'computed-offset'
        ? COMPUTED_OFFSET[backend]
        : `${backend} cannot express ${r.construct}: ${r.leaf}`;
    case 'unparsed':
    case 'parse-context':
      return `${backend} cannot express a read of ${r.where} outside the headers it matches: ${r.leaf}`;
    case 'limit':
      return r.message;
    case 'ir':
      return r.diagnostic.message;
  }
}
