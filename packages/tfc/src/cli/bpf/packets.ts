/*
 * The packets `tfc run` feeds a program: hex strings from --packet, or every frame of a --pcap capture.
 * Invariants: pure; hex parsing accepts pairs of hex digits optionally separated by spaces, colons, dots or dashes
 * (and one leading 0x), and reports anything else as an error value naming the offending character; a capture
 * is read by the bounds-checked readers of ../../capture. Packets are numbered from 1 in input order.
 */
import { type Capture, readCapture } from '@tfc/live';

export interface Packet {
  /** 1-based position in the input. */
  readonly index: number;
  /** The captured bytes the program sees. */
  readonly data: Uint8Array;
  /** Original length (pcap orig_len; the byte count for --packet). */
  readonly len: number;
}

export type HexResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: string };

export function parseHex(text: string): HexResult {
  let s = text.trim();
  if (/^0x/i.test(s)) s = s.slice(2);
  const out = new Uint8Array(s.length >>> 1);
  let n = 0;
  let hi = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === ' ' || ch === ':' || ch === '.' || ch === '-' || ch === '\t') {
      if (hi >= 0) return { ok: false, error: `odd number of hex digits before position ${i + 1}` };
      continue;
    }
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return { ok: false, error: `'${ch}' at position ${i + 1} is not a hex digit` };
    if (hi < 0) hi = d;
    else {
      out[n++] = (hi << 4) | d;
      hi = -1;
    }
  }
  if (hi >= 0) return { ok: false, error: 'odd number of hex digits' };
  return { ok: true, bytes: out.slice(0, n) };
}

export type PacketsResult =
  | { readonly ok: true; readonly packets: readonly Packet[]; readonly capture?: Capture }
  | { readonly ok: false; readonly error: string };

export function packetsFromHex(texts: readonly string[]): PacketsResult {
  const packets: Packet[] = [];
  for (let i = 0; i < texts.length; i++) {
    const r = parseHex(texts[i]!);
    if (!r.ok) return { ok: false, error: `--packet #${i + 1}: ${r.error}` };
    packets.push({ index: i + 1, data: r.bytes, len: r.bytes.length });
  }
  return { ok: true, packets };
}

export function packetsFromCapture(bytes: Uint8Array, name: string): PacketsResult {
  const r = readCapture(bytes);
  if (!r.ok) return { ok: false, error: `${name}: ${r.error}` };
  const packets = r.capture.records.map((rec, i) => ({ index: i + 1, data: rec.data, len: rec.len }));
  return { ok: true, packets, capture: r.capture };
}
