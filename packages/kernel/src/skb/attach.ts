// Loading a capture program for a hook and attaching it: a TRACING program with attach_btf_id = the hook's BTF id,
// expected_attach_type TRACE_RAW_TP (tp_btf) or TRACE_FENTRY (fentry), attached with BPF_RAW_TRACEPOINT_OPEN
// and a NULL name (the kernel then links the program where its attach_btf_id says).
// Invariants: on any failure nothing created here stays open; the returned attachment owns program and link and
// releases both once; errors name the hook and carry the verifier's last line.
import { ATTACH_TYPE } from '../sys/bpf-constants.ts';
import type { FdHandle } from '../sys/fd.ts';
import { openRawTracepoint } from '../sys/obj.ts';
import { type BpfProgram, loadProgram } from '../sys/prog.ts';
import type { Syscalls } from '../sys/syscalls.ts';
import type { Hook } from './hooks.ts';

/** enum bpf_attach_type values for tracing programs. */
export const TRACING_ATTACH = {
  TRACE_RAW_TP: ATTACH_TYPE.TRACE_RAW_TP,
  TRACE_FENTRY: 24,
  TRACE_FEXIT: 25,
} as const;

export class HookAttachment {
  readonly hook: Hook;
  readonly prog: BpfProgram;
  readonly link: FdHandle;
  constructor(hook: Hook, prog: BpfProgram, link: FdHandle) {
    this.hook = hook;
    this.prog = prog;
    this.link = link;
  }
  dispose(): void {
    this.link.dispose();
    this.prog.dispose();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

export type AttachResult =
  | { readonly ok: true; readonly attachment: HookAttachment }
  | { readonly ok: false; readonly error: string; readonly log?: string };

/** Loads `insns` (8-byte slots, maps already linked) as a tracing program for `hook` and attaches it. */
export function attachAtHook(
  sys: Syscalls,
  hook: Hook,
  insns: Uint8Array,
  name = 'tfc_capture',
): AttachResult {
  const prog = loadProgram(sys, {
    type: 'TRACING',
    insns,
    name,
    expectedAttachType: hook.kind === 'tp_btf' ? TRACING_ATTACH.TRACE_RAW_TP : TRACING_ATTACH.TRACE_FENTRY,
    attachBtfId: hook.btfId,
  });
  if (!prog.ok)
    return {
      ok: false,
      error: `${hook.name}: the kernel refused the program: ${prog.error.message}`,
      ...(prog.error.log !== undefined ? { log: prog.error.log } : {}),
    };
  const link = openRawTracepoint(sys, prog.value, undefined);
  if (!link.ok) {
    prog.value.dispose();
    return { ok: false, error: `${hook.name}: attaching failed: ${link.error.message}` };
  }
  return { ok: true, attachment: new HookAttachment(hook, prog.value, link.value) };
}
