// The running kernel's eBPF features that change what tfc emits (the plain-data BpfFeatures of @tfc/codegen-bpf):
// may_goto (Linux 6.9+, commit 011832b97b31 "bpf: Introduce may_goto instruction"), probed by loading a
// 4-instruction socket filter holding one — builds differ, so the load decides, not the version (the release
// number is the caller's fallback where bpf(2) cannot answer: bpfFeaturesOfRelease of @tfc/codegen-bpf).
// Invariants: never throws; the probe program is closed before returning; an answer other than "loaded" or
// EINVAL (the verifier's "unknown opcode e5") is no answer (ok false, with the reason), never a guess.
import { ERRNO, errnoName } from './errno.ts';
import { type Loaded, loadKoffiSyscalls } from './koffi-syscalls.ts';
import { loadProgram } from './prog.ts';
import type { Syscalls } from './syscalls.ts';

/** `r0 = 0; may_goto +1; r0 = 0; exit` */
export const MAY_GOTO_PROBE = Uint8Array.of(
  ...[0xb7, 0, 0, 0, 0, 0, 0, 0],
  ...[0xe5, 0, 1, 0, 0, 0, 0, 0],
  ...[0xb7, 0, 0, 0, 0, 0, 0, 0],
  ...[0x95, 0, 0, 0, 0, 0, 0, 0],
);

export type BpfFeaturesProbe =
  | { readonly ok: true; readonly mayGoto: boolean; readonly how: string }
  | { readonly ok: false; readonly reason: string };

/** Loads the may_goto probe: loaded → true, EINVAL → false, anything else → no answer. */
export function probeBpfFeatures(sysLoad: Loaded<Syscalls> = loadKoffiSyscalls()): BpfFeaturesProbe {
  if (!sysLoad.ok) return { ok: false, reason: sysLoad.reason };
  const r = loadProgram(sysLoad.value, { type: 'SOCKET_FILTER', insns: MAY_GOTO_PROBE, logLevel: 0 });
  if (r.ok) {
    r.value.dispose();
    return { ok: true, mayGoto: true, how: 'a may_goto program loaded' };
  }
  if (r.error.errno === ERRNO.EINVAL)
    return { ok: true, mayGoto: false, how: 'the verifier refused a may_goto program (EINVAL)' };
  return { ok: false, reason: `BPF_PROG_LOAD of the may_goto probe: ${errnoName(r.error.errno)}` };
}
