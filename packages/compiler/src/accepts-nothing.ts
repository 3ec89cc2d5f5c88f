/*
 * acceptsNothing(): whether a compiled classic program rejects every input — libpcap's pcap_compile refuses such
 * filters with "expression rejects all packets", and consumers special-case that outcome. Invariant: true exactly
 * when every return of the program is `ret #onMiss` (no `ret a`/`ret x`, no other constant), which is what the
 * program does whatever the packet; decided on the optimized program the user gets, so it is as exact as the
 * code passes that fold constant tests.
 */
import type { ProgramSpec } from '@tfc/codegen-bpf';

const BPF_RET = 0x06;
const BPF_RVAL_K = 0x00;

export function acceptsNothing(program: ProgramSpec): boolean | undefined {
  if (program.target !== 'cbpf') return undefined;
  return program.insns.every(
    (i) =>
      (i.code & 0x07) !== BPF_RET || ((i.code & 0x18) === BPF_RVAL_K && i.k >>> 0 === program.onMiss >>> 0),
  );
}
