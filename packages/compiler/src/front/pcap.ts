/*
 * The pcap front end: a libpcap filter expression parsed and lowered (libpcap 1.10 semantics, @tfc/pcap).
 * Invariants: every failure is a `parse` diagnostic with the expression's span; the link type and the scoped
 * encapsulation rule are the front end's options, passed through; pure.
 */
import { compilePcap, type PcapOptions } from '@tfc/pcap';
import { diagnosticsOf } from '../diagnostic.ts';
import type { FrontResult } from '../driver/stages.ts';

export interface PcapSource {
  readonly filter: string;
  readonly options: PcapOptions;
}

export function pcapFront(src: PcapSource): FrontResult {
  const front = compilePcap(src.filter, src.options);
  if (!front.ok) return { ok: false, diagnostics: diagnosticsOf('parse', front.diagnostics) };
  return { ok: true, ir: front.ir };
}
