/*
 * The maps an eBPF program given to `tfc run` refers to: each map name an ld_imm64 carries, with its definition —
 * from the ELF object's `.maps` (libbpf's BTF map definitions), else tfc's own scratch map (`tfc_strbuf`, which
 * protochain walks and frame-string loops keep their state in). The VM gets empty VmMaps of those shapes; the
 * kernel path creates real maps and links their fds into the instructions (kernel-run.ts).
 * Invariants: pure; a map the program refers to but whose definition the input does not carry (a set map of
 * `--set-lookup map` in asm form, a map referenced by bare fd in `bin`) is an error naming it and the form that
 * carries it, never a guessed shape; every map starts empty (tfc's scratch maps need no contents).
 */

import type { Insn, VmMap } from '@tfc/bpf/ebpf';
import { createMap } from '@tfc/bpf/ebpf';
import type { BtfMapDef } from '@tfc/bpf/elf';
import { STRBUF_MAP_DEF } from '@tfc/codegen-bpf';
import { MAP_TYPE } from '@tfc/kernel/sys';

/** A map's shape by its uapi type number (BPF_MAP_TYPE_*). */
export interface RunMapDef {
  readonly name: string;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

/** The BPF_MAP_TYPE_*s the VM can stand in for (per-CPU maps as one CPU's). */
const VM_TYPE: Readonly<Record<number, VmMap['type']>> = {
  [MAP_TYPE.HASH]: 'hash',
  [MAP_TYPE.ARRAY]: 'array',
  [MAP_TYPE.PERCPU_HASH]: 'hash',
  [MAP_TYPE.PERCPU_ARRAY]: 'array',
  [MAP_TYPE.LRU_HASH]: 'hash',
};
/** codegen-bpf's MapDef type names as BPF_MAP_TYPE_* numbers. */
const CODEGEN_TYPE = { hash: MAP_TYPE.HASH, percpu_array: MAP_TYPE.PERCPU_ARRAY } as const;

/** tfc's own scratch maps, which any form of a tfc program may name. */
const SCRATCH: readonly RunMapDef[] = [
  {
    name: STRBUF_MAP_DEF.name,
    type: CODEGEN_TYPE[STRBUF_MAP_DEF.type],
    keySize: STRBUF_MAP_DEF.keySize,
    valueSize: STRBUF_MAP_DEF.valueSize,
    maxEntries: STRBUF_MAP_DEF.maxEntries,
  },
];

/** An ELF `.maps` definition (libbpf `__uint` fields), or undefined when a field is missing. */
export function fromBtfMapDef(d: BtfMapDef): RunMapDef | undefined {
  const f = new Map(d.fields);
  const type = f.get('type');
  const keySize = f.get('key_size');
  const valueSize = f.get('value_size');
  const maxEntries = f.get('max_entries');
  if (type === undefined || keySize === undefined || valueSize === undefined || maxEntries === undefined)
    return undefined;
  return { name: d.name, type, keySize, valueSize, maxEntries };
}

export type ProgramMaps =
  | { readonly ok: true; readonly maps: readonly RunMapDef[] }
  | { readonly ok: false; readonly error: string };

/** The definitions of the maps `insns` refer to, from `carried` (the ELF's) or tfc's scratch maps. */
export function programMaps(insns: readonly Insn[], carried: readonly RunMapDef[]): ProgramMaps {
  const out: RunMapDef[] = [];
  for (const i of insns) {
    if (i.map === undefined) {
      if (i.code === 0x18 && i.src === 1)
        return {
          ok: false,
          error: 'the program refers to a map by fd number: give it as asm or ELF, which name their maps',
        };
      continue;
    }
    if (out.some((m) => m.name === i.map)) continue;
    const def = carried.find((m) => m.name === i.map) ?? SCRATCH.find((m) => m.name === i.map);
    if (def === undefined)
      return {
        ok: false,
        error: `the program refers to map '${i.map}', whose definition this form does not carry: give the ELF object (tfc compile --emit elf)`,
      };
    out.push(def);
  }
  return { ok: true, maps: out };
}

/** Empty VM maps of these shapes, or the name of one the VM has no type for. */
export function vmMaps(
  defs: readonly RunMapDef[],
): { ok: true; maps: VmMap[] } | { ok: false; error: string } {
  const maps: VmMap[] = [];
  for (const d of defs) {
    const type = VM_TYPE[d.type];
    if (type === undefined)
      return { ok: false, error: `map '${d.name}': the VM has no map of type ${d.type}` };
    maps.push(
      createMap({ name: d.name, type, keySize: d.keySize, valueSize: d.valueSize, maxEntries: d.maxEntries }),
    );
  }
  return { ok: true, maps };
}
