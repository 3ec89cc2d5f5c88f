// Numeric program listings: tcpdump -ddd, tcpdump -dd (C array) and the tc / iptables / xdpcap `bytecode` string.
// Invariants:
// - printDdd / printDd are byte-identical to libpcap 1.10.3's bpf_dump (option 3 / option 2):
//   "%d\n" then "%u %u %u %u\n" per instruction; "{ 0x%x, %d, %d, 0x%08x },\n" per instruction.
// - printBytecode gives "N,c t f k,c t f k" (no trailing comma), the form iproute2's bpf_parse_string reads.
// - parse(print(p)) deep-equals p for every program whose fields are in range (code < 2^16, jt/jf < 2^8, k < 2^32).
// - Parsers never throw; they report the first fault with its 1-based line.
import type { RawInsn } from './insn.ts';
import { BPF_MAXINSNS } from './opcodes.ts';
import { fail, type ParseResult, parseInteger } from './parse-result.ts';

export function printDdd(p: readonly RawInsn[]): string {
  let s = `${p.length}\n`;
  for (const r of p) s += `${r.code} ${r.jt} ${r.jf} ${r.k >>> 0}\n`;
  return s;
}

export function printDd(p: readonly RawInsn[]): string {
  let s = '';
  for (const r of p) {
    s += `{ 0x${r.code.toString(16)}, ${r.jt}, ${r.jf}, 0x${(r.k >>> 0).toString(16).padStart(8, '0')} },\n`;
  }
  return s;
}

export function printBytecode(p: readonly RawInsn[]): string {
  return [String(p.length), ...p.map((r) => `${r.code} ${r.jt} ${r.jf} ${r.k >>> 0}`)].join(',');
}

function tuple(fields: readonly string[], line: number): RawInsn | { error: string; line: number } {
  if (fields.length !== 4)
    return { error: `expected 4 numbers "code jt jf k", found ${fields.length}`, line };
  const code = parseInteger(fields[0]!, 0, 0xffff);
  const jt = parseInteger(fields[1]!, 0, 0xff);
  const jf = parseInteger(fields[2]!, 0, 0xff);
  const k = parseInteger(fields[3]!, -0x80000000, 0xffffffff);
  if (code === undefined) return { error: `bad opcode "${fields[0]}" (0..65535)`, line };
  if (jt === undefined) return { error: `bad jt "${fields[1]}" (0..255)`, line };
  if (jf === undefined) return { error: `bad jf "${fields[2]}" (0..255)`, line };
  if (k === undefined) return { error: `bad k "${fields[3]}" (32-bit)`, line };
  return { code, jt, jf, k: k >>> 0 };
}

/**
 * tcpdump -ddd text: a count line, then one "code jt jf k" line per instruction (decimal). Blank lines are
 * ignored. A first line that is not a number but is followed by the count (the corpus's filter-text title line)
 * is skipped.
 */
export function parseDdd(text: string): ParseResult {
  const lines = text.split('\n').map((l, i) => ({ text: l.trim(), line: i + 1 }));
  const body = lines.filter((l) => l.text !== '');
  if (body.length === 0) return fail('empty input: expected an instruction count', 1);
  let start = 0;
  if (!/^\d+$/.test(body[0]!.text) && body.length > 1 && /^\d+$/.test(body[1]!.text)) start = 1;
  const head = body[start]!;
  const n = parseInteger(head.text, 0, Number.MAX_SAFE_INTEGER);
  if (n === undefined || !/^\d+$/.test(head.text))
    return fail(`expected an instruction count, found "${head.text}"`, head.line);
  const rows = body.slice(start + 1);
  const program: RawInsn[] = [];
  for (const row of rows) {
    if (program.length === n) return fail(`more instructions than the count ${n}`, row.line);
    const t = tuple(row.text.split(/\s+/), row.line);
    if ('error' in t) return fail(t.error, t.line);
    program.push(t);
  }
  if (program.length !== n) return fail(`count says ${n} instructions, found ${program.length}`, 0);
  return { ok: true, program };
}

/** tcpdump -dd / bpf_asm -c text: one "{ code, jt, jf, k }," per line; numbers decimal or 0x hex. */
export function parseDd(text: string): ParseResult {
  const program: RawInsn[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '' || l.startsWith('//') || l.startsWith('#')) continue;
    // Linear scan (no backtracking regex): "{" fields "}" with an optional trailing ",".
    const close = l.lastIndexOf('}');
    const tail = close < 0 ? '' : l.slice(close + 1).trim();
    const fields =
      l.startsWith('{') && close > 0 && (tail === '' || tail === ',') ? l.slice(1, close).split(',') : [];
    if (fields.length !== 4) return fail(`expected "{ code, jt, jf, k },", found "${l.slice(0, 80)}"`, i + 1);
    const t = tuple(
      fields.map((f) => f.trim()),
      i + 1,
    );
    if ('error' in t) return fail(t.error, t.line);
    program.push(t);
  }
  return { ok: true, program };
}

/**
 * tc `bytecode` / iptables `--bytecode` string: "N,c t f k,c t f k,..." (iproute2 lib/bpf_legacy.c
 * bpf_parse_string). Newlines count as commas (bytecode-file form), one trailing comma is allowed, and
 * 1 <= N <= 4096 must equal the number of tuples.
 */
export function parseBytecode(s: string): ParseResult {
  const lines = s.split('\n');
  type Tok = { text: string; line: number };
  const toks: Tok[] = [];
  lines.forEach((l, i) => {
    for (const part of l.split(',')) toks.push({ text: part.trim(), line: i + 1 });
  });
  const items = toks.filter((t) => t.text !== '');
  if (items.length === 0) return fail('empty bytecode', 1);
  const head = items[0]!;
  if (!/^\d+$/.test(head.text))
    return fail(`expected the instruction count, found "${head.text}"`, head.line);
  const n = Number(head.text);
  if (n < 1 || n > BPF_MAXINSNS) return fail(`instruction count ${n} not in 1..${BPF_MAXINSNS}`, head.line);
  const rows = items.slice(1);
  if (rows.length > n) return fail('Real program length exceeds encoded length parameter!', rows[n]!.line);
  if (rows.length < n) return fail('Parsed program length is less than encoded length parameter!', 0);
  const program: RawInsn[] = [];
  for (const row of rows) {
    const t = tuple(row.text.split(/\s+/), row.line);
    if ('error' in t) return fail(t.error, t.line);
    program.push(t);
  }
  return { ok: true, program };
}
