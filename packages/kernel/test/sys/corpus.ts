// Test helper: the libpcap 1.10.3 corpus programs (.ddd) as encoded struct sock_filter bytes.
// Invariants: pure parsing of `tcpdump -ddd` text (line 1 filter text, line 2 count, then
// "code jt jf k" decimal lines); programs are returned in sorted file order; a malformed file
// throws (corpus data is trusted fixture input, not user input).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CORPUS_DIR } from './frames.ts';

export interface CorpusProgram {
  /** e.g. "01-tcp", "unopt/01-tcp", "live-lo/27-vlan". */
  readonly id: string;
  readonly filter: string;
  readonly lines: readonly (readonly [number, number, number, number])[];
  readonly bytes: Uint8Array;
  /** Uses Linux ancillary loads (SKF_AD_OFF = -0x1000 region), which only the kernel implements. */
  readonly ancillary: boolean;
  /** Has a `ja` whose target lies before it (libpcap's `protochain` loop): libpcap sign-extends ja's k, the kernel refuses the program. */
  readonly backwardJump: boolean;
}

export function encodeSockFilter(lines: readonly (readonly [number, number, number, number])[]): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(lines.length * 8));
  const v = new DataView(out.buffer);
  lines.forEach(([code, jt, jf, k], i) => {
    v.setUint16(i * 8, code, true);
    v.setUint8(i * 8 + 2, jt);
    v.setUint8(i * 8 + 3, jf);
    v.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return out;
}

/** Parses `n` then n lines of "code jt jf k" starting at `lines[start]`. */
function parseListing(text: string[], start: number): [number, number, number, number][] {
  const n = Number(text[start]);
  const out: [number, number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const f = (text[start + 1 + i] ?? '').trim().split(/\s+/).map(Number);
    if (f.length !== 4 || f.some((x) => !Number.isFinite(x)))
      throw new Error(`bad ddd line ${start + 1 + i}`);
    out.push([f[0] ?? 0, f[1] ?? 0, f[2] ?? 0, f[3] ?? 0]);
  }
  return out;
}

function isAncillary(lines: readonly (readonly [number, number, number, number])[]): boolean {
  // BPF_LD|BPF_ABS with k >= 0xfffff000 (SKF_AD_OFF / SKF_NET_OFF / SKF_LL_OFF)
  return lines.some(
    ([code, , , k]) => (code & 0x07) === 0x00 && (code & 0xe0) === 0x20 && k >>> 0 >= 0xfffff000,
  );
}

function hasBackwardJump(lines: readonly (readonly [number, number, number, number])[]): boolean {
  return lines.some(([code, , , k]) => code === 0x05 && (k | 0) < 0);
}

function program(id: string, filter: string, lines: [number, number, number, number][]): CorpusProgram {
  return {
    id,
    filter,
    lines,
    bytes: encodeSockFilter(lines),
    ancillary: isAncillary(lines),
    backwardJump: hasBackwardJump(lines),
  };
}

/**
 * All corpus programs: 64 optimized (1.10.3), 64 unoptimized, 7 live-capture (ancillary loads), 65 from
 * libpcap master, and the unoptimized program of the one filter 1.10.3's optimizer rejects.
 */
export function corpusPrograms(dir = CORPUS_DIR): CorpusProgram[] {
  const out: CorpusProgram[] = [];
  for (const sub of ['', 'unopt/', 'live-lo/', 'master/']) {
    const d = `${dir}/${sub}`;
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)
      .filter((x) => x.endsWith('.ddd'))
      .sort()) {
      const t = readFileSync(`${d}${f}`, 'utf8').split('\n');
      out.push(program(`${sub}${f.replace(/\.ddd$/, '')}`, t[0] ?? '', parseListing(t, 1)));
    }
  }
  const errDir = `${dir}/errors/`;
  if (existsSync(errDir)) {
    for (const f of readdirSync(errDir)
      .filter((x) => x.endsWith('.txt'))
      .sort()) {
      const t = readFileSync(`${errDir}${f}`, 'utf8').split('\n');
      const start = t.findIndex((l) => /^\d+$/.test(l.trim()));
      if (start > 0)
        out.push(program(`errors/${f.replace(/\.txt$/, '')}`, t[0] ?? '', parseListing(t, start)));
    }
  }
  return out;
}

export interface CorpusVerdicts {
  readonly n: number;
  readonly filter: string;
  readonly opt: readonly number[];
}

export function corpusVerdicts(dir = CORPUS_DIR): CorpusVerdicts[] {
  const j = JSON.parse(readFileSync(`${dir}/semantic/verdicts.json`, 'utf8')) as {
    filters: { n: number; filter: string; v1_10_3_opt?: number[] }[];
  };
  return j.filters.map((f) => ({ n: f.n, filter: f.filter, opt: f.v1_10_3_opt ?? [] }));
}

export function formatDdd(p: CorpusProgram): string {
  return [
    `${p.id}: ${p.filter}`,
    ...p.lines.map((l, i) => `  ${String(i).padStart(3)}: ${l.join(' ')}`),
  ].join('\n');
}
