// Test helper: the libpcap 1.10.3 golden corpus (filters, frames, per-frame verdicts), located relative
// to the repository root (../shared/corpus next to the checkout). Invariant: read-only, parsed once.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = fileURLToPath(
  new URL('../../../../shared/corpus/pcap-libpcap-1.10.3/', import.meta.url),
);

export interface CorpusFilter {
  readonly n: number;
  readonly filter: string;
  /** libpcap 1.10.3 optimized verdicts (null when the optimizer rejects the filter). */
  readonly v1_10_3_opt: readonly number[] | null;
  readonly v1_10_3_unopt: readonly number[] | null;
}

export function corpusFilters(): readonly CorpusFilter[] {
  const v = JSON.parse(readFileSync(`${CORPUS_DIR}semantic/verdicts.json`, 'utf8')) as {
    filters: CorpusFilter[];
  };
  return v.filters;
}

export function corpusFrames(): readonly {
  readonly n: number;
  readonly desc: string;
  readonly bytes: Uint8Array;
}[] {
  const p = JSON.parse(readFileSync(`${CORPUS_DIR}semantic/packets.json`, 'utf8')) as {
    n: number;
    desc: string;
    hex: string;
  }[];
  return p.map((x) => ({ n: x.n, desc: x.desc, bytes: Uint8Array.from(Buffer.from(x.hex, 'hex')) }));
}
