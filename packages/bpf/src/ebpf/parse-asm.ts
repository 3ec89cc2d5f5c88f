// Assembler for the verifier-log syntax printed by disasm.ts (kernel/bpf/disasm.c forms + extensions).
// Invariants: parseInsnText inverts formatInsn for every instruction (round trip is checked by
// property tests); a line may carry the log's `N:` index and `(cc)` opcode prefix (the opcode, when
// given, must equal the parsed one, or it selects the opcode of a `raw` line). parseAsm also takes
// label lines `name:` and symbolic targets (`goto name`, `if r1 > 0x5 goto name`, `call name`,
// `gotol name`) which it leaves as `target` for assemble(); comments start with `;` or `//`.
// Errors are values carrying the 1-based line number; no input makes it throw.
import { HELPER_NAMES } from './helper-ids.ts';
import type { Insn } from './insn.ts';
import { ALU_OP, ATOMIC_OP, CLASS, JMP_OP, MODE, OPCODE, PSEUDO_CALL, SIZE, SOURCE } from './opcode.ts';

export type ParseInsnResult = { ok: true; insn: Insn } | { ok: false; error: string };
export type ParseAsmResult = { ok: true; insns: Insn[] } | { ok: false; error: string; line: number };

const ALU_BY_TEXT: Readonly<Record<string, number>> = {
  '+=': ALU_OP.add,
  '-=': ALU_OP.sub,
  '*=': ALU_OP.mul,
  '/=': ALU_OP.div,
  '|=': ALU_OP.or,
  '&=': ALU_OP.and,
  '<<=': ALU_OP.lsh,
  '>>=': ALU_OP.rsh,
  '%=': ALU_OP.mod,
  '^=': ALU_OP.xor,
  '=': ALU_OP.mov,
  's>>=': ALU_OP.arsh,
  's/=': ALU_OP.div,
  's%=': ALU_OP.mod,
};
const JMP_BY_TEXT: Readonly<Record<string, number>> = {
  '==': JMP_OP.jeq,
  '>': JMP_OP.jgt,
  '>=': JMP_OP.jge,
  '&': JMP_OP.jset,
  '!=': JMP_OP.jne,
  's>': JMP_OP.jsgt,
  's>=': JMP_OP.jsge,
  '<': JMP_OP.jlt,
  '<=': JMP_OP.jle,
  's<': JMP_OP.jslt,
  's<=': JMP_OP.jsle,
};
const SIZE_BY_TEXT: Readonly<Record<string, number>> = { u32: SIZE.w, u16: SIZE.h, u8: SIZE.b, u64: SIZE.dw };
const SX_BY_TEXT: Readonly<Record<string, number>> = { s32: SIZE.w, s16: SIZE.h, s8: SIZE.b, s64: SIZE.dw };
const ATOMIC_BY_TEXT: Readonly<Record<string, number>> = {
  '+=': ATOMIC_OP.add,
  '&=': ATOMIC_OP.and,
  '|=': ATOMIC_OP.or,
  '^=': ATOMIC_OP.xor,
  add: ATOMIC_OP.add,
  and: ATOMIC_OP.and,
  or: ATOMIC_OP.or,
  xor: ATOMIC_OP.xor,
};
const PSEUDO_BY_TEXT: Readonly<Record<string, number>> = {
  map_fd: 1,
  map_value: 2,
  btf_id: 3,
  func: 4,
  map_idx: 5,
  map_idx_value: 6,
};

const helperIds: ReadonlyMap<string, number> = new Map(HELPER_NAMES.map((n, id) => [`bpf_${n}`, id]));

const REG = '([rw])(\\d{1,2})';
const OFF = '([+-]\\d+)';
const NUM = '(-?\\d+)';
const TARGET = '(pc[+-]\\d+|[A-Za-z_.$][\\w.$]*)';

type Rule = { re: RegExp; build: (m: RegExpExecArray) => Insn | string };

const ins = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({
  code,
  dst,
  src,
  off,
  imm,
});

