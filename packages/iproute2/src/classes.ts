/*
 * The classes of a classful qdisc (htb, and any other) with their counters: `tc -s class show dev DEV`, read from
 * iproute2's text output (iproute2 6.1 prints htb classes as text even with -j). Invariants: tolerant — a line it
 * does not know is skipped, a class without a "Sent" line keeps zero counters, counters are bigint (64-bit in the
 * kernel); handles are kept as tc prints them (`1:10`, lower-case hex); nothing here changes the device. The sync
 * variant is for end-of-run summaries that have no event-loop turn left (a few milliseconds, one tc process).
 */
import { type Result, run, runSync } from './exec.ts';

export interface ClassInfo {
  /** The qdisc kind the class belongs to (`htb`). */
  readonly kind: string;
  /** `MAJ:MIN`. */
  readonly classid: string;
  /** `MAJ:MIN` of the parent class, or `root`. */
  readonly parent: string;
  /** Handle of the leaf qdisc (`8001:`) when tc names one. */
  readonly leaf?: string;
  /** Frames and bytes the class sent (dequeued). */
  readonly packets: bigint;
  readonly bytes: bigint;
  /** Frames the class (its leaf queue) dropped. */
  readonly drops: bigint;
  readonly overlimits: bigint;
  /** Frames queued in the class when read. */
  readonly backlog: bigint;
}

const HEAD = /^class (\S+) ([0-9a-f]+:[0-9a-f]*)(.*)$/;
const SENT = /Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)/;
const BACKLOG = /backlog \S+ (\d+)p/;

/** Reads `tc -s class show` text. */
export function parseClassShow(stdout: string): ClassInfo[] {
  const out: ClassInfo[] = [];
  let cur: { -readonly [K in keyof ClassInfo]: ClassInfo[K] } | undefined;
  const flush = () => {
    if (cur !== undefined) out.push(cur);
    cur = undefined;
  };
  for (const line of stdout.split('\n')) {
    const h = HEAD.exec(line.trimEnd());
    if (h) {
      flush();
      const rest = (h[3] ?? '').trim().split(/\s+/);
      const at = (w: string) => {
        const i = rest.indexOf(w);
        return i >= 0 ? rest[i + 1] : undefined;
      };
      const leaf = at('leaf');
      cur = {
        kind: h[1] as string,
        classid: h[2] as string,
        parent: rest.includes('root') ? 'root' : (at('parent') ?? 'root'),
        ...(leaf !== undefined ? { leaf } : {}),
        packets: 0n,
        bytes: 0n,
        drops: 0n,
        overlimits: 0n,
        backlog: 0n,
      };
      continue;
    }
    if (cur === undefined) continue;
    const s = SENT.exec(line);
    if (s) {
      cur.bytes = BigInt(s[1] as string);
      cur.packets = BigInt(s[2] as string);
      cur.drops = BigInt(s[3] as string);
      cur.overlimits = BigInt(s[4] as string);
      continue;
    }
    const b = BACKLOG.exec(line);
    if (b && line.trimStart().startsWith('backlog')) cur.backlog = BigInt(b[1] as string);
  }
  flush();
  return out;
}

function classArgs(dev: string): string[] {
  return ['-s', 'class', 'show', 'dev', dev];
}

/** The device's classes with their counters (none for a classless qdisc). */
export async function classShow(netns: string | undefined, dev: string): Promise<Result<ClassInfo[]>> {
  const r = await run('tc', classArgs(dev), netns !== undefined ? { netns } : {});
  return r.ok ? { ok: true, value: parseClassShow(r.value.stdout) } : r;
}

/** classShow without the event loop (end-of-run summaries only). */
export function classShowSync(netns: string | undefined, dev: string): Result<ClassInfo[]> {
  const r = runSync('tc', classArgs(dev), { timeoutMs: 3000, ...(netns !== undefined ? { netns } : {}) });
  return r.ok ? { ok: true, value: parseClassShow(r.value.stdout) } : r;
}
