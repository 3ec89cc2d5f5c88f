// Helpers shared by the corpus tests: the fspecr/pv and fspecr/pw fixture formats (captured from the
// kernel for the uprobe definitions of spec Appendix A) and record construction from the corpus
// `p A B STR C` argument lists, mirroring what fspec_t passes in rdi/rsi/rdx/rcx.
// Invariant: pure helpers; reads only files under test/fixtures and the read-only shared corpus.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type EventFormat, type FilterDialect, parseFormat, profileByName } from '../src/index.ts';

// The shared corpus sits beside the repository (../shared), in every checkout and in CI.
export const CORPUS_DIR = fileURLToPath(
  new URL('../../../../shared/corpus/tracefs-kernel-6.18', import.meta.url),
);

/** The corpus was recorded on the earlier 6.18.44 build (fc-v669): its dialect judges it. */
export const CORPUS_DIALECT: FilterDialect = profileByName('6.18-v669') as FilterDialect;

export function fixtureEvent(file: string, system: string, name: string): EventFormat {
  const r = parseFormat(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8'), {
    system,
    name,
  });
  if (!r.ok) throw new Error(`fixture ${file}: ${r.error.message} at line ${r.error.line}`);
  return r.event;
}

export function loadCorpus(file: string): unknown {
  return JSON.parse(readFileSync(`${CORPUS_DIR}/${file}`, 'utf8'));
}

const MASKS: Readonly<Record<string, bigint>> = {
  a8: 0xffn,
  s8: 0xffn,
  a16: 0xffffn,
  s16: 0xffffn,
  a32: 0xffffffffn,
  s32: 0xffffffffn,
  a64: (1n << 64n) - 1n,
  s64: (1n << 64n) - 1n,
  x32: 0xffffffffn,
};

/** fspec_t's num(): strtoll for a leading '-', else strtoull, as the 64-bit register value. */
function num(s: string): bigint {
  return BigInt.asUintN(64, BigInt(s));
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** The JSON record for `p A B STR [C]` with optional -c CPU / -n COMM options. */
export function pvRecordJson(
  args: string,
  opts: { cpu?: number; comm?: string } = {},
): Record<string, unknown> {
  const parts = args.split(' ');
  const a = num(parts[1] ?? '0');
  const b = num(parts[2] ?? '0');
  const str = parts[3] ?? '';
  const cArg = parts[4] ?? '0';
  const c = num(cArg);
  const rec: Record<string, unknown> = {
    common_type: 2326,
    common_pid: 4242,
    __probe_ip: '0x5555555551f7',
    b: hex(b),
    c: hex(c),
    str,
    ptr: '0x7ffd5f3a1000',
  };
  for (const [k, m] of Object.entries(MASKS)) rec[k] = hex(a & m);
  // arr = 16 bytes read from the string's address: the string, its NUL, then the next argv string.
  const mem = [...Buffer.from(str, 'utf8'), 0, ...Buffer.from(cArg, 'utf8'), 0];
  while (mem.length < 16) mem.push(0);
  rec.arr = mem.slice(0, 16);
  rec.cpu = opts.cpu ?? 0;
  rec.comm = opts.comm ?? 'fspec_t';
  return rec;
}

export function optsFrom(list: unknown): { cpu?: number; comm?: string } {
  const out: { cpu?: number; comm?: string } = {};
  if (!Array.isArray(list)) return out;
  for (let i = 0; i + 1 < list.length; i += 2) {
    if (list[i] === '-c') out.cpu = Number(list[i + 1]);
    if (list[i] === '-n') out.comm = String(list[i + 1]);
  }
  return out;
}
