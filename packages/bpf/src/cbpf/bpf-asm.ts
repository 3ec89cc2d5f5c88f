// Linux tools/bpf/bpf_asm syntax (bpf_exp.l / bpf_exp.y), printed and parsed.
// Invariants:
// - parseBpfAsm accepts the bpf_asm language: caseless mnemonics (ld ldi ldh ldb ldx ldxi ldxb st stx jmp/ja jeq
//   jneq/jne jlt jle jgt jge jset add sub mul div mod neg and or xor lsh rsh ret tax txa), `label:` prefixes
//   (labels are 2+ characters), operands `#k`, `x`/`%x`, `a`/`%a`, `[k]`, `[x + k]`, `M[k]`, `4*([k]&0xf)`, `#len`,
//   ancillary keywords (`#proto`, `#type`, `#poff`, `#ifidx`, `#nla`, `#nlan`, `#mark`, `#queue`, `#hatype`,
//   `#rxhash`, `#cpu`, `#vlan_tci`, `#vlan_avail`/`#vlan_pr`, `#vlan_tpid`, `#rand`, with or without '#'), numbers
//   in decimal (signed), 0x hex, 0b binary and 0-prefixed octal, comments `/* */`, `; ...` and lines starting
//   with '#'. Conditional jumps take one label (jt; jf = next instruction; for jneq/jlt/jle the single label is
//   jf) or two (jt, jf). Like bpf_asm, jlt/jle/jneq become jge/jgt/jeq with swapped targets and `ret x` is
//   accepted (opcode 0x0e, which the kernel rejects). Unlike bpf_asm, duplicate labels are an error.
// - printBpfAsm prints one instruction per line, `lN:` labels exactly on jump targets, and is parsed back to the
//   same program when every instruction is canonical (insn.ts isCanonical) and every jump lands inside the program.
//   Instructions that bpf_asm cannot express are printed as a `/* unrepresentable ... */` comment line (and are
//   then lost on parsing), so callers should validate first.
// - The parser never throws and stops at the first fault, with its 1-based line.
import type { RawInsn } from './insn.ts';
import { fromRaw } from './insn.ts';
import { ANCILLARY, ancillaryByName, BPF_MAXINSNS, SKF_AD_OFF } from './opcodes.ts';
import { fail, type ParseResult } from './parse-result.ts';

// ---------------------------------------------------------------------------------------------- printing

function hex(k: number): string {
  return `0x${(k >>> 0).toString(16)}`;
}

function off(k: number): string {
  const u = k >>> 0;
  return u < 0x80000000 ? String(u) : hex(u);
}

function body(r: RawInsn, pc: number, label: (t: number) => string): string | undefined {
  const i = fromRaw(r);
  const sz = (s: 'w' | 'h' | 'b') => (s === 'w' ? 'ld' : s === 'h' ? 'ldh' : 'ldb');
  switch (i.kind) {
    case 'ld_abs':
      return `${sz(i.size)} [${off(r.k)}]`;
    case 'ld_anc': {
      const names = ancillaryByName(i.ext).asmNames;
      return names.length > 0 ? `${sz(i.size)} #${names[0]}` : `${sz(i.size)} [${off(r.k)}]`;
    }
    case 'ld_ind':
      return `${sz(i.size)} [x + ${off(i.offset)}]`;
    case 'ld_len':
      return 'ld #len';
    case 'ldx_len':
      return 'ldx #len';
    case 'ld_imm':
      return `ld #${hex(i.value)}`;
    case 'ldx_imm':
      return `ldx #${hex(i.value)}`;
    case 'ld_mem':
      return `ld M[${i.index}]`;
    case 'ldx_mem':
      return `ldx M[${i.index}]`;
    case 'ldx_msh':
      return `ldxb 4*([${off(i.offset)}]&0xf)`;
    case 'st':
      return `st M[${i.index}]`;
    case 'stx':
      return `stx M[${i.index}]`;
    case 'alu_k':
      return i.op === 'and' || i.op === 'or' || i.op === 'xor'
        ? `${i.op} #${hex(i.value)}`
        : `${i.op} #${i.value >>> 0}`;
    case 'alu_x':
      return `${i.op} x`;
    case 'neg':
      return 'neg';
    case 'ja':
      return `ja ${label((pc + 1 + i.offset) >>> 0)}`;
    case 'jmp_k':
      return `${i.cond} #${hex(i.value)}, ${label(pc + 1 + i.jt)}, ${label(pc + 1 + i.jf)}`;
    case 'jmp_x':
      return `${i.cond} x, ${label(pc + 1 + i.jt)}, ${label(pc + 1 + i.jf)}`;
    case 'ret_k':
      return `ret #${i.value >>> 0}`;
    case 'ret_a':
      return 'ret a';
    case 'tax':
      return 'tax';
    case 'txa':
      return 'txa';
    case 'invalid':
      return r.code === 0x0e ? 'ret x' : undefined;
  }
}

