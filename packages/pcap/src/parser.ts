// Parser for pcap-filter expressions: libpcap 1.10's bison grammar (grammar.y) as a deterministic
// recursive descent without backtracking. Written by hand rather than with chevrotain because the
// LALR grammar decides `( pid )` vs `( expr )` vs `( arith )`, `not id` vs `not term` and a bare NUM
// (id) vs the start of a relation only after the whole parenthesised/negated unit has been read; here
// every unit is parsed once into a tagged result (term | id | arithmetic) and its context then checks
// that the class is allowed — linear time, where chevrotain's BACKTRACK would be exponential in the
// nesting depth.
// Facts kept from grammar.y: `and`/`or` have equal precedence and associate left; `not` binds tighter;
// a bare id may follow and/or (it inherits the qualifier) but may not start an expression or a
// parenthesised expression; `( pid )` holds only ids; arithmetic precedence low→high is
// `|`, `&`, `<< >>`, `+ -`, `* /`, unary minus, while `%` and `^` (no %left entry in libpcap) take the
// operand just before them and everything after them (`a % b + c` = `a % (b + c)`).
// Invariants: never throws to the caller (PcapFail is caught at the API); nesting deeper than
// MAX_NESTING is a `depth` diagnostic, so the recursion stays far from the JS stack limit.
import type {
  AddrQual,
  Arith,
  ArithOp,
  ChainLink,
  DirQual,
  EncapKind,
  Expr,
  Id,
  RelOp,
  WlanDir,
} from './ast.ts';
import { fail } from './diagnostics.ts';
import { parseWlan, WLAN_KEYWORDS } from './parse-wlan.ts';
import type { ProtoName, Span, Token } from './tokens.ts';

export const MAX_NESTING = 300;

const BINOP_PREC: Readonly<Record<string, number>> = {
  '|': 1,
  '&': 2,
  '<<': 3,
  '>>': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
};
const RELOPS: Readonly<Record<string, RelOp>> = {
  '>': '>',
  '>=': '>=',
  '=': '=',
  '==': '=',
  '<': '<',
  '<=': '<=',
  '!=': '!=',
};

type Unit =
  | { readonly cls: 'term'; readonly expr: Expr }
  | { readonly cls: 'id'; readonly id: Id }
  | { readonly cls: 'arith'; readonly arith: Arith };

/** The direction of an 802.11 address keyword (`address1` is `addr1`). */
function wlanDir(text: string): WlanDir {
  const t = text.replace(/^address/, 'addr');
  return t as WlanDir;
}

function span(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}

