// Lexer for pcap-filter expressions with flex semantics (libpcap 1.10 scanner.l): at each position the
// longest match among all token rules wins, ties go to the rule listed first (keywords and named
// constants, punctuation, $xx, MAC, NUM, dotted IPv4, IPv6, bogus MAC, ID). That is why `len-1` is one
// ID, `1000-2000` is one ID (a port range), `10.0.0.1` is an address and `112233445566` a MAC.
// Invariants: never throws; linear in the input apart from the bounded IPv6 prefix search; the
// token list always ends with one `eof` token whose span is the end of the text.
import { diag, type Result } from './diagnostics.ts';
import { parseNum } from './numbers.ts';
import { classifyWord, type Token, type TokenKind } from './tokens.ts';

const B = '[0-9A-Fa-f]{1,2}';
const N = '(?:0[xX][0-9A-Fa-f]+|[0-9]+)';
const RULES: readonly { readonly kind: TokenKind | 'bogus' | 'word'; readonly re: RegExp }[] = [
  { kind: 'punct', re: /(?:>=|<=|!=|==|<<|>>|&&|\|\||[-+*/%:[\]!<>()&|^=])/y },
  { kind: 'aid', re: new RegExp(`\\$${B}`, 'y') },
  { kind: 'eid', re: new RegExp(`${B}:${B}:${B}:${B}:${B}:${B}`, 'y') },
  { kind: 'eid', re: new RegExp(`${B}-${B}-${B}-${B}-${B}-${B}`, 'y') },
  { kind: 'eid', re: new RegExp(`${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}`, 'y') },
  { kind: 'eid', re: /[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}/y },
  { kind: 'eid', re: /[0-9A-Fa-f]{12}/y },
  { kind: 'num', re: new RegExp(N, 'y') },
  { kind: 'hid', re: new RegExp(`${N}(?:\\.${N}){1,3}`, 'y') },
  { kind: 'bogus', re: new RegExp(`${B}:+(?:${B}:+)+`, 'y') },
  { kind: 'word', re: /[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/y },
  { kind: 'word', re: /\\[^ !()\n\t]+/y },
];

const V6_CHARS = /[0-9A-Fa-f:.]+/y;
/** scanner.l's V6 alternatives: 8 groups, or `::` with 0-7 groups around it, each optionally ending in a
 *  dotted IPv4 (then 6 groups, or `::` with 0-5). */
const V6_SHAPE = ((): RegExp => {
  const w = (k: number) => new Array<string>(k).fill('[0-9A-Fa-f]{1,4}');
  const v4 = `${N}\\.${N}\\.${N}\\.${N}`;
  const alts = [w(8).join(':'), `${w(6).join(':')}:${v4}`];
  for (let n = 0; n <= 7; n++)
    for (let i = 0; i <= n; i++) alts.push(`${w(i).join(':')}::${w(n - i).join(':')}`);
  for (let n = 0; n <= 5; n++)
    for (let i = 0; i <= n; i++)
      alts.push(
        `${w(i).join(':')}::${w(n - i)
          .map((g) => `${g}:`)
          .join('')}${v4}`,
      );
  return new RegExp(`^(?:${alts.join('|')})$`);
})();

/** Longest prefix of the [0-9a-f:.] run at `pos` that is an IPv6 address in the scanner's V6 shapes. */
function matchV6(text: string, pos: number, isV6: (s: string) => boolean): number {
  V6_CHARS.lastIndex = pos;
  const m = V6_CHARS.exec(text)?.[0];
  if (m === undefined || !m.includes(':')) return 0;
  const run = m.slice(0, 64);
  for (let n = run.length; n >= 2; n--) {
    const s = run.slice(0, n);
    if (V6_SHAPE.test(s) && isV6(s)) return n;
  }
  return 0;
}

export function lex(text: string, isV6: (s: string) => boolean): Result<readonly Token[]> {
  const out: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      pos++;
      continue;
    }
    let best: { kind: TokenKind | 'bogus' | 'word'; len: number } | undefined;
    for (const r of RULES) {
      r.re.lastIndex = pos;
      const m = r.re.exec(text);
      if (m && (best === undefined || m[0].length > best.len)) best = { kind: r.kind, len: m[0].length };
    }
    const v6 = matchV6(text, pos, isV6);
    if (v6 > 0 && (best === undefined || v6 > best.len || (v6 === best.len && best.kind === 'bogus')))
      best = { kind: 'hid6', len: v6 };
    if (best === undefined) {
      return {
        ok: false,
        diagnostic: diag('lex', `illegal character '${text[pos]}'`, { start: pos, end: pos + 1 }),
      };
    }
    const raw = text.slice(pos, pos + best.len);
    const span = { start: pos, end: pos + best.len };
    pos += best.len;
    if (best.kind === 'bogus') {
      // libpcap's rule stops after the last colon ("1:2:3:4:" of "1:2:3:4:5"); show the whole address.
      const whole = /[0-9A-Fa-f:.-]*/y;
      whole.lastIndex = span.start;
      const all = whole.exec(text)?.[0] || raw;
      return {
        ok: false,
        diagnostic: diag(
          'address',
          `bogus ethernet address ${all} (an Ethernet address is 6 bytes, as in 00:11:22:33:44:55)`,
          { start: span.start, end: span.start + all.length },
        ),
      };
    }
    if (best.kind === 'num') {
      const v = parseNum(raw);
      if (typeof v === 'string') return { ok: false, diagnostic: diag('number', v, span) };
      out.push({ kind: 'num', text: raw, span, value: v });
      continue;
    }
    if (best.kind === 'word') {
      // `\\name` is always an ID, without its backslash (a keyword or protocol name used as a name)
      if (raw.startsWith('\\')) {
        out.push({ kind: 'id', text: raw.slice(1), span });
        continue;
      }
      // keywords and named constants tie with ID at equal length and win (they come first in scanner.l)
      const w = classifyWord(raw);
      if (w === undefined) out.push({ kind: 'id', text: raw, span });
      else if (w.kind === 'named') out.push({ kind: 'num', text: raw, span, value: w.value });
      else if (w.kind === 'pname') out.push({ kind: 'pname', text: raw, span, proto: w.proto });
      else out.push({ kind: w.kind, text: raw, span });
      continue;
    }
    if (best.kind === 'punct') {
      const kind: TokenKind = raw === '&&' ? 'and' : raw === '||' ? 'or' : raw === '!' ? 'not' : 'punct';
      out.push({ kind, text: raw, span });
      continue;
    }
    out.push({ kind: best.kind, text: raw, span });
  }
  out.push({ kind: 'eof', text: '', span: { start: text.length, end: text.length } });
  return { ok: true, value: out };
}