/** A register number (≤ 15) and whether it was written as wN. */
function reg(letter: string | undefined, digits: string | undefined): { n: number; w: boolean } | string {
  const n = Number(digits);
  if (!(n >= 0 && n <= 15)) return `bad register ${letter}${digits}`;
  return { n, w: letter === 'w' };
}
function int(text: string | undefined, lo: number, hi: number, what: string): number | string {
  const v = Number(text);
  if (!Number.isInteger(v) || v < lo || v > hi) return `${what} ${text} out of range`;
  return v;
}
const S16 = [-32768, 32767] as const;
const S32 = [-2147483648, 2147483647] as const;

/** Applies a target (`pc+N` or label) to off or imm of a base instruction. */
function target(base: Insn, t: string, field: 'off' | 'imm'): Insn | string {
  if (t.startsWith('pc')) {
    const range = field === 'off' ? S16 : S32;
    const v = int(t.slice(2), range[0], range[1], 'offset');
    return typeof v === 'string' ? v : { ...base, [field]: v };
  }
  return { ...base, target: t };
}

const RULES: readonly Rule[] = [
  {
    re: /^exit$/,
    build: () => ins(OPCODE.exit, 0, 0, 0, 0),
  },
  {
    re: new RegExp(`^goto ${TARGET}$`),
    build: (m) => target(ins(OPCODE.ja, 0, 0, 0, 0), m[1]!, 'off'),
  },
  {
    re: new RegExp(`^gotol ${TARGET}$`),
    build: (m) => target(ins(OPCODE.gotol, 0, 0, 0, 0), m[1]!, 'imm'),
  },
  {
    re: new RegExp(`^may_goto ${TARGET}$`),
    build: (m) => target(ins(OPCODE.mayGoto, 0, 0, 0, 0), m[1]!, 'off'),
  },
  {
    re: /^call pc([+-]\d+)$/,
    build: (m) => {
      const v = int(m[1], S32[0], S32[1], 'call offset');
      return typeof v === 'string' ? v : ins(OPCODE.call, 0, PSEUDO_CALL.call, 0, v);
    },
  },
  {
    re: /^call ([A-Za-z_][\w-]*)#(-?\d+)$/,
    build: (m) => {
      const id = int(m[2], S32[0], S32[1], 'helper id');
      if (typeof id === 'string') return id;
      const name = m[1]!;
      if (name === 'kernel-function') return ins(OPCODE.call, 0, PSEUDO_CALL.kfunc, 0, id);
      if (name !== 'unknown' && helperIds.get(name) !== id) return `helper ${name} is not #${id}`;
      return ins(OPCODE.call, 0, PSEUDO_CALL.helper, 0, id);
    },
  },
  {
    re: /^call ([A-Za-z_][\w.$]*)$/,
    build: (m) => {
      const id = helperIds.get(m[1]!);
      if (id !== undefined) return ins(OPCODE.call, 0, PSEUDO_CALL.helper, 0, id);
      return { ...ins(OPCODE.call, 0, PSEUDO_CALL.call, 0, 0), target: m[1]! };
    },
  },
  {
    re: new RegExp(
      `^if ${REG} (==|>|>=|&|!=|s>|s>=|<|<=|s<|s<=) (?:${REG}|(0x[0-9a-fA-F]+|-?\\d+)) goto ${TARGET}$`,
    ),
    build: (m) => {
      const d = reg(m[1], m[2]);
      if (typeof d === 'string') return d;
      const cls = d.w ? CLASS.jmp32 : CLASS.jmp;
      const op = JMP_BY_TEXT[m[3]!]!;
      if (m[4] !== undefined) {
        const s = reg(m[4], m[5]);
        if (typeof s === 'string') return s;
        if (s.w !== d.w) return 'mixed register widths';
        return target(ins(cls | op | SOURCE.x, d.n, s.n, 0, 0), m[7]!, 'off');
      }
      const v = Number(m[6]);
      if (!Number.isSafeInteger(v) || v < S32[0] || v > 0xffffffff) return `immediate ${m[6]} out of range`;
      return target(ins(cls | op | SOURCE.k, d.n, 0, 0, v | 0), m[7]!, 'off');
    },
  },
  {
    re: new RegExp(`^${REG} = -${REG}$`),
    build: (m) => {
      const d = reg(m[1], m[2]);
      const s = reg(m[3], m[4]);
      if (typeof d === 'string') return d;
      if (typeof s === 'string') return s;
      if (d.n !== s.n || d.w !== s.w) return 'neg needs the same register on both sides';
      return ins((d.w ? CLASS.alu : CLASS.alu64) | ALU_OP.neg, d.n, 0, 0, 0);
    },
  },
  {
    re: /^r(\d{1,2}) = (be|le|bswap)(\d+) r(\d{1,2})$/,
    build: (m) => {
      if (m[1] !== m[4]) return 'byte swap needs the same register on both sides';
      const d = reg('r', m[1]);
      if (typeof d === 'string') return d;
      const bits = int(m[3], S32[0], S32[1], 'width');
      if (typeof bits === 'string') return bits;
      const code =
        m[2] === 'bswap'
          ? CLASS.alu64 | ALU_OP.end
          : CLASS.alu | ALU_OP.end | (m[2] === 'be' ? SOURCE.x : SOURCE.k);
      return ins(code, d.n, 0, 0, bits);
    },
  },
  {
    re: /^r(\d{1,2}) = addr_space_cast\(r(\d{1,2}), (\d+), (\d+)\)$/,
    build: (m) => {
      const a = Number(m[3]);
      const b = Number(m[4]);
      if (a > 0xffff || b > 0xffff) return 'address space out of range';
      return ins(CLASS.alu64 | ALU_OP.mov | SOURCE.x, Number(m[1]), Number(m[2]), 1, (a << 16) | b | 0);
    },
  },
  {
    re: /^r(\d{1,2}) = &\(void __percpu \*\)\(r(\d{1,2})\)$/,
    build: (m) => ins(CLASS.alu64 | ALU_OP.mov | SOURCE.x, Number(m[1]), Number(m[2]), -1, 0),
  },
  {
    re: /^r(\d{1,2}) = \*\((u8|u16|u32|u64|s8|s16|s32|s64) \*\)\(r(\d{1,2}) ([+-]\d+)\)$/,
    build: (m) => {
      const off = int(m[4], S16[0], S16[1], 'offset');
      if (typeof off === 'string') return off;
      const sz = m[2]!;
      const code = sz.startsWith('s')
        ? CLASS.ldx | MODE.memsx | SX_BY_TEXT[sz]!
        : CLASS.ldx | MODE.mem | SIZE_BY_TEXT[sz]!;
      return ins(code, Number(m[1]), Number(m[3]), off, 0);
    },
  },
  {
    re: new RegExp(`^\\*\\((u8|u16|u32|u64) \\*\\)\\(r(\\d{1,2}) ${OFF}\\) = (?:r(\\d{1,2})|${NUM})$`),
    build: (m) => {
      const off = int(m[3], S16[0], S16[1], 'offset');
      if (typeof off === 'string') return off;
      const size = SIZE_BY_TEXT[m[1]!]!;
      if (m[4] !== undefined) return ins(CLASS.stx | MODE.mem | size, Number(m[2]), Number(m[4]), off, 0);
      const imm = int(m[5], S32[0], S32[1], 'immediate');
      return typeof imm === 'string' ? imm : ins(CLASS.st | MODE.mem | size, Number(m[2]), 0, off, imm);
    },
  },
  {
    re: new RegExp(
      `^lock \\*\\((u8|u16|u32|u64) \\*\\)\\(r(\\d{1,2}) ${OFF}\\) (\\+=|&=|\\|=|\\^=) r(\\d{1,2})$`,
    ),
    build: (m) => {
      const off = int(m[3], S16[0], S16[1], 'offset');
      if (typeof off === 'string') return off;
      const code = CLASS.stx | MODE.atomic | SIZE_BY_TEXT[m[1]!]!;
      return ins(code, Number(m[2]), Number(m[5]), off, ATOMIC_BY_TEXT[m[4]!]!);
    },
  },
  {
    re: new RegExp(
      `^r(\\d{1,2}) = atomic(64)?_(fetch_add|fetch_and|fetch_or|fetch_xor|xchg)\\(\\((u8|u16|u32|u64) \\*\\)\\(r(\\d{1,2}) ${OFF}\\), r(\\d{1,2})\\)$`,
    ),
    build: (m) => {
      if (m[1] !== m[7]) return 'atomic fetch writes its source register';
      if ((m[2] === '64') !== (m[4] === 'u64')) return 'atomic width mismatch';
      const off = int(m[6], S16[0], S16[1], 'offset');
      if (typeof off === 'string') return off;
      const what = m[3]!;
      const imm = what === 'xchg' ? ATOMIC_OP.xchg : ATOMIC_BY_TEXT[what.slice(6)]! | ATOMIC_OP.fetch;
      return ins(CLASS.stx | MODE.atomic | SIZE_BY_TEXT[m[4]!]!, Number(m[5]), Number(m[1]), off, imm);
    },
  },
  {
    re: new RegExp(
      `^r0 = atomic(64)?_cmpxchg\\(\\((u8|u16|u32|u64) \\*\\)\\(r(\\d{1,2}) ${OFF}\\), r0, r(\\d{1,2})\\)$`,
    ),
    build: (m) => {
      if ((m[1] === '64') !== (m[2] === 'u64')) return 'atomic width mismatch';
      const off = int(m[4], S16[0], S16[1], 'offset');
      if (typeof off === 'string') return off;
      return ins(
        CLASS.stx | MODE.atomic | SIZE_BY_TEXT[m[2]!]!,
        Number(m[3]),
        Number(m[5]),
        off,
        ATOMIC_OP.cmpxchg,
      );
    },
  },
  {
    re: new RegExp(`^r(\\d{1,2}) = load_acquire\\(\\((u8|u16|u32|u64) \\*\\)\\(r(\\d{1,2}) ${OFF}\\)\\)$`),
    build: (m) => {
      const off = int(m[4], S16[0], S16[1], 'offset');
      if (typeof off === 'string') return off;
      const code = CLASS.stx | MODE.atomic | SIZE_BY_TEXT[m[2]!]!;
      return ins(code, Number(m[1]), Number(m[3]), off, ATOMIC_OP.loadAcquire);
    },
  },
  {
    re: new RegExp(`^store_release\\(\\((u8|u16|u32|u64) \\*\\)\\(r(\\d{1,2}) ${OFF}\\), r(\\d{1,2})\\)$`),
    build: (m) => {
      const off = int(m[3], S16[0], S16[1], 'offset');
      if (typeof off === 'string') return off;
      const code = CLASS.stx | MODE.atomic | SIZE_BY_TEXT[m[1]!]!;
      return ins(code, Number(m[2]), Number(m[4]), off, ATOMIC_OP.storeRelease);
    },
  },
  {
    re: new RegExp(`^r0 = \\*\\((u8|u16|u32|u64) \\*\\)skb\\[(?:r(\\d{1,2}) \\+ )?${NUM}\\]$`),
    build: (m) => {
      const imm = int(m[3], S32[0], S32[1], 'offset');
      if (typeof imm === 'string') return imm;
      const size = SIZE_BY_TEXT[m[1]!]!;
      if (m[2] === undefined) return ins(CLASS.ld | MODE.abs | size, 0, 0, 0, imm);
      return ins(CLASS.ld | MODE.ind | size, 0, Number(m[2]), 0, imm);
    },
  },
  {
    re: /^r(\d{1,2}) = (?:0x([0-9a-fA-F]{1,16})|(map_fd|map_value|btf_id|func|map_idx|map_idx_value|pseudo\d+)\[(?:0x([0-9a-fA-F]{1,16})|([A-Za-z_.$][\w.$]*))\])$/,
    build: (m) => {
      const dst = Number(m[1]);
      let src = 0;
      if (m[3] !== undefined) {
        src = PSEUDO_BY_TEXT[m[3]] ?? Number(m[3].slice(6));
        if (!(src >= 0 && src <= 15)) return `bad pseudo source ${m[3]}`;
      }
      const imm64 = BigInt(`0x${m[2] ?? m[4] ?? '0'}`);
      const base: Insn = { ...ins(OPCODE.ldImm64, dst, src, 0, Number(BigInt.asIntN(32, imm64))), imm64 };
      if (m[5] === undefined) return base;
      return src === 4 ? { ...base, target: m[5] } : { ...base, map: m[5] };
    },
  },
  {
    re: new RegExp(
      `^${REG} (s/=|s%=|\\+=|-=|\\*=|/=|\\|=|&=|<<=|>>=|%=|\\^=|=|s>>=) (?:(\\(s(?:8|16|32)\\))?${REG}|${NUM})$`,
    ),
    build: (m) => {
      const d = reg(m[1], m[2]);
      if (typeof d === 'string') return d;
      const opText = m[3]!;
      const cls = d.w ? CLASS.alu : CLASS.alu64;
      const op = ALU_BY_TEXT[opText]!;
      const sdiv = opText === 's/=' || opText === 's%=' ? 1 : 0;
      if (m[5] !== undefined) {
        const s = reg(m[5], m[6]);
        if (typeof s === 'string') return s;
        if (s.w !== d.w) return 'mixed register widths';
        let off = sdiv;
        if (m[4] !== undefined) {
          if (op !== ALU_OP.mov) return 'sign extension applies to moves only';
          off = Number(m[4].slice(2, -1));
        }
        return ins(cls | op | SOURCE.x, d.n, s.n, off, 0);
      }
      const imm = int(m[7], S32[0], S32[1], 'immediate');
      return typeof imm === 'string' ? imm : ins(cls | op | SOURCE.k, d.n, 0, sdiv, imm);
    },
  },
];

