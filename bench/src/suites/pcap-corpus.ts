/*
 * The libpcap corpus filters the bench suites compile (../shared/corpus/pcap-libpcap-1.10.3/index.json, next to
 * the checkout). Invariant: read-only; a missing or unreadable corpus is a note through `note` and no filters,
 * never an exception.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PCAP_CORPUS_INDEX = fileURLToPath(
  new URL('../../../../shared/corpus/pcap-libpcap-1.10.3/index.json', import.meta.url),
);

/** The corpus filter expressions in index order, or [] (after a note) when the corpus is not there. */
export function pcapCorpusFilters(note: (text: string) => void, what: string): string[] {
  try {
    const index = JSON.parse(readFileSync(PCAP_CORPUS_INDEX, 'utf8')) as { rows: { filter: string }[] };
    return index.rows.map((r) => r.filter);
  } catch {
    note(`no pcap corpus at ${PCAP_CORPUS_INDEX}; ${what} skipped`);
    return [];
  }
}
