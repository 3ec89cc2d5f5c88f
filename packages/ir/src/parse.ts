// Parser for the IR text form printed by print.ts (grammar in print.ts's header).
// Invariants: never throws for any input string; errors come back as IrDiagnostic values carrying the
// text offset (`@N`); nesting deeper than MAX_DEPTH is a diagnostic, not a stack overflow;
// parse(printFilter(f)) is structurally equal to f for every f accepted by verify().
import { strFlags } from './build.ts';
import type {
  ArithOp,
  Base,
  ByteOrder,
  CmpOp,
  Expr,
  Filter,
  IrDiagnostic,
  Pred,
  PseudoName,
  StrMatch,
  StrSource,
  ValueDef,
  Width,
} from './types.ts';
import { ARITH_OPS, BASES, CMP_OP_NAMES, MAX_DEPTH, PSEUDO_NAMES, STR_MATCHES } from './types.ts';

type Tok =
  | { readonly t: '(' | ')' | '{' | '}'; readonly at: number }
  | { readonly t: 'atom'; readonly v: string; readonly at: number }
  | { readonly t: 'string'; readonly v: string; readonly at: number };

class ParseError {
  readonly diag: IrDiagnostic;
  constructor(message: string, at: number) {
    this.diag = { severity: 'error', code: 'parse', message, at: '@' + at };
  }
}

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
    } else if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '(' || c === ')' || c === '{' || c === '}') {
      toks.push({ t: c, at: i });
      i++;
    } else if (c === '"') {
      const start = i++;
      let v = '';
      for (;;) {
        if (i >= text.length) throw new ParseError('unterminated string', start);
        const d = text[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = text[i + 1];
          if (e === '"' || e === '\\') {
            v += e;
            i += 2;
          } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
            v += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 4), 16));
            i += 4;
          } else {
            throw new ParseError('bad escape in string', i);
          }
        } else {
          const code = d.charCodeAt(0);
          if (code < 0x20 || code >= 0x7f)
            throw new ParseError('unescaped non-printable character in string', i);
          v += d;
          i++;
        }
      }
      toks.push({ t: 'string', v, at: start });
    } else {
      const start = i;
      while (i < text.length && !' \n\t\r(){}";'.includes(text[i]!)) i++;
      toks.push({ t: 'atom', v: text.slice(start, i), at: start });
    }
  }
  return toks;
}

