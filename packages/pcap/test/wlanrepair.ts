// Test helper: libpcap 1.10.3's 802.11 programs that read scratch registers they never write, and their repair.
// On IEEE802_11 and IEEE802_11_RADIO, libpcap computes the run-time link offsets in a prologue it inserts at the
// start of the program when it finishes (insert_compute_vloffsets), storing them into the registers of the link
// header *in force at the end of the filter*. After `geneve` (and, with radiotap, after `pppoes`), those are the
// Geneve/PPP header's registers, not the ones the 802.11 tests before it read: those are never written (bpf_filter's
// scratch memory is uninitialised; the kernel's classic BPF checker refuses such a program), and the radiotap
// data-pad rounding is left out (it is generated only while the link type is still radiotap).
// `unwrittenReads` finds such programs; `repaired` inserts, at the end of the prologue, stores of the offsets the
// filter means (the radiotap length into the register the data-frame test reads the frame control through, the
// 802.11 payload offset into the other, each computed from the frame as the prologue
// computes them for the capture's own link type) into the unwritten registers and into the prologue's payload
// register — so the rest of libpcap's own program judges tfc's. Invariants: pure; programs are 8-byte cBPF
// instructions (little-endian code/k as bpf_insn on x86); only forward jumps, so the prologue's jumps land at or
// before its end and inserting there moves no jump target.

const LD_MEM = 0x60;
const LDX_MEM = 0x61;
const ST = 0x02;
const STX = 0x03;
const ADD_K = 0x04;
const LD_IMM = 0x00;
const LDB_IND = 0x50;
const JSET_K = 0x45;

const op = (p: Uint8Array, i: number) => p[i * 8]! | (p[i * 8 + 1]! << 8);
const kOf = (p: Uint8Array, i: number) =>
  new DataView(p.buffer, p.byteOffset + i * 8 + 4, 4).getUint32(0, true);

/** Scratch registers the program reads where no earlier instruction wrote them (ascending). */
export function unwrittenReads(program: Uint8Array): number[] {
  const written = new Set<number>();
  const unwritten = new Set<number>();
  for (let i = 0; i < program.length / 8; i++) {
    const o = op(program, i);
    if (o === ST || o === STX) written.add(kOf(program, i));
    else if ((o === LD_MEM || o === LDX_MEM) && !written.has(kOf(program, i))) unwritten.add(kOf(program, i));
  }
  return [...unwritten].sort((a, b) => a - b);
}

/** Where the prologue ends: the false branch of its first conditional jump (the frame-type test). */
function prologueEnd(program: Uint8Array): number {
  for (let i = 0; i < program.length / 8; i++) {
    const o = op(program, i);
    if ((o & 0x07) === 0x05 && (o & 0xf0) !== 0x00) return i + 1 + program[i * 8 + 3]!;
  }
  return 0;
}

/** Whether a store after the prologue overwrites one of the registers `repaired` fills in for the 802.11 tests
 *  (an arithmetic relation reusing them: the other told-apart defect, not judged). Stores into the registers the
 *  prologue itself wrote are the Geneve/PPP header's own and do not count. */
export function repairClobbered(program: Uint8Array): boolean {
  const unwritten = new Set(unwrittenReads(program));
  for (let i = prologueEnd(program); i < program.length / 8; i++) {
    const o = op(program, i);
    if ((o === ST || o === STX) && unwritten.has(kOf(program, i))) return true;
  }
  return false;
}

/** Whether the program tests the 802.11 frame control through register r (`ldx M[r]; ldb [x + 0]; jset #4|#8`, the
 *  data-frame test every 802.11 link-type check starts with). */
function readsFrameControl(program: Uint8Array, r: number): boolean {
  for (let i = 0; i + 2 < program.length / 8; i++)
    if (
      op(program, i) === LDX_MEM &&
      kOf(program, i) === r &&
      op(program, i + 1) === LDB_IND &&
      kOf(program, i + 1) === 0 &&
      op(program, i + 2) === JSET_K &&
      (kOf(program, i + 2) === 0x4 || kOf(program, i + 2) === 0x8)
    )
      return true;
  return false;
}

/** The register the prologue stores the 802.11 payload offset into (`add #24; st M[r]`). */
function payloadRegister(program: Uint8Array, end: number): number | undefined {
  for (let i = 1; i < end; i++)
    if (op(program, i) === ST && op(program, i - 1) === ADD_K && kOf(program, i - 1) === 24)
      return kOf(program, i);
  return undefined;
}

/** The radiotap length (0 without radiotap) and the 802.11 payload offset, as the prologue computes them. */
export function wlanOffsetsOf(
  frame: Uint8Array,
  radio: boolean,
): { readonly hdr: number; readonly pl: number } {
  const at = (i: number) => frame[i] ?? 0;
  const hdr = radio ? at(2) | (at(3) << 8) : 0;
  const fc = at(hdr);
  if ((fc & 0x08) === 0 || (fc & 0x04) !== 0) return { hdr, pl: hdr + 24 };
  let pl = hdr + 24 + (fc & 0x80 ? 2 : 0);
  if (radio) {
    const present = at(4) | (at(5) << 8) | (at(6) << 16) | (at(7) << 24);
    const flags = (present & 0x2) !== 0 && (present & 0x80000000) === 0;
    if (flags && (at(present & 1 ? 16 : 8) & 0x20) !== 0) pl = (pl + 3) & ~3;
  }
  return { hdr, pl };
}

/** libpcap's program with the offsets this frame's filter means stored, after the prologue, where its code reads
 *  them (see the header); the program itself when it reads no unwritten register. */
export function repaired(program: Uint8Array, frame: Uint8Array, radio: boolean): Uint8Array {
  const unwritten = unwrittenReads(program);
  if (unwritten.length === 0) return program;
  const end = prologueEnd(program);
  const { hdr, pl } = wlanOffsetsOf(frame, radio);
  const stores: [number, number][] = [];
  if (radio) {
    // libpcap allocates the two registers as primitives first need them (`sctp[…]` asks for the payload offset
    // before its link-type test asks for the header's), so the roles are told by use, not by number: the header
    // register is the one the 802.11 data-frame test reads the frame control through.
    const h = unwritten.find((r) => readsFrameControl(program, r)) ?? unwritten[0]!;
    stores.push([h, hdr]);
    const p = unwritten.find((r) => r !== h);
    if (p !== undefined) stores.push([p, pl]);
  } else stores.push([unwritten[0]!, pl]);
  const plReg = payloadRegister(program, end);
  if (plReg !== undefined) stores.push([plReg, pl]);
  const insn = (code: number, k: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint16(0, code, true);
    new DataView(b.buffer).setUint32(4, k >>> 0, true);
    return b;
  };
  const extra = stores.flatMap(([r, v]) => [insn(LD_IMM, v), insn(ST, r)]);
  const out = new Uint8Array(program.length + extra.length * 8);
  out.set(program.subarray(0, end * 8), 0);
  for (const [i, b] of extra.entries()) out.set(b, (end + i) * 8);
  out.set(program.subarray(end * 8), (end + extra.length) * 8);
  return out;
}
