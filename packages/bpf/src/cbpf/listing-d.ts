// tcpdump -d listing: libpcap 1.10.3's bpf_image, printed and parsed.
// Invariants:
// - printD(p) is byte-identical to libpcap 1.10.3 bpf_dump(p, 1) (one bpf_image line + "\n" per instruction):
//   "(%03d) %-8s %s" and, for BPF_JMP class with op != JA, "(%03d) %-8s %-16s jt %d\tjf %d" with absolute
//   targets n+1+jt / n+1+jf. Operands follow bpf_image: signed "%d" for offsets, memory indexes and
//   add/sub/mul/div/mod/lsh/rsh/ret constants, "#0x%x" for ld/ldx immediates, jump constants and
//   and/or/xor; `ld [proto]`-style names for SKF_AD loads; "unimp 0x%x" for opcodes bpf_image does not know
//   (including ldx #len, 0x81); "ja %d" prints the absolute target.
// - The listing drops fields the ISA ignores (and k of unimp lines), so parseD(printD(p)) equals p exactly when
//   p is canonical for listing: those ignored fields are zero (see `isCanonical` in insn.ts; unimp opcodes need
//   k = jt = jf = 0 except jt/jf of JMP-class opcodes).
// - parseD accepts the lines of printD, ignores blank lines and '#' comment lines, and requires the "(NNN)" line
//   numbers to count 0, 1, 2, ... It never throws.
import type { RawInsn } from './insn.ts';
import { ANCILLARY, ancillaryForK } from './opcodes.ts';
import { fail, type ParseResult, parseInteger } from './parse-result.ts';

type Fmt = 'none' | 'dec' | 'hexImm' | 'abs' | 'ind' | 'mem' | 'msh' | 'pktlen' | 'x' | 'ja';

/** bpf_image's switch: code -> [mnemonic, operand format]. Codes absent here print as "unimp". */
const IMAGE: ReadonlyMap<number, readonly [string, Fmt]> = new Map<number, readonly [string, Fmt]>([
  [0x06, ['ret', 'dec']],
  [0x16, ['ret', 'none']],
  [0x20, ['ld', 'abs']],
  [0x28, ['ldh', 'abs']],
  [0x30, ['ldb', 'abs']],
  [0x80, ['ld', 'pktlen']],
  [0x40, ['ld', 'ind']],
  [0x48, ['ldh', 'ind']],
  [0x50, ['ldb', 'ind']],
  [0x00, ['ld', 'hexImm']],
  [0x01, ['ldx', 'hexImm']],
  [0xb1, ['ldxb', 'msh']],
  [0x60, ['ld', 'mem']],
  [0x61, ['ldx', 'mem']],
  [0x02, ['st', 'mem']],
  [0x03, ['stx', 'mem']],
  [0x05, ['ja', 'ja']],
  [0x25, ['jgt', 'hexImm']],
  [0x35, ['jge', 'hexImm']],
  [0x15, ['jeq', 'hexImm']],
  [0x45, ['jset', 'hexImm']],
  [0x2d, ['jgt', 'x']],
  [0x3d, ['jge', 'x']],
  [0x1d, ['jeq', 'x']],
  [0x4d, ['jset', 'x']],
  [0x0c, ['add', 'x']],
  [0x1c, ['sub', 'x']],
  [0x2c, ['mul', 'x']],
  [0x3c, ['div', 'x']],
  [0x9c, ['mod', 'x']],
  [0x5c, ['and', 'x']],
  [0x4c, ['or', 'x']],
  [0xac, ['xor', 'x']],
  [0x6c, ['lsh', 'x']],
  [0x7c, ['rsh', 'x']],
  [0x04, ['add', 'dec']],
  [0x14, ['sub', 'dec']],
  [0x24, ['mul', 'dec']],
  [0x34, ['div', 'dec']],
  [0x94, ['mod', 'dec']],
  [0x54, ['and', 'hexImm']],
  [0x44, ['or', 'hexImm']],
  [0xa4, ['xor', 'hexImm']],
  [0x64, ['lsh', 'dec']],
  [0x74, ['rsh', 'dec']],
  [0x84, ['neg', 'none']],
  [0x07, ['tax', 'none']],
  [0x87, ['txa', 'none']],
]);

/** Reverse table: `${mnemonic} ${format}` -> code. */
const BY_FORM = new Map<string, number>([...IMAGE].map(([code, [op, fmt]]) => [`${op} ${fmt}`, code]));

function isCondJump(code: number): boolean {
  return (code & 0x07) === 0x05 && (code & 0xf0) !== 0x00;
}

