// A filter program attached to a live tracepoint for every task on every CPU, with counters of the hits the
// tracepoint saw and the hits the program accepted (what `tfc apply` reports).
// How the counts are taken: "accepted" is the sum of one counting perf event per CPU (pid -1): perf counts a hit
// only when every BPF program on the tracepoint returned non-zero, so with the filter program attached to the
// first of them the sum counts the filter's accepts. "seen" is an 8-byte array-map counter incremented by a
// second, 10-instruction program (returns 1, so it never vetoes a hit) attached to one more counting event.
// Other programs attached to the same tracepoint by someone else also veto hits; `foreignPrograms()` lists them.
// Invariants: the filter program is attached (PERF_EVENT_IOC_SET_BPF) before any counter is enabled; every fd
// opened here (perf events, the counter program and map) is owned by this object and released by dispose(),
// also when open() fails half-way; the caller keeps owning the filter program.
import { readFileSync } from 'node:fs';
import type { FdHandle } from '../sys/fd.ts';
import { type BpfMap, createMap } from '../sys/map.ts';
import { openTracepointCounter, queryTracepointPrograms, readCounter } from '../sys/perf-count.ts';
import { loadProgram, progInfo } from '../sys/prog.ts';
import { fail, ok, type Result } from '../sys/result.ts';
import type { Syscalls } from '../sys/syscalls.ts';

/** The hit-counting program with the array map's fd patched in. */
export function hitCounterInsns(mapFd: number): Uint8Array {
  const b = new Uint8Array(11 * 8);
  const v = new DataView(b.buffer);
  const put = (i: number, op: number, dst: number, src: number, off: number, imm: number) => {
    b[i * 8] = op;
    b[i * 8 + 1] = (src << 4) | dst;
    v.setInt16(i * 8 + 2, off, true);
    v.setInt32(i * 8 + 4, imm, true);
  };
  put(0, 0x62, 10, 0, -4, 0); // *(u32 *)(r10 - 4) = 0
  put(1, 0x18, 1, 1, 0, mapFd); // r1 = map (ld_imm64, BPF_PSEUDO_MAP_FD)
  put(2, 0x00, 0, 0, 0, 0);
  put(3, 0xbf, 2, 10, 0, 0); // r2 = r10
  put(4, 0x07, 2, 0, 0, -4); // r2 += -4
  put(5, 0x85, 0, 0, 0, 1); // call bpf_map_lookup_elem
  put(6, 0x15, 0, 0, 2, 0); // if r0 == 0 goto +2
  put(7, 0xb7, 1, 0, 0, 1); // r1 = 1
  put(8, 0xdb, 0, 1, 0, 0); // lock *(u64 *)(r0 + 0) += r1
  put(9, 0xb7, 0, 0, 0, 1); // r0 = 1
  put(10, 0x95, 0, 0, 0, 0); // exit
  return b;
}

/** The online CPUs (/sys/devices/system/cpu/online, e.g. "0-1,4"); [0] when it cannot be read. */
export function onlineCpus(): number[] {
  let text: string;
  try {
    text = readFileSync('/sys/devices/system/cpu/online', 'utf8');
  } catch {
    return [0];
  }
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isInteger(a)) continue;
    for (let c = a; c <= (b !== undefined && Number.isInteger(b) ? b : a); c++) out.push(c);
  }
  return out.length > 0 ? out : [0];
}

export interface HitCounts {
  readonly seen: bigint;
  readonly accepted: bigint;
}

export class TracepointAttachment {
  readonly #sys: Syscalls;
  readonly #counters: readonly FdHandle[];
  readonly #seenEvent: FdHandle;
  readonly #seenProg: FdHandle;
  readonly #seenMap: BpfMap;
  readonly #ownIds: readonly number[];
  #disposed = false;

  private constructor(
    sys: Syscalls,
    counters: readonly FdHandle[],
    seenEvent: FdHandle,
    seenProg: FdHandle,
    seenMap: BpfMap,
    ownIds: readonly number[],
  ) {
    this.#sys = sys;
    this.#counters = counters;
    this.#seenEvent = seenEvent;
    this.#seenProg = seenProg;
    this.#seenMap = seenMap;
    this.#ownIds = ownIds;
  }

  /** Attaches `filter` (a loaded TRACEPOINT program) to tracepoint `id`, counting on `cpus`. */
  static open(
    sys: Syscalls,
    id: number,
    filter: FdHandle,
    cpus: readonly number[],
  ): Result<TracepointAttachment> {
    const owned: FdHandle[] = [];
    const bail = <E>(e: E) => {
      for (const h of owned.reverse()) h.dispose();
      return fail(e);
    };
    const map = createMap(sys, { type: 'ARRAY', keySize: 4, valueSize: 8, maxEntries: 1 });
    if (!map.ok) return bail(map.error);
    owned.push(map.value);
    const prog = loadProgram(sys, {
      type: 'TRACEPOINT',
      insns: hitCounterInsns(map.value.fd),
      name: 'tfc_seen',
    });
    if (!prog.ok) return bail(prog.error);
    owned.push(prog.value);
    const counters: FdHandle[] = [];
    for (const [i, cpu] of cpus.entries()) {
      const c = openTracepointCounter(sys, id, { pid: -1, cpu }, i === 0 ? filter : undefined);
      if (!c.ok) return bail(c.error);
      owned.push(c.value);
      counters.push(c.value);
    }
    const seen = openTracepointCounter(sys, id, { pid: -1, cpu: cpus[0] ?? 0 }, prog.value);
    if (!seen.ok) return bail(seen.error);
    owned.push(seen.value);
    const ids = [progInfo(sys, filter), progInfo(sys, prog.value)].flatMap((r) => (r.ok ? [r.value.id] : []));
    return ok(new TracepointAttachment(sys, counters, seen.value, prog.value, map.value, ids));
  }

  /** Hits seen by the tracepoint and accepted by the filter since open(). */
  counts(): Result<HitCounts> {
    let accepted = 0n;
    for (const c of this.#counters) {
      const r = readCounter(c);
      if (!r.ok) return r;
      accepted += r.value;
    }
    const v = this.#seenMap.lookup(new Uint8Array(4));
    if (!v.ok) return v;
    const seen =
      v.value === undefined ? 0n : new DataView(v.value.buffer, v.value.byteOffset).getBigUint64(0, true);
    return ok({ seen, accepted });
  }

  /** Ids of programs on the tracepoint that are not ours (their verdicts also gate the accepted count). */
  foreignPrograms(): Result<number[]> {
    const r = queryTracepointPrograms(this.#sys, this.#seenEvent);
    if (!r.ok) return r;
    return ok(r.value.filter((id) => !this.#ownIds.includes(id)));
  }

  /** Detaches and closes everything this object opened. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#seenEvent.dispose();
    for (const c of [...this.#counters].reverse()) c.dispose();
    this.#seenProg.dispose();
    this.#seenMap.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