const RAW_RE = /^raw dst=(\d+) src=(\d+) off=(-?\d+) imm=(-?\d+)(?: imm64=0x([0-9a-fA-F]{1,16}))?$/;

/** Parses one instruction's text; `code` (from a `(cc)` prefix) is required for `raw` lines and checked otherwise. */
export function parseInsnText(text: string, code?: number): ParseInsnResult {
  const t = text.trim().replace(/\s+/g, ' ');
  const raw = RAW_RE.exec(t);
  if (raw !== null) {
    if (code === undefined) return { ok: false, error: 'raw instruction needs an (opcode) prefix' };
    const dst = Number(raw[1]);
    const src = Number(raw[2]);
    const off = Number(raw[3]);
    const imm = Number(raw[4]);
    if (dst > 15 || src > 15 || off < S16[0] || off > S16[1] || imm < S32[0] || imm > S32[1]) {
      return { ok: false, error: 'raw field out of range' };
    }
    const insn = ins(code, dst, src, off, imm);
    if (raw[5] === undefined) return { ok: true, insn };
    if (code !== OPCODE.ldImm64) return { ok: false, error: 'imm64 only on ld_imm64 (0x18)' };
    return { ok: true, insn: { ...insn, imm64: BigInt(`0x${raw[5]}`) } };
  }
  for (const rule of RULES) {
    const m = rule.re.exec(t);
    if (m === null) continue;
    const r = rule.build(m);
    if (typeof r === 'string') return { ok: false, error: r };
    if (r.dst > 15 || r.src > 15) return { ok: false, error: 'register out of range' };
    if (code !== undefined && code !== r.code) {
      return { ok: false, error: `opcode (${code.toString(16).padStart(2, '0')}) does not match '${t}'` };
    }
    return { ok: true, insn: r };
  }
  return { ok: false, error: `cannot parse '${t}'` };
}

