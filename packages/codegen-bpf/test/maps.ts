// Test helpers: the maps a compiled eBPF program names, built for the VM (createMap + entries) or
// created in the kernel (and patched into the instructions with linkMaps). Invariant: kernel maps are
// returned to the caller, who disposes them (also on failure).
import * as ebpf from '@tfc/bpf/ebpf';
import { type BpfMap, createMap, type Syscalls } from '@tfc/kernel/sys';
import { type EbpfProgram, linkMaps } from '../src/index.ts';

export function vmMaps(p: EbpfProgram): ebpf.VmMap[] {
  return p.maps.map((m) => {
    const mp = ebpf.createMap({
      name: m.name,
      type: m.type === 'hash' ? 'hash' : 'array',
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
    });
    for (const e of m.entries) ebpf.mapUpdate(mp, e.key, e.value, 0);
    return mp;
  });
}

/** Creates and fills the program's maps; returns the linked bytes and the map handles. */
export function kernelMaps(sys: Syscalls, p: EbpfProgram): { bytes: Uint8Array; maps: BpfMap[] } | string {
  const maps: BpfMap[] = [];
  const fds = new Map<string, number>();
  for (const m of p.maps) {
    const r = createMap(sys, {
      type: m.type === 'hash' ? 'HASH' : 'PERCPU_ARRAY',
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
    });
    if (!r.ok) {
      for (const x of maps) x.dispose();
      return `map create: ${r.error.message}`;
    }
    maps.push(r.value);
    fds.set(m.name, r.value.fd);
    for (const e of m.entries) {
      const u = r.value.update(e.key, e.value);
      if (!u.ok) {
        for (const x of maps) x.dispose();
        return `map update: ${u.error.message}`;
      }
    }
  }
  const l = linkMaps(p.insns, fds);
  if (!l.ok) {
    for (const x of maps) x.dispose();
    return l.message;
  }
  return { bytes: l.bytes, maps };
}
