// Test helpers: the maps a compiled eBPF program names, built for the VM (createMap + entries) or
// created in the kernel (and patched into the instructions with linkMaps), and the kernel's verdicts of a
// packet program (kernelVerdicts). Invariant: kernel maps are returned to the caller, who disposes them (also
// on failure); kernelVerdicts releases everything it creates.
import assert from 'node:assert/strict';
import * as ebpf from '@tfc/bpf/ebpf';
import {
  type BpfMap,
  createMap,
  loadProgram,
  openBpfSocket,
  type Syscalls,
  testRun,
  testRunFrameProblem,
} from '@tfc/kernel/sys';
import { type EbpfProgram, linkMaps, type ProgType } from '../src/index.ts';

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

/** The kernel's verdicts on `frames` for one program, loaded with its maps: socket filters through a socket
 *  (SO_ATTACH_BPF), tc and xdp through BPF_PROG_TEST_RUN (undefined: a frame the test run cannot carry, or one
 *  longer than `maxTestRun`). Everything it creates is released before it returns. */
export function kernelVerdicts(
  sys: Syscalls | undefined,
  p: EbpfProgram,
  pt: ProgType,
  frames: readonly Uint8Array[],
  maxTestRun = Number.POSITIVE_INFINITY,
): (number | undefined)[] {
  assert.ok(sys, 'kernelVerdicts needs the syscalls');
  const linked = kernelMaps(sys, p);
  assert.ok(typeof linked !== 'string', String(linked));
  if (typeof linked === 'string') return [];
  try {
    const l = loadProgram(sys, { type: p.progType, insns: linked.bytes });
    assert.ok(l.ok, l.ok ? '' : `${l.error.message}\n${p.listing}\n${(l.error.log ?? '').slice(-3000)}`);
    if (!l.ok) return [];
    try {
      if (pt === 'socket') {
        const opened = openBpfSocket(sys, l.value.fd);
        assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
        if (!opened.ok) return [];
        const s = opened.value;
        try {
          return frames.map((f) => {
            const v = s.run(f);
            assert.ok(v.ok, v.ok ? '' : v.error.message);
            return v.ok ? (v.value.accepted ? p.onMatch : p.onMiss) : undefined;
          });
        } finally {
          s.dispose();
        }
      }
      return frames.map((f) => {
        if (f.length > maxTestRun || testRunFrameProblem(pt === 'tc' ? 'SCHED_CLS' : 'XDP', f) !== undefined)
          return undefined;
        const out = testRun(sys, l.value, { data: f, dataOutSize: 0 });
        assert.ok(out.ok, out.ok ? '' : out.error.message);
        return out.ok ? out.value.retval : undefined;
      });
    } finally {
      l.value.dispose();
    }
  } finally {
    for (const m of linked.maps) m.dispose();
  }
}