function targetsOf(r: RawInsn, pc: number): number[] {
  const i = fromRaw(r);
  if (i.kind === 'ja') return [(pc + 1 + i.offset) >>> 0];
  if (i.kind === 'jmp_k' || i.kind === 'jmp_x') return [pc + 1 + i.jt, pc + 1 + i.jf];
  return [];
}

export function printBpfAsm(p: readonly RawInsn[]): string {
  const targets = new Set<number>();
  p.forEach((r, pc) => {
    for (const t of targetsOf(r, pc)) targets.add(t);
  });
  const label = (t: number) => `l${t}`;
  let s = '';
  for (let pc = 0; pc < p.length; pc++) {
    const r = p[pc]!;
    const b = body(r, pc, label);
    const text =
      b ??
      `/* unrepresentable: { 0x${r.code.toString(16)}, ${r.jt}, ${r.jf}, 0x${(r.k >>> 0).toString(16)} } */`;
    s += targets.has(pc) ? `${label(pc)}:\t${text}\n` : `\t${text}\n`;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------- lexing

type Tok =
  | { t: 'op'; v: string; line: number }
  | { t: 'ext'; v: number; line: number }
  | { t: 'len'; line: number }
  | { t: 'num'; v: number; line: number }
  | { t: 'label'; v: string; line: number }
  | { t: 'punct'; v: string; line: number };

const OPS = new Set([
  'ldb',
  'ldh',
  'ld',
  'ldi',
  'ldx',
  'ldxi',
  'ldxb',
  'st',
  'stx',
  'jmp',
  'ja',
  'jeq',
  'jneq',
  'jne',
  'jlt',
  'jle',
  'jgt',
  'jge',
  'jset',
  'add',
  'sub',
  'mul',
  'div',
  'mod',
  'neg',
  'and',
  'xor',
  'or',
  'lsh',
  'rsh',
  'ret',
  'tax',
  'txa',
]);

const EXT = new Map<string, number>();
for (const row of ANCILLARY) for (const n of row.asmNames) EXT.set(n, row.offset);

function lex(text: string): Tok[] | { error: string; line: number } {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let atLineStart = true;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' && atLineStart) {
      // flex `^#.*`: a comment line (bpf_asm ignores it even when the text looks like an operand)
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    atLineStart = false;
    if (c === ';') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return { error: 'unterminated /* comment', line };
      for (let j = i; j < end; j++) if (text[j] === '\n') line++;
      i = end + 2;
      continue;
    }
    // '#'? followed by an extension keyword or "len"
    const word = /^#?([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i, i + 64));
    if (word !== null) {
      const w = word[1]!.toLowerCase();
      const hash = word[0]!.startsWith('#');
      if (w === 'len') {
        toks.push({ t: 'len', line });
        i += word[0]!.length;
        continue;
      }
      const ext = EXT.get(w);
      if (ext !== undefined) {
        toks.push({ t: 'ext', v: ext, line });
        i += word[0]!.length;
        continue;
      }
      if (!hash) {
        if (OPS.has(w)) toks.push({ t: 'op', v: w, line });
        else if (w.length >= 2) toks.push({ t: 'label', v: word[1]!, line });
        else if (w === 'x' || w === 'a' || w === 'm') toks.push({ t: 'punct', v: w === 'm' ? 'M' : w, line });
        else return { error: `unknown character '${word[1]}'`, line };
        i += word[0]!.length;
        continue;
      }
    }
    const num = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]+|[-+]?[1-9][0-9]*|0)/.exec(text.slice(i, i + 40));
    if (num !== null && /[-+0-9]/.test(c)) {
      const s = num[1]!;
      let v: number;
      if (/^0[xX]/.test(s)) v = Number.parseInt(s.slice(2), 16);
      else if (/^0[bB]/.test(s)) v = Number.parseInt(s.slice(2), 2);
      else if (/^0[0-7]+$/.test(s)) v = Number.parseInt(s.slice(1), 8);
      else v = Number(s);
      if (!Number.isSafeInteger(v) || v > 0xffffffff || v < -0x80000000) {
        return { error: `number ${s} does not fit in 32 bits`, line };
      }
      toks.push({ t: 'num', v: v >>> 0, line });
      i += s.length;
      continue;
    }
    if (':,[]()+*&#%'.includes(c)) {
      toks.push({ t: 'punct', v: c, line });
      i++;
      continue;
    }
    return { error: `unknown character '${c}'`, line };
  }
  return toks;
}

