/*
 * IR text in user words: a diagnostic that quotes an IR leaf in its text form (`(gt u4 (+ (load packet 16 u2be) 1)
 * 100)`, the backends' refusal messages do) is shown to the user as an expression they can read
 * (`packet[16:2] + 1 > 100`). Loads read as libpcap's `proto[offset:size]` (big-endian unless marked `le`), on
 * `packet` (the frame), `record` (a trace event record) or `frame` (a trace frame); strings as the trace filter
 * language writes them.
 * Invariants: only a parenthesized span right after ": " or "(" ... whose head is an IR predicate word and that
 * reads as a whole IR predicate is rewritten (anything else, e.g. a user's filter echoed, stays as it is); pure.
 */

type Sx = string | { readonly list: readonly Sx[]; readonly brace?: boolean };

const PRED_HEADS = new Set([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'set',
  'clear',
  'in',
  'str',
  'and',
  'or',
  'not',
]);
const CMP: Readonly<Record<string, string>> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };
const ARITH = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']);

/** Reads one s-expression at `at` (atoms, "strings", (lists), {sets}); undefined when it is not one. */
function read(text: string, at: number): { sx: Sx; end: number } | undefined {
  let i = at;
  const skip = () => {
    while (text[i] === ' ') i++;
  };
  const item = (): Sx | undefined => {
    skip();
    const c = text[i];
    if (c === undefined) return undefined;
    if (c === '(' || c === '{') {
      const close = c === '(' ? ')' : '}';
      i++;
      const list: Sx[] = [];
      for (;;) {
        skip();
        if (text[i] === close) {
          i++;
          return c === '{' ? { list, brace: true } : { list };
        }
        const x = item();
        if (x === undefined) return undefined;
        list.push(x);
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return undefined;
      const s = text.slice(i, j + 1);
      i = j + 1;
      return s;
    }
    const m = /^[^\s(){}"]+/.exec(text.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const sx = item();
  return sx === undefined ? undefined : { sx, end: i };
}

const head = (sx: Sx) => (typeof sx === 'string' ? undefined : sx.list[0]);
const args = (sx: Sx) => (typeof sx === 'string' ? [] : sx.list.slice(1));

function expr(sx: Sx, nested = false): string {
  if (typeof sx === 'string') return sx.startsWith('%') ? `value#${sx.slice(1)}` : sx;
  const [h, ...a] = sx.list;
  if (h === 'load') {
    const [base, off, type] = a as [Sx, Sx, string];
    const m = /^[us](\d)(le|be)$/.exec(type ?? '');
    const size = m ? m[1] : '?';
    return `${expr(base)}[${expr(off)}:${size}${m?.[2] === 'le' && size !== '1' ? ' le' : ''}]`;
  }
  if (h === 'len' || h === 'cpu' || h === 'pid' || h === 'comm') return h;
  if (h === 'neg') return `-${expr(a[0] as Sx, true)}`;
  if (typeof h === 'string' && ARITH.has(h) && a.length === 2) {
    const t = `${expr(a[0] as Sx, true)} ${h} ${expr(a[1] as Sx, true)}`;
    return nested ? `(${t})` : t;
  }
  throw new Error('not an IR expression');
}

function source(sx: Sx): string {
  const [h, ...a] = typeof sx === 'string' ? [sx] : sx.list;
  const [base, off, third] = a.map((x) => (typeof x === 'string' ? x : '?'));
  if (h === 'comm') return 'comm';
  if (h === 'fixed') return `the char[${third}] at ${base} byte ${off}`;
  if (h === 'dataloc' || h === 'relloc')
    return `the ${h === 'dataloc' ? '__data_loc' : '__rel_loc'} string at ${base} byte ${off}`;
  if (h === 'ptr') return `the string the pointer at ${base} byte ${off} points to`;
  throw new Error('not an IR string source');
}

const PATTERN: Readonly<Record<string, (p: string) => string>> = {
  full: (p) => p,
  front: (p) => `${p}*`,
  end: (p) => `*${p}`,
  middle: (p) => `*${p}*`,
  glob: (p) => p,
};

function pred(sx: Sx): string {
  if (sx === 'true' || sx === 'false') return sx;
  const h = head(sx);
  const a = args(sx);
  if (typeof h !== 'string') throw new Error('not an IR predicate');
  if (h in CMP) return `${expr(a[1] as Sx)} ${CMP[h]} ${expr(a[2] as Sx)}`;
  if (h === 'set' || h === 'clear')
    return `${expr(a[1] as Sx, true)} & ${expr(a[2] as Sx, true)} ${h === 'set' ? '!=' : '=='} 0`;
  if (h === 'in') {
    const set = a[2];
    if (typeof set === 'string' || !set?.brace) throw new Error('not an IR set');
    return `${expr(a[1] as Sx)} in {${set.list.join(', ')}}`;
  }
  if (h === 'str') {
    const [match, pattern, src, ...flags] = a as [string, string, Sx, ...string[]];
    const pat = `"${(PATTERN[match] ?? ((p: string) => p))(pattern.slice(1, -1))}"`;
    const op = match === 'full' ? '==' : '~';
    const negate = flags.includes('negate');
    return `${source(src)} ${negate ? (op === '==' ? '!=' : '!~') : op} ${pat}`;
  }
  if (h === 'not') return `!(${pred(a[0] as Sx)})`;
  if (h === 'and' || h === 'or') return a.map((x) => `(${pred(x)})`).join(h === 'and' ? ' && ' : ' || ');
  throw new Error('not an IR predicate');
}

/** `message` with each IR predicate it quotes (after ": ") rewritten in user words, in backquotes. */
export function irInUserWords(message: string): string {
  if (!message.includes('(')) return message;
  let out = '';
  let i = 0;
  while (i < message.length) {
    const at = message.indexOf(': (', i);
    if (at < 0) break;
    out += message.slice(i, at + 2);
    const r = read(message, at + 2);
    const h = r ? head(r.sx) : undefined;
    let words: string | undefined;
    if (r && typeof h === 'string' && PRED_HEADS.has(h))
      try {
        words = pred(r.sx);
      } catch {
        words = undefined;
      }
    if (r && words !== undefined) {
      out += `\`${words}\``;
      i = r.end;
    } else {
      out += '(';
      i = at + 3;
    }
  }
  return out + message.slice(i);
}