const CMP_SET: ReadonlySet<string> = new Set(CMP_OP_NAMES);
const ARITH_SET: ReadonlySet<string> = new Set(ARITH_OPS);
const BASE_SET: ReadonlySet<string> = new Set(BASES);
const PSEUDO_SET: ReadonlySet<string> = new Set(PSEUDO_NAMES);
const MATCH_SET: ReadonlySet<string> = new Set(STR_MATCHES);

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly toks: Tok[];
  private readonly end: number;
  constructor(toks: Tok[], end: number) {
    this.toks = toks;
    this.end = end;
  }

  private peek(): Tok | undefined {
    return this.toks[this.pos];
  }
  private next(): Tok {
    const t = this.toks[this.pos++];
    if (t === undefined) throw new ParseError('unexpected end of input', this.end);
    return t;
  }
  private expect(t: '(' | ')' | '{' | '}'): void {
    const k = this.next();
    if (k.t !== t) throw new ParseError(`expected '${t}'`, k.at);
  }
  private atom(): { v: string; at: number } {
    const k = this.next();
    if (k.t !== 'atom') throw new ParseError('expected a word or number', k.at);
    return k;
  }
  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) throw new ParseError(`nesting deeper than ${MAX_DEPTH}`, at);
  }
  private leave(): void {
    this.depth--;
  }
  private number(): bigint {
    const a = this.atom();
    return parseNumber(a.v, a.at);
  }
  private int(): number {
    const a = this.atom();
    const v = parseNumber(a.v, a.at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ParseError('number too large', a.at);
    return Number(v);
  }
  private base(): Base {
    const a = this.atom();
    if (!BASE_SET.has(a.v)) throw new ParseError(`unknown base '${a.v}'`, a.at);
    return a.v as Base;
  }
  private order(): ByteOrder {
    const a = this.atom();
    if (a.v !== 'le' && a.v !== 'be') throw new ParseError(`expected le or be`, a.at);
    return a.v;
  }

  filter(): Filter {
    this.expect('(');
    const head = this.atom();
    if (head.v !== 'filter') throw new ParseError("expected 'filter'", head.at);
    const values: ValueDef[] = [];
    for (;;) {
      const t = this.peek();
      const t2 = this.toks[this.pos + 1];
      if (t?.t === '(' && t2?.t === 'atom' && t2.v === 'let') {
        this.pos += 2;
        const id = this.int();
        const expr = this.expr();
        this.expect(')');
        values.push({ id, expr });
      } else break;
    }
    const body = this.pred();
    this.expect(')');
    const rest = this.peek();
    if (rest !== undefined) throw new ParseError('trailing input after filter', rest.at);
    return { kind: 'filter', values, body };
  }

  expr(): Expr {
    const t = this.next();
    if (t.t === 'atom') {
      if (t.v.startsWith('%')) {
        const id = parseNumber(t.v.slice(1), t.at);
        if (id > 0xffffffffn) throw new ParseError('value id too large', t.at);
        return { kind: 'ref', id: Number(id) };
      }
      return { kind: 'const', value: parseNumber(t.v, t.at) };
    }
    if (t.t !== '(') throw new ParseError('expected an expression', t.at);
    this.enter(t.at);
    const head = this.atom();
    let e: Expr;
    if (head.v === 'load') {
      const base = this.base();
      const o = this.peek();
      const offset: Expr | number = o?.t === 'atom' && !o.v.startsWith('%') ? this.int() : this.expr();
      const ty = this.atom();
      const m = /^([us])(1|2|4|8)(le|be)$/.exec(ty.v);
      if (m === null) throw new ParseError(`bad load type '${ty.v}'`, ty.at);
      e = {
        kind: 'load',
        base,
        offset,
        width: Number(m[2]) as Width,
        order: m[3] as ByteOrder,
        signed: m[1] === 's',
      };
    } else if (PSEUDO_SET.has(head.v)) {
      e = { kind: 'pseudo', name: head.v as PseudoName };
    } else if (head.v === 'len') {
      e = { kind: 'len' };
    } else if (head.v === 'neg') {
      e = { kind: 'neg', arg: this.expr() };
    } else if (ARITH_SET.has(head.v)) {
      const left = this.expr();
      const right = this.expr();
      e = { kind: 'arith', op: head.v as ArithOp, left, right };
    } else {
      throw new ParseError(`unknown expression '${head.v}'`, head.at);
    }
    this.expect(')');
    this.leave();
    return e;
  }

  private ctype(): { width: Width; signed: boolean } {
    const a = this.atom();
    const m = /^([us])(1|2|4|8)$/.exec(a.v);
    if (m === null) throw new ParseError(`bad compare type '${a.v}'`, a.at);
    return { width: Number(m[2]) as Width, signed: m[1] === 's' };
  }

  private source(): StrSource {
    const open = this.next();
    if (open.t !== '(') throw new ParseError('expected a string source', open.at);
    const head = this.atom();
    let s: StrSource;
    if (head.v === 'comm') s = { kind: 'comm' };
    else if (head.v === 'fixed') {
      const base = this.base();
      const offset = this.int();
      s = { kind: 'fixed', base, offset, size: this.int() };
    } else if (head.v === 'dataloc' || head.v === 'relloc') {
      const base = this.base();
      const offset = this.int();
      s = { kind: 'dataloc', base, offset, rel: head.v === 'relloc', order: this.order() };
    } else if (head.v === 'ptr') {
      const base = this.base();
      const offset = this.int();
      const order = this.order();
      const sp = this.atom();
      if (sp.v !== 'kernel' && sp.v !== 'user') throw new ParseError('expected kernel or user', sp.at);
      s = { kind: 'ptr', base, offset, order, space: sp.v };
    } else throw new ParseError(`unknown string source '${head.v}'`, head.at);
    this.expect(')');
    return s;
  }

  /** `(chain FAMILY NET PROTO AH BOUND` after its head; the caller reads the `)`. */
  private chainLeaf(): Pred {
    const fam = this.atom();
    if (fam.v !== 'ip' && fam.v !== 'ip6') throw new ParseError('expected ip or ip6', fam.at);
    const net = this.int();
    const proto = this.int();
    const ah = this.atom();
    if (ah.v !== 'reset' && ah.v !== 'advance') throw new ParseError('expected reset or advance', ah.at);
    return { kind: 'chain', family: fam.v, net, proto, ah: ah.v, bound: this.int() };
  }

  pred(): Pred {
    const t = this.next();
    if (t.t === 'atom') {
      if (t.v === 'true' || t.v === 'false') return { kind: t.v };
      throw new ParseError(`expected a predicate, got '${t.v}'`, t.at);
    }
    if (t.t !== '(') throw new ParseError('expected a predicate', t.at);
    this.enter(t.at);
    const head = this.atom();
    let p: Pred;
    if (CMP_SET.has(head.v)) {
      const { width, signed } = this.ctype();
      const left = this.expr();
      const right = this.expr();
      p = { kind: 'cmp', op: head.v as CmpOp, width, signed, left, right };
    } else if (head.v === 'in') {
      const { width, signed } = this.ctype();
      if (signed) throw new ParseError('set membership is unsigned', head.at);
      const value = this.expr();
      this.expect('{');
      const set: bigint[] = [];
      while (this.peek()?.t === 'atom') set.push(this.number());
      this.expect('}');
      p = { kind: 'in', width, value, set };
    } else if (head.v === 'str') {
      const m = this.atom();
      if (!MATCH_SET.has(m.v)) throw new ParseError(`unknown string match '${m.v}'`, m.at);
      const pat = this.next();
      if (pat.t !== 'string') throw new ParseError('expected a quoted pattern', pat.at);
      const source = this.source();
      const flags = { negate: false, endwin: false, pastnul: false, faultfalse: false };
      while (this.peek()?.t === 'atom') {
        const f = this.atom();
        if (!(f.v in flags)) throw new ParseError(`unknown string flag '${f.v}'`, f.at);
        flags[f.v as keyof typeof flags] = true;
      }
      const match = m.v as StrMatch;
      const derived = strFlags(source, match);
      p = {
        kind: 'str',
        match,
        pattern: pat.v,
        negate: flags.negate,
        source,
        flags:
          derived.endWindow === flags.endwin &&
          derived.pastNul === flags.pastnul &&
          derived.faultFalse === flags.faultfalse
            ? derived
            : { endWindow: flags.endwin, pastNul: flags.pastnul, faultFalse: flags.faultfalse },
      };
    } else if (head.v === 'chain') {
      p = this.chainLeaf();
    } else if (head.v === 'and' || head.v === 'or') {
      const args: Pred[] = [];
      while (this.peek()?.t !== ')') args.push(this.pred());
      p = { kind: head.v, args };
    } else if (head.v === 'not') {
      p = { kind: 'not', arg: this.pred() };
    } else {
      throw new ParseError(`unknown predicate '${head.v}'`, head.at);
    }
    this.expect(')');
    this.leave();
    return p;
  }
}

function parseNumber(v: string, at: number): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) throw new ParseError(`bad number '${v}'`, at);
  return BigInt(v);
}

export type ParseResult =
  | { readonly ok: true; readonly filter: Filter }
  | { readonly ok: false; readonly diagnostics: readonly IrDiagnostic[] };

/** Parse the text form. Structural validity only; run verify() for the semantic invariants. */
export function parseFilter(text: string): ParseResult {
  try {
    return { ok: true, filter: new Parser(tokenize(text), text.length).filter() };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, diagnostics: [e.diag] };
    throw e;
  }
}
