// Test helper: loads a compiled skb-context program (compileSkbCapture) into the kernel — its per-CPU record map, the
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
  const def = p.maps.find((m) => m.name === SKB_RECORD_MAP);
  if (def === undefined) return { ok: false, error: 'no record map' };
  const rec = createMap(
    sys,
    { type: 'PERCPU_ARRAY', keySize: 4, valueSize: def.valueSize, maxEntries: 1 },
    possibleCpuCount(),
  );
  if (!rec.ok) return { ok: false, error: `record map: ${rec.error.message}` };
  const fds = new Map([[SKB_RECORD_MAP, rec.value.fd]]);
  if (ring !== undefined) fds.set(SKB_RINGBUF_MAP, ring.fd);
  const linked = linkMaps(p.insns, fds);
  if (!linked.ok) {
    rec.value.dispose();
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
    rec.value.dispose();
    return { ok: false, error: `load ${p.section}: ${prog.error.message}` };
  }
  const link: { ok: true; value: FdHandle } | { ok: false; error: { message: string } } = openRawTracepoint(
    sys,
    prog.value,
    undefined,
  );
  if (!link.ok) {
    prog.value.dispose();
    rec.value.dispose();
    return { ok: false, error: `attach ${p.section}: ${link.error.message}` };
  }
  const l = link.value;
  return {
    ok: true,
    value: {
      dispose: () => {
        l.dispose();
        prog.value.dispose();
        rec.value.dispose();
      },
    },
  };
}