// ---------------------------------------------------------------------------------------------- parsing

class Stop {
  readonly error: string;
  readonly line: number;
  constructor(error: string, line: number) {
    this.error = error;
    this.line = line;
  }
}

interface Pending {
  code: number;
  k: number;
  jt?: string;
  jf?: string;
  ja?: string;
  line: number;
}

const ALU: Readonly<Record<string, number>> = {
  add: 0x00,
  sub: 0x10,
  mul: 0x20,
  div: 0x30,
  or: 0x40,
  and: 0x50,
  lsh: 0x60,
  rsh: 0x70,
  mod: 0x90,
  xor: 0xa0,
};
const JMP: Readonly<Record<string, number>> = { jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40 };
const SZ: Readonly<Record<string, number>> = { ld: 0x00, ldh: 0x08, ldb: 0x10 };

export function parseBpfAsm(text: string): ParseResult {
  const lexed = lex(text);
  if (!Array.isArray(lexed)) return fail(lexed.error, lexed.line);
  const toks = lexed;
  let pos = 0;
  const insns: Pending[] = [];
  const labels = new Map<string, number>();
  const peek = (): Tok | undefined => toks[pos];
  const lastLine = () => toks[toks.length - 1]?.line ?? 1;
  const isP = (v: string, t = peek()) => t !== undefined && t.t === 'punct' && t.v === v;

  const stop = (msg: string, t = peek()): Stop => new Stop(msg, t?.line ?? lastLine());
  const want = (v: string): void => {
    if (!isP(v)) throw stop(`expected '${v}'`);
    pos++;
  };
  const number = (): number => {
    const t = peek();
    if (t === undefined || t.t !== 'num') throw stop('expected a number');
    pos++;
    return t.v;
  };
  const labelRef = (): string => {
    const t = peek();
    if (t === undefined || t.t !== 'label') throw stop('expected a label');
    pos++;
    return t.v;
  };
  /** `x` or `%x` */
  const xReg = (): boolean => {
    if (isP('x')) {
      pos++;
      return true;
    }
    if (isP('%') && isP('x', toks[pos + 1])) {
      pos += 2;
      return true;
    }
    return false;
  };
  /** `[x + k]`, `[%x + k]` or `[k]` after '[' */
  const bracket = (): { ind: boolean; k: number } => {
    want('[');
    let ind = false;
    if (xReg()) {
      want('+');
      ind = true;
    }
    const k = number();
    want(']');
    return { ind, k };
  };
  const msh = (): number => {
    const four = number();
    want('*');
    want('(');
    want('[');
    const k = number();
    want(']');
    want('&');
    const mask = number();
    want(')');
    if (four !== 4 || mask !== 0xf) throw stop('ldxb offset not supported! (only 4*([k]&0xf))');
    return k;
  };

  try {
    while (pos < toks.length) {
      let t = peek()!;
      if (t.t === 'label' && isP(':', toks[pos + 1])) {
        if (labels.has(t.v)) throw stop(`duplicate label '${t.v}'`, t);
        labels.set(t.v, insns.length);
        pos += 2;
        t = peek() ?? t;
        if (pos >= toks.length) throw stop('label without an instruction', t);
      }
      if (t.t !== 'op') throw stop('expected an instruction', t);
      if (insns.length >= BPF_MAXINSNS) throw stop(`only max ${BPF_MAXINSNS} insns allowed!`, t);
      pos++;
      const line = t.line;
      const op = t.v;
      const emit = (code: number, k = 0, extra: Partial<Pending> = {}) => {
        insns.push({ code, k: k >>> 0, line, ...extra });
      };
      const nx = peek();
      switch (op) {
        case 'ldb':
        case 'ldh':
        case 'ld': {
          const s = SZ[op]!;
          if (nx?.t === 'ext') {
            pos++;
            emit(0x20 | s, SKF_AD_OFF + nx.v);
          } else if (isP('[')) {
            const b = bracket();
            emit((b.ind ? 0x40 : 0x20) | s, b.k);
          } else if (op === 'ld' && nx?.t === 'len') {
            pos++;
            emit(0x80);
          } else if (op === 'ld' && isP('#')) {
            pos++;
            emit(0x00, number());
          } else if (op === 'ld' && isP('M')) {
            pos++;
            want('[');
            const k = number();
            want(']');
            emit(0x60, k);
          } else throw stop(`bad operand for ${op}`);
          break;
        }
        case 'ldi':
        case 'ldxi':
          if (isP('#')) pos++;
          emit(op === 'ldi' ? 0x00 : 0x01, number());
          break;
        case 'ldx':
          if (nx?.t === 'len') {
            pos++;
            emit(0x81);
          } else if (isP('#')) {
            pos++;
            emit(0x01, number());
          } else if (isP('M')) {
            pos++;
            want('[');
            const k = number();
            want(']');
            emit(0x61, k);
          } else if (nx?.t === 'num') emit(0xb1, msh());
          else throw stop('bad operand for ldx');
          break;
        case 'ldxb':
          emit(0xb1, msh());
          break;
        case 'st':
        case 'stx': {
          want('M');
          want('[');
          const k = number();
          want(']');
          emit(op === 'st' ? 0x02 : 0x03, k);
          break;
        }
        case 'jmp':
        case 'ja':
          emit(0x05, 0, { ja: labelRef() });
          break;
        case 'jeq':
        case 'jgt':
        case 'jge':
        case 'jset':
        case 'jneq':
        case 'jne':
        case 'jlt':
        case 'jle': {
          const base =
            op === 'jneq' || op === 'jne'
              ? 0x15
              : op === 'jlt'
                ? 0x35
                : op === 'jle'
                  ? 0x25
                  : 0x05 | JMP[op]!;
          const negated = op === 'jneq' || op === 'jne' || op === 'jlt' || op === 'jle';
          let code = base;
          let k = 0;
          if (xReg()) code |= 0x08;
          else {
            want('#');
            k = number();
          }
          want(',');
          const first = labelRef();
          if (negated) {
            emit(code, k, { jf: first });
          } else if (isP(',')) {
            pos++;
            emit(code, k, { jt: first, jf: labelRef() });
          } else emit(code, k, { jt: first });
          break;
        }
        case 'neg':
          emit(0x84);
          break;
        case 'tax':
          emit(0x07);
          break;
        case 'txa':
          emit(0x87);
          break;
        case 'ret':
          if (isP('a') || (isP('%') && isP('a', toks[pos + 1]))) {
            pos += isP('a') ? 1 : 2;
            emit(0x16);
          } else if (xReg()) emit(0x0e);
          else {
            want('#');
            emit(0x06, number());
          }
          break;
        default: {
          const alu = ALU[op]!;
          if (xReg()) emit(0x04 | alu | 0x08);
          else {
            want('#');
            emit(0x04 | alu, number());
          }
        }
      }
    }
  } catch (e) {
    if (e instanceof Stop) return fail(e.error, e.line);
    throw e;
  }

  const program: RawInsn[] = [];
  for (let i = 0; i < insns.length; i++) {
    const p = insns[i]!;
    const resolve = (name: string): number | Stop => {
      const at = labels.get(name);
      return at === undefined ? new Stop(`no such label '${name}'!`, p.line) : at;
    };
    let jt = 0;
    let jf = 0;
    let k = p.k;
    for (const [which, name] of [
      ['jt', p.jt],
      ['jf', p.jf],
      ['ja', p.ja],
    ] as const) {
      if (name === undefined) continue;
      const at = resolve(name);
      if (at instanceof Stop) return fail(at.error, at.line);
      const delta = at - i - 1;
      if (which === 'ja') k = delta >>> 0;
      else if (delta < 0 || delta > 255) {
        return fail(`insn #${i} jumps to insn #${at}, which is out of range`, p.line);
      } else if (which === 'jt') jt = delta;
      else jf = delta;
    }
    program.push({ code: p.code, jt, jf, k });
  }
  return { ok: true, program };
}
