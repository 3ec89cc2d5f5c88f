// Test helper: loads a compiled skb-context program (compileSkbCapture) into the kernel — the maps it lists, the
// ring buffer the caller owns, BTF's attach id for the hook — and attaches it (BPF_RAW_TRACEPOINT_OPEN with a NULL
// name, which tp_btf and fentry programs both use). Invariants: on failure everything created so far is released
// and the error says which step failed (the verifier's log tail included); on success the caller disposes the
// returned handles (link first).
import type { EbpfProgram } from '@tfc/codegen-bpf';
import { linkMaps, SKB_RECORD_MAP, SKB_RINGBUF_MAP } from '@tfc/codegen-bpf';
import {
  type BpfMap,
  type BtfTable,
  btfHookParams,
  createMap,
  type FdHandle,
  loadProgram,
  openRawTracepoint,
  possibleCpuCount,
  type Syscalls,
} from '@tfc/kernel/sys';

export interface LoadedSkb {
  dispose(): void;
}

export function loadSkbProgram(
  sys: Syscalls,
  btf: BtfTable,
  p: EbpfProgram,
  ring: BpfMap | undefined,
): { ok: true; value: LoadedSkb } | { ok: false; error: string } {
  if (p.attach === undefined) return { ok: false, error: 'not an skb-context program' };
  const id = btfHookParams(btf, { kind: p.attach.kind, name: p.attach.name });
  if (!id.ok) return { ok: false, error: id.error };
  // every map the program lists (its record map, tfc_strbuf for protochain walks, …), created empty
  const made: BpfMap[] = [];
  const release = () => {
    for (const m of made) m.dispose();
  };
  const fds = new Map<string, number>();
  for (const def of p.maps) {
    const m = createMap(
      sys,
      {
        type: def.type === 'hash' ? 'HASH' : 'PERCPU_ARRAY',
        keySize: def.keySize,
        valueSize: def.valueSize,
        maxEntries: def.maxEntries,
      },
      possibleCpuCount(),
    );
    if (!m.ok) {
      release();
      return { ok: false, error: `map ${def.name}: ${m.error.message}` };
    }
    if (def.entries.length > 0) {
      release();
      m.value.dispose();
      return { ok: false, error: `map ${def.name} needs entries (not supported here)` };
    }
    made.push(m.value);
    fds.set(def.name, m.value.fd);
  }
  if (!fds.has(SKB_RECORD_MAP)) {
    release();
    return { ok: false, error: 'no record map' };
  }
  if (ring !== undefined) fds.set(SKB_RINGBUF_MAP, ring.fd);
  const linked = linkMaps(p.insns, fds);
  if (!linked.ok) {
    release();
    return { ok: false, error: linked.message };
  }
  const prog = loadProgram(sys, {
    type: 'TRACING',
    insns: linked.bytes,
    license: 'GPL',
    expectedAttachType: p.attach.expectedAttachType,
    attachBtfId: id.btfId,
  });
  if (!prog.ok) {
    release();
    return { ok: false, error: `load ${p.section}: ${prog.error.message}` };
  }
  const link: { ok: true; value: FdHandle } | { ok: false; error: { message: string } } = openRawTracepoint(
    sys,
    prog.value,
    undefined,
  );
  if (!link.ok) {
    prog.value.dispose();
    release();
    return { ok: false, error: `attach ${p.section}: ${link.error.message}` };
  }
  const l = link.value;
  return {
    ok: true,
    value: {
      dispose: () => {
        l.dispose();
        prog.value.dispose();
        release();
      },
    },
  };
}
