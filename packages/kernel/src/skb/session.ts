// A capture session: one BPF ring buffer, a per-CPU lost-record counter and (for --path) a map of followed skb
// addresses shared by every hook's program, one capture program per hook (each given its hook index), and the
// mapped ring the records are read from. Programs come from a `CaptureProgramSource` (the compiler's skb
// programs): this package never builds programs; it creates the maps a program asks for, and the program source
// links them and the shared maps by fd.
// Invariants: opening is all or nothing (any failure releases every map, mapping, program and link made so far);
// dispose() releases links first, then programs, the mapping and the maps, exactly once, and is safe to call
// from any exit path; a record's hook index is the index of its hook in `hooks`.
import { possibleCpuCount } from '../sys/features.ts';
import { type BpfMap, createMap } from '../sys/map.ts';
import type { Syscalls } from '../sys/syscalls.ts';
import { attachAtHook, type HookAttachment } from './attach.ts';
import type { Hook } from './hooks.ts';
import { type MappedRing, mapRing } from './ring-consumer.ts';

/** What a program source is asked for: one program for one hook. */
export interface CaptureProgramRequest {
  readonly hook: Hook;
  /** The constant the program writes at record offset 16. */
  readonly hookIndex: number;
  readonly snaplen: number;
  /** Follow accepted skbs through every hook (--path): the session's `follow` map is there. */
  readonly follow: boolean;
}

/** A map one program needs for itself (its per-CPU scratch record): the session creates it. */
export interface CaptureMapRequest {
  readonly name: string;
  readonly type: 'PERCPU_ARRAY' | 'ARRAY' | 'HASH';
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

/** fds of the maps the session shares between the programs. */
export interface SharedMapFds {
  /** The BPF_MAP_TYPE_RINGBUF every record goes into. */
  readonly ringbuf: number;
  /** PERCPU_ARRAY (key u32 0, value u64) a program adds 1 to when a record does not fit. */
  readonly lost: number;
  /** LRU_HASH (key u64 skb address, value u64) of followed skbs, when the request says `follow`. */
  readonly follow?: number;
}

export type LinkResult =
  | { readonly ok: true; readonly insns: Uint8Array }
  | { readonly ok: false; readonly error: string };

/** A built program: the maps it needs of its own, and its bytes once they and the shared maps exist. */
export interface CaptureProgram {
  readonly maps: readonly CaptureMapRequest[];
  /** The program bytes (8-byte slots) with `own` (fds in `maps` order) and the shared maps linked. */
  link(own: readonly number[], shared: SharedMapFds): LinkResult;
}

/** Builds the program for one hook, or says why it cannot. */
export type CaptureProgramSource = (
  req: CaptureProgramRequest,
) => { readonly ok: true; readonly program: CaptureProgram } | { readonly ok: false; readonly error: string };

export interface CaptureSessionOptions {
  readonly hooks: readonly Hook[];
  readonly snaplen: number;
  /** Ring size in bytes (a power of two, multiple of the page size). */
  readonly ringSize: number;
  readonly source: CaptureProgramSource;
  /** --path: create the followed-address map (FOLLOW_ENTRIES addresses at most, least recently used go). */
  readonly follow?: boolean;
}

/** Followed skb addresses at most (the user-space path tracker keeps as many open paths). */
export const FOLLOW_ENTRIES = 65536;

export class CaptureSession {
  readonly hooks: readonly Hook[];
  readonly ring: MappedRing;
  readonly #maps: BpfMap[];
  readonly #lost: BpfMap;
  readonly #attachments: HookAttachment[];
  #disposed = false;
  constructor(
    hooks: readonly Hook[],
    ring: MappedRing,
    maps: BpfMap[],
    lost: BpfMap,
    attachments: HookAttachment[],
  ) {
    this.hooks = hooks;
    this.ring = ring;
    this.#maps = maps;
    this.#lost = lost;
    this.#attachments = attachments;
  }

