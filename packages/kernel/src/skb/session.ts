// A capture session: one BPF ring buffer, one capture program per hook (each given its hook index), and the
// mapped ring the records are read from. Programs come from a `CaptureProgramSource` (the compiler's skb
// programs, or a fixture): this package never builds programs, it links them to the session's maps by fd.
// Invariants: opening is all or nothing (any failure releases every map, mapping, program and link made so far);
// dispose() releases links first, then programs, the mapping and the maps, exactly once, and is safe to call
// from any exit path; a record's hook index is the index of its hook in `hooks`.
import { possibleCpuCount } from '../sys/features.ts';
import { type BpfMap, createMap } from '../sys/map.ts';
import type { Syscalls } from '../sys/syscalls.ts';
import { attachAtHook, type HookAttachment } from './attach.ts';
import type { Hook } from './hooks.ts';
import type { SkbLayout } from './layout.ts';
import { type MappedRing, mapRing } from './ring-consumer.ts';

/** What a program source is asked for: one program for one hook. */
export interface CaptureProgramRequest {
  readonly hook: Hook;
  /** The constant the program writes at record offset 16. */
  readonly hookIndex: number;
  readonly layout: SkbLayout;
  readonly snaplen: number;
  /** fd of the BPF_MAP_TYPE_RINGBUF the program writes records into. */
  readonly ringbufFd: number;
  /** fd of a PERCPU_ARRAY (key u32 0, value u64) the program adds 1 to when a record does not fit. */
  readonly lostFd: number;
}

/** Builds the linked program bytes for one hook (8-byte slots), or says why it cannot. */
export type CaptureProgramSource = (
  req: CaptureProgramRequest,
) => { readonly ok: true; readonly insns: Uint8Array } | { readonly ok: false; readonly error: string };

export interface CaptureSessionOptions {
  readonly hooks: readonly Hook[];
  readonly layout: SkbLayout;
  readonly snaplen: number;
  /** Ring size in bytes (a power of two, multiple of the page size). */
  readonly ringSize: number;
  readonly source: CaptureProgramSource;
}

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
  const lost = createMap(
    sys,
    { type: 'PERCPU_ARRAY', keySize: 4, valueSize: 8, maxEntries: 1, name: 'tfc_lost' },
    possibleCpuCount(),
  );
  if (!lost.ok) return fail(`cannot create the lost-record counter: ${lost.error.message}`);
  maps.push(lost.value);
  const mapped = mapRing(sys, rb.value, o.ringSize);
  if (!mapped.ok) return fail(mapped.error);
  ring = mapped.ring;
  for (const [hookIndex, hook] of o.hooks.entries()) {
    const prog = o.source({
      hook,
      hookIndex,
      layout: o.layout,
      snaplen: o.snaplen,
      ringbufFd: rb.value.fd,
      lostFd: lost.value.fd,
    });
    if (!prog.ok) return fail(`${hook.name}: ${prog.error}`);
    const a = attachAtHook(sys, hook, prog.insns);
    if (!a.ok) return fail(a.error, a.log);
    attachments.push(a.attachment);
  }
  return { ok: true, session: new CaptureSession(o.hooks, ring, maps, lost.value, attachments) };
}
