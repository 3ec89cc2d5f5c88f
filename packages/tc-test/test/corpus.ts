// Test helper: the libpcap 1.10.3 golden corpus (filters, frames, per-frame verdicts) from ../shared/corpus next to
// the checkout (TFC_CORPUS_DIR overrides). Invariant: read-only.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR =
  process.env.TFC_CORPUS_DIR ??
  fileURLToPath(new URL('../../../../shared/corpus/pcap-libpcap-1.10.3/', import.meta.url));

export interface CorpusFilter {
  readonly n: number;
  readonly filter: string;
  /** libpcap 1.10.3 optimized verdicts per frame (null when the optimizer rejects the filter). */
  readonly v1_10_3_opt: readonly number[] | null;
}

export function corpusFilters(): readonly CorpusFilter[] {
  return (JSON.parse(readFileSync(`${DIR}/semantic/verdicts.json`, 'utf8')) as { filters: CorpusFilter[] })
    .filters;
}

export function corpusFrames(): readonly {
  readonly n: number;
  readonly desc: string;
  readonly bytes: Uint8Array;
}[] {
  const p = JSON.parse(readFileSync(`${DIR}/semantic/packets.json`, 'utf8')) as {
    n: number;
    desc: string;
    hex: string;
  }[];
  return p.map((x) => ({ n: x.n, desc: x.desc, bytes: Uint8Array.from(Buffer.from(x.hex, 'hex')) }));
}
