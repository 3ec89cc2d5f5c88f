/*
 * Suite `cli`: cold start of the installed `tfc` command, as a user outside the repository runs it. It packs the
 * package (`node scripts/package.mjs`), installs the tarball into a temporary folder with npm, then times whole
 * processes: `tfc --version`, `tfc compile --lang pcap 'tcp port 80' --target cbpf --emit d`, `node -e 0` (the floor
 * every Node program pays) and the reference `tcpdump -d 'tcp port 80'`. Unit: ms of wall time per process.
 * Invariants: the commands of one round run back to back, their order rotating per round; ratios are per round
 * (tfc / tcpdump of the same round), their median reported; warm-up rounds are discarded; what cannot run (no npm,
 * no registry, no tcpdump) is a note, never an exception; the temporary folder is removed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Row, row } from '../row.ts';
import { summarize } from '../stats.ts';
import type { Suite } from '../suite.ts';

const SUITE = 'cli';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const WARMUP = 2;

interface Cmd {
  readonly engine: string;
  readonly argv: readonly string[];
}

function wallMs(argv: readonly string[], cwd: string): number | string {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0] as string, argv.slice(1), {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 30_000,
  });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error) return r.error.message;
  return r.status === 0 ? ms : `exit ${r.status}: ${r.stderr.toString().trim().split('\n')[0]}`;
}

/** Packs and installs tfc into a fresh folder; the folder, or why not. */
function install(): { dir: string } | { why: string } {
  const packed = spawnSync(process.execPath, ['scripts/package.mjs'], { cwd: REPO, encoding: 'utf8' });
  if (packed.status !== 0) return { why: `packaging failed: ${packed.stderr.trim().split('\n').pop()}` };
  const tarball = packed.stdout.trim().split('\n').pop() as string;
  const dir = mkdtempSync(join(tmpdir(), 'tfc-bench-cli-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"bench","private":true,"type":"module"}\n');
  const npm = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (npm.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `npm install failed: ${(npm.stderr || String(npm.error)).trim().split('\n')[0]}` };
  }
  return { dir };
}

export const cliSuite: Suite = {
  name: SUITE,
  title: 'cold start of the installed tfc command against tcpdump -d',
  run: async (ctx) => {
    const inst = install();
    if ('why' in inst) {
      ctx.note(inst.why);
      return [];
    }
    try {
      const tfc = join(inst.dir, 'node_modules/.bin/tfc');
      const cmds: Cmd[] = [
        { engine: 'tcpdump -d', argv: ['tcpdump', '-d', 'tcp port 80'] },
        { engine: 'node -e 0', argv: [process.execPath, '-e', '0'] },
        { engine: 'tfc --version', argv: [tfc, '--version'] },
        {
          engine: 'tfc compile pcap cbpf',
          argv: [tfc, 'compile', '--lang', 'pcap', 'tcp port 80', '--target', 'cbpf', '--emit', 'd'],
        },
      ];
      const probe = wallMs(cmds[0]?.argv as string[], inst.dir);
      const live = typeof probe === 'number' ? cmds : cmds.slice(1);
      if (typeof probe === 'string') ctx.note(`tcpdump unavailable (${probe}): no reference, no ratios`);
      const samples = new Map<string, number[]>(live.map((c) => [c.engine, []]));
      const ratios = new Map<string, number[]>();
      const rounds = ctx.measure.runs * 2 + WARMUP;
      for (let r = 0; r < rounds; r++) {
        ctx.progress(r, rounds, `round ${r + 1}`);
        const got = new Map<string, number>();
        for (let i = 0; i < live.length; i++) {
          const c = live[(i + r) % live.length] as Cmd;
          const ms = wallMs(c.argv, inst.dir);
          if (typeof ms === 'string') {
            ctx.note(`${c.engine}: ${ms}`);
            return [];
          }
          got.set(c.engine, ms);
        }
        if (r < WARMUP) continue;
        for (const [e, ms] of got) samples.get(e)?.push(ms);
        const ref = got.get('tcpdump -d');
        if (ref === undefined) continue;
        for (const [e, ms] of got) {
          if (e === 'tcpdump -d') continue;
          const list = ratios.get(e) ?? [];
          list.push(ms / ref);
          ratios.set(e, list);
        }
      }
      const rows: Row[] = [];
      for (const [e, s] of samples) rows.push(row(SUITE, 'cold-start', e, 'wall_ms', 'ms', summarize(s)));
      for (const [e, s] of ratios)
        rows.push(row(SUITE, 'cold-start', `${e}/tcpdump -d`, 'ratio', 'x', summarize(s)));
      return rows;
    } finally {
      rmSync(inst.dir, { recursive: true, force: true });
    }
  },
};
