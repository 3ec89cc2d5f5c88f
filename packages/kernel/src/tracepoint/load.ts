// Loading a compiled program together with the maps it names. The program's instructions are linked to the map
// fds by a callback the caller gives (this package never imports the code generators).
// Invariants: maps are created and filled before the program is loaded; on any failure everything created so far
// is released before returning; a LoadedProgram owns its program and maps and dispose() releases them all, once.
import { possibleCpuCount } from '../sys/features.ts';
import { type BpfMap, createMap } from '../sys/map.ts';
import { type BpfProgram, loadProgram } from '../sys/prog.ts';
import { fail, ok, type Result, type SysError, sysError } from '../sys/result.ts';
import type { Syscalls } from '../sys/syscalls.ts';

/** A map a program refers to by name (the shape of a ProgramSpec's map definitions). */
export interface NamedMap {
  readonly name: string;
  readonly type: 'hash' | 'percpu_array' | 'array';
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly entries: readonly { readonly key: Uint8Array; readonly value: Uint8Array }[];
}

export type Linker = (
  fds: ReadonlyMap<string, number>,
) => { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly message: string };

export interface LoadRequest {
  /** uapi program type number or name. */
  readonly type: number | 'TRACEPOINT' | 'SOCKET_FILTER' | 'SCHED_CLS' | 'XDP';
  readonly maps: readonly NamedMap[];
  readonly link: Linker;
  readonly name?: string;
}

export class LoadedProgram {
  readonly prog: BpfProgram;
  readonly maps: readonly BpfMap[];
  constructor(prog: BpfProgram, maps: readonly BpfMap[]) {
    this.prog = prog;
    this.maps = maps;
  }
  dispose(): void {
    this.prog.dispose();
    for (const m of this.maps) m.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

const MAP_TYPES = { hash: 'HASH', percpu_array: 'PERCPU_ARRAY', array: 'ARRAY' } as const;

/** Creates and fills the maps, links and loads the program (the error carries the verifier log). */
export function loadWithMaps(sys: Syscalls, req: LoadRequest): Result<LoadedProgram, SysError> {
  const maps: BpfMap[] = [];
  const release = () => {
    for (const m of maps) m.dispose();
  };
  const fds = new Map<string, number>();
  const cpus = possibleCpuCount();
  for (const m of req.maps) {
    const r = createMap(
      sys,
      { type: MAP_TYPES[m.type], keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries },
      cpus,
    );
    if (!r.ok) {
      release();
      return fail({ ...r.error, message: `${r.error.message} (map ${m.name})` });
    }
    maps.push(r.value);
    fds.set(m.name, r.value.fd);
    for (const e of m.entries) {
      const u = r.value.update(e.key, e.value);
      if (!u.ok) {
        release();
        return fail({ ...u.error, message: `${u.error.message} (map ${m.name})` });
      }
    }
  }
  const linked = req.link(fds);
  if (!linked.ok) {
    release();
    return fail(sysError('link maps', 22, linked.message));
  }
  const p = loadProgram(sys, {
    type: req.type,
    insns: linked.bytes,
    ...(req.name !== undefined ? { name: req.name } : {}),
  });
  if (!p.ok) {
    release();
    return fail(p.error);
  }
  return ok(new LoadedProgram(p.value, maps));
}
