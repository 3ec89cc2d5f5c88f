/*
 * CPU time of a process tree from /proc, for the bench `trace` suite. Invariants: the parsers are pure (text in,
 * numbers out) and return undefined for text that is not what the kernel writes, never throw; `treeCpuTicks`
 * counts each process once (its own threads, live and exited, plus the children it has waited for: fields utime,
 * stime, cutime, cstime of /proc/PID/stat) and ignores processes that vanish while it reads.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks (USER_HZ). */
  readonly cpuTicks: number;
}

/**
 * Parses /proc/PID/stat. The command name (field 2) is in parentheses and may itself hold spaces and parentheses,
 * so the fields after it are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
  const nums = [rest[1], rest[11], rest[12], rest[13], rest[14]].map((s) =>
    s !== undefined && /^-?\d+$/.test(s) ? Number(s) : Number.NaN,
  );
  if (!Number.isInteger(pid) || nums.some((n) => Number.isNaN(n))) return undefined;
  const [ppid, ut, st, cut, cst] = nums as [number, number, number, number, number];
  return { pid, ppid, cpuTicks: ut + st + cut + cst };
}

/** `root` and its descendants among `procs` (by ppid links), root first; a pid is listed once. */
export function descendants(root: number, procs: readonly ProcStat[]): number[] {
  const kids = new Map<number, number[]>();
  for (const p of procs) {
    const l = kids.get(p.ppid);
    if (l === undefined) kids.set(p.ppid, [p.pid]);
    else l.push(p.pid);
  }
  const out: number[] = [];
  const seen = new Set<number>();
  const todo = [root];
  while (todo.length > 0) {
    const p = todo.shift() as number;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    todo.push(...(kids.get(p) ?? []));
  }
  return out;
}

function readStat(pid: number | string): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process's stat line now (processes that exit while listed are skipped). */
function allProcs(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const s = readStat(n);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** CPU ticks of `root` and all its live descendants (see the header). */
export function treeCpuTicks(root: number): number {
  const procs = allProcs();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  let ticks = 0;
  for (const pid of descendants(root, procs)) ticks += byPid.get(pid)?.cpuTicks ?? 0;
  return ticks;
}

/** Nanoseconds per clock tick: USER_HZ is 100 on every Linux architecture tfc runs on. */
export const NS_PER_TICK = 10_000_000;
