// The kernel's program tag (kernel/bpf/core.c bpf_prog_calc_tag), shown by bpftool and tc.
// Invariants: the tag is the first 8 bytes of a digest over the little-endian instruction bytes,
// with the imm of both slots of every ld_imm64 BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_VALUE zeroed
// (map fds differ between loads), printed as 16 lowercase hex digits. The digest is SHA-256 on the
// 6.18 test machine (measured against bpftool) and SHA-1 on older kernels. Pure.
import { createHash } from 'node:crypto';
import { encode } from './encode.ts';
import type { Insn } from './insn.ts';
import { OPCODE, PSEUDO_LD } from './opcode.ts';

/** The tag the kernel computes for `insns` (as loaded: resolve labels first). */
export function programTag(insns: readonly Insn[], digest: 'sha256' | 'sha1' = 'sha256'): string {
  const masked = insns.map((i) =>
    i.code === OPCODE.ldImm64 &&
    i.imm64 !== undefined &&
    (i.src === PSEUDO_LD.mapFd || i.src === PSEUDO_LD.mapValue)
      ? { ...i, imm: 0, imm64: 0n }
      : i,
  );
  return createHash(digest).update(encode(masked, 'le')).digest('hex').slice(0, 16);
}
