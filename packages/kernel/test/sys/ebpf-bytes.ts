// Test helper: a minimal eBPF instruction encoder (host little-endian) for hand-written and
// generated test programs, independent of @tfc/bpf. Invariants: pure; each `ins` is one 8-byte
// slot, `ldImm64` two slots; `listing` prints one line per slot (op dst src off imm) for failure reports.

export interface Slot {
  readonly op: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

export function ins(op: number, dst: number, src: number, off: number, imm: number): Slot {
  return { op, dst, src, off, imm };
}

/** ld_imm64 dst, imm64 (src = 1 for BPF_PSEUDO_MAP_FD). */
export function ldImm64(dst: number, value: bigint, src = 0): Slot[] {
  const lo = Number(BigInt.asIntN(32, value));
  const hi = Number(BigInt.asIntN(32, value >> 32n));
  return [ins(0x18, dst, src, 0, lo), ins(0, 0, 0, 0, hi)];
}

export function encodeSlots(slots: readonly Slot[]): Uint8Array {
  const out = new Uint8Array(new ArrayBuffer(slots.length * 8));
  const v = new DataView(out.buffer);
  slots.forEach((s, i) => {
    v.setUint8(i * 8, s.op);
    v.setUint8(i * 8 + 1, ((s.src & 0xf) << 4) | (s.dst & 0xf));
    v.setInt16(i * 8 + 2, s.off, true);
    v.setInt32(i * 8 + 4, s.imm, true);
  });
  return out;
}

export function listing(slots: readonly Slot[]): string {
  return slots
    .map(
      (s, i) =>
        `${String(i).padStart(3)}: op=0x${s.op.toString(16).padStart(2, '0')} dst=r${s.dst} src=r${s.src} off=${s.off} imm=${s.imm}`,
    )
    .join('\n');
}

export const OP = {
  MOV64_IMM: 0xb7,
  MOV64_REG: 0xbf,
  ADD64_IMM: 0x07,
  ADD64_REG: 0x0f,
  LDXW: 0x61,
  LDXH: 0x69,
  LDXB: 0x71,
  LDXDW: 0x79,
  STW_IMM: 0x62,
  STXDW: 0x7b,
  ATOMIC_ADD_DW: 0xdb,
  JGT_REG: 0x2d,
  JEQ_IMM: 0x15,
  JNE_IMM: 0x55,
  JA: 0x05,
  CALL: 0x85,
  EXIT: 0x95,
} as const;

export function hexBytes(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
