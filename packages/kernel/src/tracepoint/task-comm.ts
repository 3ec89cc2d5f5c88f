// The comm of a task by pid, for records that carry only the pid (perf samples, ring-buffer entries).
// Invariants: `<idle>` for pid 0; else /proc/PID/comm while the task lives, else the tracefs `saved_cmdlines` line
// of the pid, else ""; each pid is looked up once and remembered (a task renamed later keeps its first name here).
import { readFileSync } from 'node:fs';

export class TaskComms {
  readonly #root: string | undefined;
  readonly #known = new Map<number, string>();

  /** `tracefsRoot`: where saved_cmdlines is read from (absent: /proc only). */
  constructor(tracefsRoot?: string) {
    this.#root = tracefsRoot;
  }

  of(pid: number): string {
    if (pid === 0) return '<idle>';
    const hit = this.#known.get(pid);
    if (hit !== undefined) return hit;
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
    } catch {
      if (this.#root !== undefined) {
        try {
          const line = readFileSync(`${this.#root}/saved_cmdlines`, 'utf8')
            .split('\n')
            .find((l) => l.startsWith(`${pid} `));
          comm = line ? line.slice(line.indexOf(' ') + 1) : '';
        } catch {
          comm = '';
        }
      }
    }
    this.#known.set(pid, comm);
    return comm;
  }
}
