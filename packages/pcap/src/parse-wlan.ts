// The 802.11 frame-control primitives of grammar.y (libpcap 1.10.3): `type T [subtype S]`, `subtype S`,
// `dir D` / `direction D`, with its name tables (ieee80211_types, ieee80211_*_subtypes, the direction
// names) and its errors. Invariants: names compare case-insensitively (str2tok); values are the frame
// control bytes' bits (type in 0x0c, subtype in 0xf0 of byte 0; direction in 0x03 of byte 1).
import type { Expr } from './ast.ts';
import { fail } from './diagnostics.ts';
import type { Span, Token } from './tokens.ts';

const TYPE_MASK = 0x0c;
const SUBTYPE_MASK = 0xf0;
const TYPES: readonly (readonly [string, number])[] = [
  ['data', 0x08],
  ['mgt', 0x00],
  ['management', 0x00],
  ['ctl', 0x04],
  ['control', 0x04],
];
const SUBTYPES: readonly (readonly [number, readonly (readonly [string, number])[]])[] = [
  [
    0x00,
    [
      ['assocreq', 0x00],
      ['assoc-req', 0x00],
      ['assocresp', 0x10],
      ['assoc-resp', 0x10],
      ['reassocreq', 0x20],
      ['reassoc-req', 0x20],
      ['reassocresp', 0x30],
      ['reassoc-resp', 0x30],
      ['probereq', 0x40],
      ['probe-req', 0x40],
      ['proberesp', 0x50],
      ['probe-resp', 0x50],
      ['beacon', 0x80],
      ['atim', 0x90],
      ['disassoc', 0xa0],
      ['disassociation', 0xa0],
      ['auth', 0xb0],
      ['authentication', 0xb0],
      ['deauth', 0xc0],
      ['deauthentication', 0xc0],
    ],
  ],
  [
    0x04,
    [
      ['ps-poll', 0xa0],
      ['rts', 0xb0],
      ['cts', 0xc0],
      ['ack', 0xd0],
      ['cf-end', 0xe0],
      ['cf-end-ack', 0xf0],
    ],
  ],
  [
    0x08,
    [
      ['data', 0x00],
      ['data-cf-ack', 0x10],
      ['data-cf-poll', 0x20],
      ['data-cf-ack-poll', 0x30],
      ['null', 0x40],
      ['cf-ack', 0x50],
      ['cf-poll', 0x60],
      ['cf-ack-poll', 0x70],
      ['qos-data', 0x80],
      ['qos-data-cf-ack', 0x90],
      ['qos-data-cf-poll', 0xa0],
      ['qos-data-cf-ack-poll', 0xb0],
      ['qos', 0xc0],
      ['qos-cf-poll', 0xe0],
      ['qos-cf-ack-poll', 0xf0],
    ],
  ],
];
const DIRS: readonly (readonly [string, number])[] = [
  ['nods', 0],
  ['tods', 1],
  ['fromds', 2],
  ['dstods', 3],
];

export const WLAN_KEYWORDS: ReadonlySet<string> = new Set(['type', 'subtype', 'dir', 'direction']);

const find = (table: readonly (readonly [string, number])[], text: string) =>
  table.find(([n]) => n === text.toLowerCase())?.[1];
const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

/**
 * Parses the primitive that starts with keyword `t` (one of WLAN_KEYWORDS, already consumed); `next` reads
 * the following tokens, `syntax` reports a token that is not a name or number.
 */
export function parseWlan(t: Token, peek: () => Token, next: () => Token, syntax: (t: Token) => never): Expr {
  const word = (): Token => {
    const w = peek();
    if (w.kind !== 'num' && w.kind !== 'id') syntax(w);
    return next();
  };
  const end = (w: Token): Span => ({ start: t.span.start, end: w.span.end });
  const k = t.text.toLowerCase();
  if (k === 'dir' || k === 'direction') {
    const w = word();
    const v = w.kind === 'num' ? (w.value ?? 0) : find(DIRS, w.text);
    if (v === undefined) return fail('name', 'unknown 802.11 direction', w.span);
    return { kind: 'wlan', byte: 1, value: v, mask: 0x03, span: end(w) };
  }
  if (k === 'subtype') {
    const w = word();
    if (w.kind === 'num') return syntax(w);
    for (const [type, table] of SUBTYPES) {
      const s = find(table, w.text);
      if (s !== undefined)
        return { kind: 'wlan', byte: 0, value: type | s, mask: TYPE_MASK | SUBTYPE_MASK, span: end(w) };
    }
    return fail('name', 'unknown 802.11 type name', w.span);
  }
  const w = word();
  const type = w.kind === 'num' ? (w.value ?? 0) : find(TYPES, w.text);
  if (type === undefined) return fail('name', `unknown 802.11 type name "${w.text}"`, w.span);
  if (w.kind === 'num' && (type & ~TYPE_MASK) !== 0)
    return fail('range', `invalid 802.11 type value ${hex2(type)}`, w.span);
  if (peek().kind !== 'unsupported' || peek().text.toLowerCase() !== 'subtype')
    return { kind: 'wlan', byte: 0, value: type, mask: TYPE_MASK, span: end(w) };
  next();
  const s = word();
  let sub: number | undefined;
  if (s.kind === 'num') {
    sub = s.value ?? 0;
    if ((sub & ~SUBTYPE_MASK) !== 0)
      return fail('range', `invalid 802.11 subtype value ${hex2(sub)}`, s.span);
  } else {
    const table = SUBTYPES.find(([ty]) => ty === type)?.[1];
    if (table === undefined) return fail('name', 'unknown 802.11 type', s.span);
    sub = find(table, s.text);
    if (sub === undefined) return fail('name', `unknown 802.11 subtype name "${s.text}"`, s.span);
  }
  return { kind: 'wlan', byte: 0, value: type | sub, mask: TYPE_MASK | SUBTYPE_MASK, span: end(s) };
}
