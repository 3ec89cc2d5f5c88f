/*
 * The machine's nr_cpu_ids, which decides CPUS{...} validity and semantics in the kernel's filter language.
 * Invariant: read from /sys/devices/system/cpu/possible (nr_cpu_ids = highest possible CPU + 1); when that file is
 * unreadable the count of online CPUs reported by Node is used. Callers may always override it (--nr-cpus).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return [];
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i < 1 << 16; i++) out.push(i);
  }
  return out;
}

export function hostNrCpuIds(): number {
  try {
    const cpus = parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
    if (cpus.length > 0) return Math.max(...cpus) + 1;
  } catch {
    // fall through
  }
  return availableParallelism();
}