export function parseTokens(tokens: readonly Token[]): Expr | undefined {
  let pos = 0;
  let depth = 0;
  const peek = (k = 0): Token => tokens[Math.min(pos + k, tokens.length - 1)]!;
  const next = (): Token => {
    const t = peek();
    if (pos < tokens.length - 1) pos++;
    return t;
  };
  const prevEnd = (): Span => tokens[Math.max(pos - 1, 0)]!.span;
  const isPunct = (t: Token, s: string) => t.kind === 'punct' && t.text === s;
  const syntax = (t: Token, what?: string): never =>
    fail(
      'syntax',
      t.kind === 'eof'
        ? `syntax error: unexpected end of expression${what ? `, expected ${what}` : ''}`
        : `syntax error at '${t.text}'${what ? `, expected ${what}` : ''}`,
      t.span,
    );
  const enter = (t: Token) => {
    if (++depth > MAX_NESTING)
      fail('depth', `expression nested more than ${MAX_NESTING} levels deep`, t.span);
  };
  const expectPunct = (s: string) => {
    const t = peek();
    if (!isPunct(t, s)) syntax(t, `'${s}'`);
    return next();
  };

  // ---- arithmetic ----
  const parsePrimary = (): Arith => {
    const t = peek();
    if (t.kind === 'num') {
      next();
      return { kind: 'num', value: t.value ?? 0, span: t.span };
    }
    if (t.kind === 'len') {
      next();
      return { kind: 'len', span: t.span };
    }
    if (t.kind === 'pname' && isPunct(peek(1), '[')) {
      next();
      next();
      const index = parseArith(0);
      let size: 1 | 2 | 4 = 1;
      if (isPunct(peek(), ':')) {
        next();
        const n = peek();
        if (n.kind !== 'num') syntax(n, 'a size');
        next();
        if (n.value !== 1 && n.value !== 2 && n.value !== 4)
          fail('range', 'data size must be 1, 2, or 4', n.span);
        size = n.value;
      }
      const close = expectPunct(']');
      return { kind: 'index', proto: t.proto as ProtoName, index, size, span: span(t.span, close.span) };
    }
    if (isPunct(t, '(')) {
      enter(t);
      next();
      const inner = parseArith(0);
      expectPunct(')');
      depth--;
      return inner;
    }
    return syntax(t, 'an arithmetic operand');
  };
  /** `%` and `^` grab the operand before them and the whole arithmetic expression after them. */
  const attachGrab = (left: Arith): Arith => {
    const t = peek();
    if (isPunct(t, '%') || isPunct(t, '^')) {
      next();
      const right = parseArith(0);
      return { kind: 'bin', op: t.text as ArithOp, left, right, span: span(left.span, right.span) };
    }
    return left;
  };
  const parseUnary = (): Arith => {
    const t = peek();
    if (isPunct(t, '-')) {
      enter(t);
      next();
      const arg = parseUnary();
      depth--;
      return { kind: 'neg', arg, span: span(t.span, arg.span) };
    }
    return attachGrab(parsePrimary());
  };
  const parseRest = (left: Arith, minPrec: number): Arith => {
    for (;;) {
      const t = peek();
      const p = t.kind === 'punct' ? BINOP_PREC[t.text] : undefined;
      if (p === undefined || p < minPrec) return left;
      next();
      let right = parseUnary();
      for (;;) {
        const u = peek();
        const q = u.kind === 'punct' ? BINOP_PREC[u.text] : undefined;
        if (q === undefined || q <= p) break;
        enter(u);
        right = parseRest(right, q);
        depth--;
      }
      left = { kind: 'bin', op: t.text as ArithOp, left, right, span: span(left.span, right.span) };
    }
  };
  function parseArith(minPrec: number): Arith {
    enter(peek());
    const r = parseRest(parseUnary(), minPrec);
    depth--;
    return r;
  }
  /** After an arithmetic value: a relation, or (for a plain number) an id. */
  const finishArith = (a: Arith, continued: boolean): Unit => {
    const left = continued ? parseRest(attachGrab(a), 0) : a;
    const t = peek();
    const rel = t.kind === 'punct' ? RELOPS[t.text] : undefined;
    if (rel !== undefined) {
      next();
      const right = parseArith(0);
      return { cls: 'term', expr: { kind: 'rel', op: rel, left, right, span: span(left.span, right.span) } };
    }
    return { cls: 'arith', arith: left };
  };
  /** An arithmetic unit used where a term or id is needed: a plain number is an id, else an error. */
  const resolve = (u: Unit): Exclude<Unit, { cls: 'arith' }> => {
    if (u.cls !== 'arith') return u;
    if (u.arith.kind === 'num')
      return { cls: 'id', id: { kind: 'num', value: u.arith.value, span: u.arith.span } };
    return syntax(peek(), 'a relational operator');
  };

  // ---- ids ----
  const parseNid = (): Id => {
    const t = next();
    if (t.kind === 'hid') {
      if (isPunct(peek(), '/')) {
        next();
        const n = peek();
        if (n.kind !== 'num') syntax(n, 'a prefix length');
        next();
        return { kind: 'hid-len', text: t.text, len: n.value ?? 0, span: span(t.span, n.span) };
      }
      if (peek().kind === 'mask') {
        next();
        const m = peek();
        if (m.kind !== 'hid') syntax(m, 'a netmask');
        next();
        return { kind: 'hid-mask', text: t.text, mask: m.text, span: span(t.span, m.span) };
      }
      return { kind: 'hid', text: t.text, span: t.span };
    }
    if (t.kind === 'hid6') {
      if (isPunct(peek(), '/')) {
        next();
        const n = peek();
        if (n.kind !== 'num') syntax(n, 'a prefix length');
        next();
        return { kind: 'hid6', text: t.text, len: n.value ?? 0, span: span(t.span, n.span) };
      }
      return { kind: 'hid6', text: t.text, len: undefined, span: t.span };
    }
    if (t.kind === 'eid') return { kind: 'eid', text: t.text, span: t.span };
    if (t.kind === 'aid') return { kind: 'aid', text: t.text, span: t.span };
    return { kind: 'name', text: t.text, span: t.span };
  };

  // ---- qualifier heads and terms ----
  const DQUALS = new Set(['src', 'dst']);
  const AQUALS = new Set(['host', 'net', 'port', 'portrange']);
  const NDQUALS = new Set(['proto', 'protochain', 'gateway']);
  const parseHead = (proto: ProtoName | undefined, start: Span): Unit => {
    let dir: DirQual | undefined;
    let addr: AddrQual | undefined;
    const t = peek();
    if (t.kind === 'wdir') {
      next();
      dir = wlanDir(t.text);
      if (AQUALS.has(peek().kind)) addr = next().kind as AddrQual;
    } else if (DQUALS.has(t.kind)) {
      next();
      dir = t.kind as 'src' | 'dst';
      const c = peek();
      const other = peek(1);
      if ((c.kind === 'and' || c.kind === 'or') && DQUALS.has(other.kind)) {
        if (other.kind === t.kind) syntax(other);
        next();
        next();
        dir = c.kind === 'or' ? 'src or dst' : 'src and dst';
      }
      if (AQUALS.has(peek().kind)) addr = next().kind as AddrQual;
    } else if (AQUALS.has(t.kind) || NDQUALS.has(t.kind)) {
      addr = next().kind as AddrQual;
    }
    const u = resolve(parseUnit());
    if (u.cls !== 'id') return syntax(peek(), 'an address, number or name');
    return {
      cls: 'term',
      expr: { kind: 'qualified', qual: { proto, dir, addr }, id: u.id, span: span(start, u.id.span) },
    };
  };
  const parsePnum = (): { value: number; span: Span } => {
    const t = peek();
    if (t.kind === 'num') {
      next();
      return { value: t.value ?? 0, span: t.span };
    }
    if (isPunct(t, '(')) {
      enter(t);
      next();
      const v = parsePnum();
      expectPunct(')');
      depth--;
      return v;
    }
    return syntax(t, 'a number');
  };

  function parseUnit(): Unit {
    const t = peek();
    enter(t);
    const u = parseUnitInner(t);
    depth--;
    return u;
  }
  function parseUnitInner(t: Token): Unit {
    switch (t.kind) {
      case 'not': {
        next();
        const inner = resolve(parseUnit());
        if (inner.cls === 'id')
          return { cls: 'id', id: { kind: 'not', arg: inner.id, span: span(t.span, prevEnd()) } };
        return { cls: 'term', expr: { kind: 'not', arg: inner.expr, span: span(t.span, prevEnd()) } };
      }
      case 'pname': {
        const n = peek(1);
        if (isPunct(n, '[')) return finishArith(parseArith(0), false);
        next();
        if (n.kind === 'broadcast' || n.kind === 'multicast') {
          next();
          return {
            cls: 'term',
            expr: { kind: 'cast', what: n.kind, proto: t.proto, span: span(t.span, n.span) },
          };
        }
        if (DQUALS.has(n.kind) || n.kind === 'wdir' || AQUALS.has(n.kind) || NDQUALS.has(n.kind))
          return parseHead(t.proto, t.span);
        // `pqual p80211`: grammar.y lets any protocol name precede type/subtype/dir and ignores it (`wlan type data`)
        if (n.kind === 'unsupported' && WLAN_KEYWORDS.has(n.text))
          return { cls: 'term', expr: parseWlan(next(), peek, next, (w) => syntax(w)) };
        return { cls: 'term', expr: { kind: 'proto', proto: t.proto as ProtoName, span: t.span } };
      }
      case 'src':
      case 'dst':
      case 'wdir':
      case 'host':
      case 'net':
      case 'port':
      case 'portrange':
      case 'proto':
      case 'protochain':
      case 'gateway':
        return parseHead(undefined, t.span);
      case 'broadcast':
      case 'multicast':
        next();
        return { cls: 'term', expr: { kind: 'cast', what: t.kind, proto: undefined, span: t.span } };
      case 'less':
      case 'greater': {
        next();
        const n = peek();
        if (n.kind !== 'num') syntax(n, 'a number');
        next();
        return {
          cls: 'term',
          expr: { kind: 'size', what: t.kind, value: n.value ?? 0, span: span(t.span, n.span) },
        };
      }
      case 'vlan':
      case 'mpls':
      case 'pppoes':
      case 'geneve': {
        next();
        const n = peek();
        const value = n.kind === 'num' || isPunct(n, '(') ? parsePnum() : undefined;
        const expr: Expr = {
          kind: 'encap',
          what: t.kind as EncapKind,
          value: value?.value,
          span: span(t.span, value?.span ?? t.span),
        };
        return { cls: 'term', expr };
      }
      case 'inbound':
      case 'outbound':
        next();
        return { cls: 'term', expr: { kind: 'direction', outbound: t.kind === 'outbound', span: t.span } };
      case 'ifindex': {
        next();
        const n = peek();
        if (n.kind !== 'num') syntax(n, 'a number');
        next();
        return { cls: 'term', expr: { kind: 'ifindex', value: n.value ?? 0, span: span(t.span, n.span) } };
      }
      case 'pppoed':
        next();
        return { cls: 'term', expr: { kind: 'pppoed', span: t.span } };
      case 'llc': {
        next();
        // `llc ID`; `rnr` is a (pf) keyword in libpcap's scanner, which grammar.y accepts here too
        const n = peek();
        if (n.kind !== 'id' && !(n.kind === 'unsupported' && n.text === 'rnr'))
          return { cls: 'term', expr: { kind: 'llc', sub: undefined, span: t.span } };
        next();
        return { cls: 'term', expr: { kind: 'llc', sub: n.text, span: span(t.span, n.span) } };
      }
      case 'byte': {
        next();
        const i = peek();
        if (i.kind !== 'num') syntax(i, 'a byte offset');
        next();
        const o = peek();
        // the scanner returns '==' as '='
        if (!(o.kind === 'punct' && ['&', '|', '<', '>', '=', '=='].includes(o.text)))
          syntax(o, "one of '&', '|', '<', '>', '='");
        next();
        const v = peek();
        if (v.kind !== 'num') syntax(v, 'a number');
        next();
        const op = (o.text === '==' ? '=' : o.text) as '&' | '|' | '<' | '>' | '=';
        const expr: Expr = {
          kind: 'byte',
          index: i.value ?? 0,
          op,
          value: v.value ?? 0,
          span: span(t.span, v.span),
        };
        return { cls: 'term', expr };
      }
      case 'unsupported':
        if (WLAN_KEYWORDS.has(t.text.toLowerCase()))
          return { cls: 'term', expr: parseWlan(next(), peek, next, (w) => syntax(w)) };
        return fail('unsupported', `'${t.text}' is not supported by tfc`, t.span);
      case 'num':
      case 'len':
        return finishArith(parseArith(0), false);
      case 'hid':
      case 'hid6':
      case 'eid':
      case 'aid':
      case 'id':
        return { cls: 'id', id: parseNid() };
      case 'punct': {
        if (t.text === '-') return finishArith(parseArith(0), false);
        if (t.text !== '(') return syntax(t);
        next();
        const inner = parseSeq(true);
        const close = expectPunct(')');
        if (inner.cls === 'arith') return finishArith(inner.arith, true);
        if (inner.cls === 'id') {
          const id = inner.id;
          return { cls: 'id', id: id.kind === 'list' ? { ...id, span: span(t.span, close.span) } : id };
        }
        return { cls: 'term', expr: { kind: 'paren', body: inner.expr, span: span(t.span, close.span) } };
      }
      default:
        return syntax(t);
    }
  }

  /** A chain of units joined by and/or; inParen: a lone arithmetic unit is returned as such. */
  function parseSeq(inParen: boolean): Unit {
    const first = parseUnit();
    const more = peek().kind === 'and' || peek().kind === 'or';
    if (first.cls === 'arith' && inParen && !more) return first;
    const f = resolve(first);
    if (f.cls === 'id') {
      if (!inParen) return syntax(tokens[0]!, 'a primitive');
      const rest: ChainLink<Id>[] = [];
      while (peek().kind === 'and' || peek().kind === 'or') {
        const op = next().kind as 'and' | 'or';
        const u = resolve(parseUnit());
        if (u.cls !== 'id') return syntax(peek(), 'an address or number');
        rest.push({ op, item: u.id });
      }
      if (rest.length === 0) return f;
      return { cls: 'id', id: { kind: 'list', first: f.id, rest, span: span(f.id.span, prevEnd()) } };
    }
    const rest: ChainLink<Expr>[] = [];
    while (peek().kind === 'and' || peek().kind === 'or') {
      const op = next().kind as 'and' | 'or';
      const u = resolve(parseUnit());
      const item: Expr = u.cls === 'id' ? { kind: 'id', id: u.id, span: u.id.span } : u.expr;
      rest.push({ op, item });
    }
    if (rest.length === 0) return f;
    return { cls: 'term', expr: { kind: 'chain', first: f.expr, rest, span: span(f.expr.span, prevEnd()) } };
  }

  if (peek().kind === 'eof') return undefined;
  const top = parseSeq(false);
  if (peek().kind !== 'eof') syntax(peek());
  if (top.cls !== 'term') return syntax(tokens[0]!, 'a primitive');
  return top.expr;
}
