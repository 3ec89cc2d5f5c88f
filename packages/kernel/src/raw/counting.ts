// A raw tracepoint program that counts (tfc apply --attach raw): the program (mode count) adds 1 to counter 0 of a
// per-CPU array for every hit of its event and to counter 1 for every hit its filter accepts; this attaches it at
// its tp_btf hook (skb/attach.ts) with that map, and sums the counters over CPUs.
// Invariants: attaching is all or nothing; dispose() releases link, program and map once (idempotent).

import { attachAtHook, type HookAttachment } from '../skb/attach.ts';
import { possibleCpuCount } from '../sys/features.ts';
import { type BpfMap, createMap } from '../sys/map.ts';
import type { Syscalls } from '../sys/syscalls.ts';

export interface RawCountRequest {
  readonly tracepoint: string;
  readonly btfId: number;
  /** The program's bytes with its counter map's fd linked in. */
  link(
    countFd: number,
  ): { readonly ok: true; readonly insns: Uint8Array } | { readonly ok: false; readonly error: string };
}

export class RawCounter {
  readonly #attachment: HookAttachment;
  readonly #map: BpfMap;
  #disposed = false;
  private constructor(attachment: HookAttachment, map: BpfMap) {
    this.#attachment = attachment;
    this.#map = map;
  }

  static attach(
    sys: Syscalls,
    req: RawCountRequest,
  ): { ok: true; counter: RawCounter } | { ok: false; error: string; log?: string } {
    const map = createMap(
      sys,
      { type: 'PERCPU_ARRAY', keySize: 4, valueSize: 8, maxEntries: 2, name: 'tfc_raw_count' },
      possibleCpuCount(),
    );
    if (!map.ok) return { ok: false, error: `cannot create the counters: ${map.error.message}` };
    const linked = req.link(map.value.fd);
    if (!linked.ok) {
      map.value.dispose();
      return linked;
    }
    const hook = {
      name: `tp_btf/${req.tracepoint}`,
      kind: 'tp_btf' as const,
      target: req.tracepoint,
      btfId: req.btfId,
      skbArg: -1,
      argCount: 0,
    };
    const a = attachAtHook(sys, hook, linked.insns, 'tfc_apply_raw');
    if (!a.ok) {
      map.value.dispose();
      return { ok: false, error: a.error, ...(a.log !== undefined ? { log: a.log } : {}) };
    }
    return { ok: true, counter: new RawCounter(a.attachment, map.value) };
  }

  /** The event's hits and the accepted ones so far, summed over CPUs. */
  counts(): { seen: bigint; accepted: bigint } {
    const at = (k: number): bigint => {
      if (this.#disposed) return 0n;
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, k, true);
      const r = this.#map.lookupPerCpu(key);
      if (!r.ok || r.value === undefined) return 0n;
      let n = 0n;
      for (const v of r.value) n += new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true);
      return n;
    };
    return { seen: at(0), accepted: at(1) };
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#attachment.dispose();
    this.#map.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
