// Printer for the IR text form (an S-expression language; parse.ts reads it back).
// Invariants: output is a pure function of the IR (byte-identical for equal IR); printExpr/printPred
// give the compact one-line form, which doubles as the structural key of a node (equal keys ⇔ equal
// nodes); printFilter pretty-prints, breaking and/or/not whose compact form exceeds the line budget.
//
// Grammar:
//   filter := '(filter' ('(let' ID expr ')')* pred ')'
//   expr   := NUM | '%'ID | '(load' BASE (NUM|expr) TYPE ')' | '(cpu)' | '(pid)' | '(len)'
//           | '(' ARITHOP expr expr ')' | '(neg' expr ')'            TYPE := [us](1|2|4|8)(le|be)
//   pred   := 'true' | 'false' | '(' CMPOP CTYPE expr expr ')' | '(in' CTYPE expr '{' NUM* '}' ')'
//           | '(str' MATCH STRING source FLAG* ')' | '(and' pred+ ')' | '(or' pred+ ')' | '(not' pred ')'
//           | '(chain' (ip|ip6) NET PROTO (reset|advance) BOUND ')'
//   CTYPE  := [us](1|2|4|8); FLAG := negate | endwin | pastnul | faultfalse
//   source := '(fixed' BASE NUM NUM ')' | '(dataloc' BASE NUM ORDER ')' | '(relloc' BASE NUM ORDER ')'
//           | '(ptr' BASE NUM ORDER (kernel|user) ')' | '(comm)'
//   STRING := '"' (printable ASCII except " and \ | '\"' | '\\' | '\x' HEX HEX)* '"'
import { printChain } from './chain.ts';
import type { Expr, Filter, Pred, StrSource } from './types.ts';

const LINE_BUDGET = 96;

export function printNumber(v: bigint): string {
  return v < 65536n ? v.toString() : '0x' + v.toString(16);
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'const':
      return printNumber(e.value);
    case 'ref':
      return '%' + e.id;
    case 'len':
      return '(len)';
    case 'pseudo':
      return '(' + e.name + ')';
    case 'load': {
      const off = typeof e.offset === 'number' ? String(e.offset) : printExpr(e.offset);
      return `(load ${e.base} ${off} ${e.signed ? 's' : 'u'}${e.width}${e.order})`;
    }
    case 'neg':
      return `(neg ${printExpr(e.arg)})`;
    case 'arith':
      return `(${e.op} ${printExpr(e.left)} ${printExpr(e.right)})`;
  }
}

export function printString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += s[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

function printSource(s: StrSource): string {
  switch (s.kind) {
    case 'comm':
      return '(comm)';
    case 'fixed':
      return `(fixed ${s.base} ${s.offset} ${s.size})`;
    case 'dataloc':
      return `(${s.rel ? 'relloc' : 'dataloc'} ${s.base} ${s.offset} ${s.order})`;
    case 'ptr':
      return `(ptr ${s.base} ${s.offset} ${s.order} ${s.space})`;
  }
}

export function printPred(p: Pred): string {
  switch (p.kind) {
    case 'true':
    case 'false':
      return p.kind;
    case 'cmp':
      return `(${p.op} ${p.signed ? 's' : 'u'}${p.width} ${printExpr(p.left)} ${printExpr(p.right)})`;
    case 'in':
      return `(in u${p.width} ${printExpr(p.value)} {${p.set.map(printNumber).join(' ')}})`;
    case 'str': {
      const flags = [
        p.negate ? ' negate' : '',
        p.flags.endWindow ? ' endwin' : '',
        p.flags.pastNul ? ' pastnul' : '',
        p.flags.faultFalse ? ' faultfalse' : '',
      ].join('');
      return `(str ${p.match} ${printString(p.pattern)} ${printSource(p.source)}${flags})`;
    }
    case 'chain':
      return printChain(p);
    case 'not':
      return `(not ${printPred(p.arg)})`;
    case 'and':
    case 'or':
      return `(${p.kind} ${p.args.map(printPred).join(' ')})`;
  }
}

function prettyPred(p: Pred, indent: string, out: string[]): void {
  const flat = printPred(p);
  if (
    indent.length + flat.length <= LINE_BUDGET ||
    (p.kind !== 'and' && p.kind !== 'or' && p.kind !== 'not')
  ) {
    out.push(indent + flat);
    return;
  }
  out.push(indent + '(' + p.kind);
  const inner = indent + '  ';
  const kids = p.kind === 'not' ? [p.arg] : p.args;
  for (const k of kids) prettyPred(k, inner, out);
  out[out.length - 1] += ')';
}

/** Pretty-printed text of a whole filter, ending with a newline. */
export function printFilter(f: Filter): string {
  const out: string[] = ['(filter'];
  for (const v of f.values) out.push(`  (let ${v.id} ${printExpr(v.expr)})`);
  prettyPred(f.body, '  ', out);
  out[out.length - 1] += ')';
  return out.join('\n') + '\n';
}