/** One bpf_image line (without newline) for instruction `r` at index `n`. */
export function imageLine(r: RawInsn, n: number): string {
  const k = r.k >>> 0;
  const entry = IMAGE.get(r.code);
  let op: string;
  let operand: string;
  if (entry === undefined) {
    op = 'unimp';
    operand = `0x${(r.code >>> 0).toString(16)}`;
  } else {
    op = entry[0];
    switch (entry[1]) {
      case 'none':
        operand = '';
        break;
      case 'dec':
        operand = `#${k | 0}`;
        break;
      case 'hexImm':
        operand = `#0x${k.toString(16)}`;
        break;
      case 'abs': {
        const anc = ancillaryForK(k);
        operand = anc !== undefined ? `[${anc.pcapName}]` : `[${k | 0}]`;
        break;
      }
      case 'ind':
        operand = `[x + ${k | 0}]`;
        break;
      case 'mem':
        operand = `M[${k | 0}]`;
        break;
      case 'msh':
        operand = `4*([${k | 0}]&0xf)`;
        break;
      case 'pktlen':
        operand = '#pktlen';
        break;
      case 'x':
        operand = 'x';
        break;
      case 'ja':
        operand = String((n + 1 + k) | 0);
        break;
    }
  }
  const idx = String(n).padStart(3, '0');
  if (isCondJump(r.code)) {
    return `(${idx}) ${op.padEnd(8)} ${operand.padEnd(16)} jt ${n + 1 + r.jt}\tjf ${n + 1 + r.jf}`;
  }
  return `(${idx}) ${op.padEnd(8)} ${operand}`;
}

export function printD(p: readonly RawInsn[]): string {
  let s = '';
  for (let n = 0; n < p.length; n++) s += `${imageLine(p[n]!, n)}\n`;
  return s;
}

const PCAP_ANC = new Map<string, number>(ANCILLARY.map((r) => [r.pcapName, (0xfffff000 + r.offset) >>> 0]));
const I32 = [-0x80000000, 0xffffffff] as const;

/** Operand shapes of bpf_image, tried in order; the first capture group is the number (or ancillary name). */
const FORMS: readonly (readonly [RegExp, Fmt])[] = [
  [/^#(0x[0-9a-fA-F]+)$/, 'hexImm'],
  [/^#([-+]?\d+)$/, 'dec'],
  [/^\[x \+ ([-+]?\d+)\]$/, 'ind'],
  [/^\[([-+]?\d+)\]$/, 'abs'],
  [/^\[([a-z_]+)\]$/, 'abs'],
  [/^M\[([-+]?\d+)\]$/, 'mem'],
  [/^4\*\(\[([-+]?\d+)\]&0xf\)$/, 'msh'],
  [/^([-+]?\d+)$/, 'ja'],
];

function operandOf(operand: string): { fmt: Fmt; k: number } | undefined {
  if (operand === '') return { fmt: 'none', k: 0 };
  if (operand === 'x') return { fmt: 'x', k: 0 };
  if (operand === '#pktlen') return { fmt: 'pktlen', k: 0 };
  for (const [re, fmt] of FORMS) {
    const m = re.exec(operand);
    if (m === null) continue;
    const text = m[1]!;
    const k = /^[a-z_]+$/.test(text) ? PCAP_ANC.get(text) : parseInteger(text, ...I32);
    return k === undefined ? undefined : { fmt, k };
  }
  return undefined;
}

/** Parse a tcpdump -d listing back into raw instructions. */
export function parseD(text: string): ParseResult {
  const program: RawInsn[] = [];
  const lines = text.split('\n');
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const lineNo = li + 1;
    const m = /^\((\d+)\) (\S+) *(.*)$/.exec(line);
    if (m === null) return fail(`expected "(NNN) op operand", found "${line}"`, lineNo);
    const n = Number(m[1]);
    if (n !== program.length)
      return fail(`instruction number ${n} out of sequence (expected ${program.length})`, lineNo);
    const op = m[2]!;
    let rest = m[3]!;
    let jt = 0;
    let jf = 0;
    let hasTargets = false;
    const jm = /^(.*?) *jt (\d+)\tjf (\d+)$/.exec(rest);
    if (jm !== null) {
      rest = jm[1]!;
      const t = Number(jm[2]) - n - 1;
      const f = Number(jm[3]) - n - 1;
      if (t < 0 || t > 255 || f < 0 || f > 255)
        return fail(`jump targets ${jm[2]}/${jm[3]} out of range`, lineNo);
      jt = t;
      jf = f;
      hasTargets = true;
    }
    const operand = rest.trimEnd();
    if (op === 'unimp') {
      const code = parseInteger(operand, 0, 0xffff);
      if (code === undefined || !operand.startsWith('0x'))
        return fail(`bad unimp opcode "${operand}"`, lineNo);
      if (hasTargets !== isCondJump(code)) return fail('jump targets do not match the opcode class', lineNo);
      program.push({ code, jt, jf, k: 0 });
      continue;
    }
    const o = operandOf(operand);
    if (o === undefined) return fail(`cannot parse operand "${operand}" of ${op}`, lineNo);
    // `#N` decimal also serves the hex-immediate forms' readers and vice versa only where bpf_image prints it.
    const code = BY_FORM.get(`${op} ${o.fmt}`);
    if (code === undefined) return fail(`"${op} ${operand}" is not a bpf_image form`, lineNo);
    if (hasTargets !== isCondJump(code)) {
      return fail(hasTargets ? `${op} takes no jump targets` : `${op} needs "jt N<TAB>jf N"`, lineNo);
    }
    const k = o.fmt === 'ja' ? (o.k - n - 1) >>> 0 : o.k >>> 0;
    program.push({ code, jt, jf, k });
  }
  return { ok: true, program };
}
