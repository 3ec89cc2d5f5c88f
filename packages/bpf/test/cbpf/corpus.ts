// Test helper: loads the shared libpcap 1.10.3 corpus (programs, frames, verdicts) and this folder's golden
// listings. Invariants: read-only; file lists are sorted; a missing corpus is an error, not a skip.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawInsn } from '../../src/cbpf/index.ts';
import { parseDdd } from '../../src/cbpf/index.ts';

// The shared corpus sits beside the repository (../shared), in every checkout and in CI.
export const CORPUS = fileURLToPath(
  new URL('../../../../../shared/corpus/pcap-libpcap-1.10.3', import.meta.url),
);
export const GOLDEN = join(import.meta.dirname, 'golden');

export interface CorpusProgram {
  readonly path: string; // relative to CORPUS, e.g. "unopt/01-tcp.ddd"
  readonly text: string;
  readonly program: RawInsn[];
}

export function corpusPrograms(): CorpusProgram[] {
  const out: CorpusProgram[] = [];
  for (const dir of ['', 'live-lo', 'master', 'raw', 'unopt']) {
    const names = readdirSync(join(CORPUS, dir))
      .filter((f) => f.endsWith('.ddd'))
      .sort();
    for (const name of names) {
      const path = dir === '' ? name : `${dir}/${name}`;
      const text = readFileSync(join(CORPUS, path), 'utf8');
      const r = parseDdd(text);
      if (!r.ok) throw new Error(`${path}: ${r.error} (line ${r.line})`);
      out.push({ path, text, program: r.program });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Golden files made of "## <path>" sections. */
export function goldenSections(file: string): Map<string, string> {
  const m = new Map<string, string>();
  let cur: string | undefined;
  for (const l of readFileSync(join(GOLDEN, file), 'utf8').split('\n')) {
    if (l.startsWith('## ')) {
      cur = l.slice(3);
      m.set(cur, '');
    } else if (cur !== undefined && l !== '') m.set(cur, `${m.get(cur)}${l}\n`);
  }
  return m;
}

export interface Frame {
  readonly n: number;
  readonly desc: string;
  readonly bytes: Uint8Array;
}

export function frames(): Frame[] {
  const raw = JSON.parse(readFileSync(join(CORPUS, 'semantic/packets.json'), 'utf8')) as {
    n: number;
    desc: string;
    hex: string;
  }[];
  return raw.map((p) => ({ n: p.n, desc: p.desc, bytes: Uint8Array.from(Buffer.from(p.hex, 'hex')) }));
}

export interface Verdicts {
  readonly n: number;
  readonly filter: string;
  readonly v1_10_3_opt: readonly number[];
  readonly v1_10_3_unopt: readonly number[];
  readonly master_opt: readonly number[] | null;
  readonly master_unopt: readonly number[] | null;
}

export function verdicts(): Verdicts[] {
  return (JSON.parse(readFileSync(join(CORPUS, 'semantic/verdicts.json'), 'utf8')) as { filters: Verdicts[] })
    .filters;
}