// `s`: the body may hold any character, including lone CR or U+2028/U+2029 (which `.` does not match).
const LINE_RE = /^(?:(\d+):\s*)?(?:\(([0-9a-fA-F]{2})\)\s*)?(.*)$/s;

/** Parses a listing (disassemble's output, or hand-written text with labels). */
export function parseAsm(text: string): ParseAsmResult {
  const insns: Insn[] = [];
  let pending: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    const c = line.search(/;|\/\//);
    if (c >= 0) line = line.slice(0, c);
    line = line.trim();
    if (line === '') continue;
    const label = /^([A-Za-z_.$][\w.$]*):$/.exec(line);
    if (label !== null) {
      if (pending !== undefined) return { ok: false, error: `two labels for one instruction`, line: n + 1 };
      pending = label[1]!;
      continue;
    }
    const m = LINE_RE.exec(line);
    if (m === null) return { ok: false, error: `cannot parse '${line}'`, line: n + 1 };
    const r = parseInsnText(m[3] ?? '', m[2] === undefined ? undefined : Number.parseInt(m[2], 16));
    if (!r.ok) return { ok: false, error: r.error, line: n + 1 };
    insns.push(pending === undefined ? r.insn : { ...r.insn, label: pending });
    pending = undefined;
  }
  if (pending !== undefined)
    return { ok: false, error: `label '${pending}' has no instruction`, line: lines.length };
  return { ok: true, insns };
}