  /** Delivers every committed record (a view valid during the callback only). */
  drain(onRecord: (bytes: Uint8Array) => void, max?: number): number {
    if (this.#disposed) return 0;
    return this.ring.consumer.drain(onRecord, max);
  }

  /** Records the programs could not fit into the ring, summed over CPUs. */
  lost(): bigint {
    if (this.#disposed) return 0n;
    const r = this.#lost.lookupPerCpu(new Uint8Array(4));
    if (!r.ok || r.value === undefined) return 0n;
    let n = 0n;
    for (const v of r.value) n += new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true);
    return n;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const a of this.#attachments.splice(0).reverse()) a.dispose();
    this.ring.dispose();
    for (const m of this.#maps.splice(0).reverse()) m.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

export type OpenCaptureResult =
  | { readonly ok: true; readonly session: CaptureSession }
  | { readonly ok: false; readonly error: string; readonly log?: string };

/** Creates the maps, maps the ring, builds, loads and attaches one program per hook. */
export function openCapture(sys: Syscalls, o: CaptureSessionOptions): OpenCaptureResult {
  const maps: BpfMap[] = [];
  const attachments: HookAttachment[] = [];
  let ring: MappedRing | undefined;
  const fail = (error: string, log?: string): OpenCaptureResult => {
    for (const a of attachments.reverse()) a.dispose();
    ring?.dispose();
    for (const m of maps.reverse()) m.dispose();
    return { ok: false, error, ...(log !== undefined ? { log } : {}) };
  };
  const rb = createMap(sys, {
    type: 'RINGBUF',
    keySize: 0,
    valueSize: 0,
    maxEntries: o.ringSize,
    name: 'tfc_capture',
  });
  if (!rb.ok) return fail(`cannot create the ring buffer map: ${rb.error.message}`);
  maps.push(rb.value);
  const cpus = possibleCpuCount();
  const lost = createMap(
    sys,
    { type: 'PERCPU_ARRAY', keySize: 4, valueSize: 8, maxEntries: 1, name: 'tfc_lost' },
    cpus,
  );
  if (!lost.ok) return fail(`cannot create the lost-record counter: ${lost.error.message}`);
  maps.push(lost.value);
  let shared: SharedMapFds = { ringbuf: rb.value.fd, lost: lost.value.fd };
  if (o.follow === true) {
    const follow = createMap(sys, {
      type: 'LRU_HASH',
      keySize: 8,
      valueSize: 8,
      maxEntries: FOLLOW_ENTRIES,
      name: 'tfc_follow',
    });
    if (!follow.ok) return fail(`cannot create the followed-skb map: ${follow.error.message}`);
    maps.push(follow.value);
    shared = { ...shared, follow: follow.value.fd };
  }
  const mapped = mapRing(sys, rb.value, o.ringSize);
  if (!mapped.ok) return fail(mapped.error);
  ring = mapped.ring;
  for (const [hookIndex, hook] of o.hooks.entries()) {
    const built = o.source({ hook, hookIndex, snaplen: o.snaplen, follow: o.follow === true });
    if (!built.ok) return fail(`${hook.name}: ${built.error}`);
    const own: number[] = [];
    for (const m of built.program.maps) {
      const made = createMap(
        sys,
        { type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries },
        m.type === 'PERCPU_ARRAY' ? cpus : 1,
      );
      if (!made.ok) return fail(`${hook.name}: cannot create map ${m.name}: ${made.error.message}`);
      maps.push(made.value);
      own.push(made.value.fd);
    }
    const linked = built.program.link(own, shared);
    if (!linked.ok) return fail(`${hook.name}: ${linked.error}`);
    const a = attachAtHook(sys, hook, linked.insns);
    if (!a.ok) return fail(a.error, a.log);
    attachments.push(a.attachment);
  }
  return { ok: true, session: new CaptureSession(o.hooks, ring, maps, lost.value, attachments) };
}
