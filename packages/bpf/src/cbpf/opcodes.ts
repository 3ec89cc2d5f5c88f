// Classic BPF opcode fields and Linux ancillary offsets, as plain `as const` tables.
// Invariants: every value equals the kernel UAPI constant of the same name (include/uapi/linux/bpf_common.h,
// include/uapi/linux/filter.h); the opcode is 16 bits on the wire but only the low 8 carry meaning:
//
//    7 6 5 4 3 2 1 0
//   +-----+---+-----+   LD/LDX:  mode(3) | size(2) | class(3)
//   | op  |src|class|   ALU/JMP: op(4) | src(1) | class(3)
//   +-----+---+-----+   RET:     rval(2 bits at 3..4) | class
// Ancillary table rows are ordered by offset; names match libpcap's bpf_image and Linux bpf_asm spellings.

export const BPF_CLASS = {
  ld: 0x00,
  ldx: 0x01,
  st: 0x02,
  stx: 0x03,
  alu: 0x04,
  jmp: 0x05,
  ret: 0x06,
  misc: 0x07,
} as const;
export const BPF_SIZE = { w: 0x00, h: 0x08, b: 0x10 } as const;
export const BPF_MODE = { imm: 0x00, abs: 0x20, ind: 0x40, mem: 0x60, len: 0x80, msh: 0xa0 } as const;
export const BPF_ALU_OP = {
  add: 0x00,
  sub: 0x10,
  mul: 0x20,
  div: 0x30,
  or: 0x40,
  and: 0x50,
  lsh: 0x60,
  rsh: 0x70,
  neg: 0x80,
  mod: 0x90,
  xor: 0xa0,
} as const;
export const BPF_JMP_OP = { ja: 0x00, jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40 } as const;
export const BPF_SRC = { k: 0x00, x: 0x08 } as const;
export const BPF_RVAL = { k: 0x00, x: 0x08, a: 0x10 } as const;
export const BPF_MISCOP = { tax: 0x00, txa: 0x80 } as const;

/** Scratch memory words (BPF_MEMWORDS) and the kernel's program length limit (BPF_MAXINSNS). */
export const BPF_MEMWORDS = 16;
export const BPF_MAXINSNS = 4096;

/** Negative-offset bases as unsigned 32-bit `k` values: SKF_AD_OFF = -0x1000, SKF_NET_OFF = -0x100000, SKF_LL_OFF = -0x200000. */
export const SKF_AD_OFF = 0xfffff000;
export const SKF_NET_OFF = 0xfff00000;
export const SKF_LL_OFF = 0xffe00000;

export type AncillaryName =
  | 'protocol'
  | 'pkttype'
  | 'ifindex'
  | 'nlattr'
  | 'nlattr_nest'
  | 'mark'
  | 'queue'
  | 'hatype'
  | 'rxhash'
  | 'cpu'
  | 'alu_xor_x'
  | 'vlan_tag'
  | 'vlan_tag_present'
  | 'pay_offset'
  | 'random'
  | 'vlan_tpid';

export interface AncillaryRow {
  readonly name: AncillaryName;
  /** SKF_AD_* value (add SKF_AD_OFF for the load's k). */
  readonly offset: number;
  /** How libpcap's bpf_image prints it inside brackets: `ldb [vlanp]`. */
  readonly pcapName: string;
  /** Linux bpf_asm extension keyword (`ld #proto`); first is the one printed. */
  readonly asmNames: readonly string[];
}

/** SKF_AD_* offsets, include/uapi/linux/filter.h (SKF_AD_MAX = 64). */
export const ANCILLARY: readonly AncillaryRow[] = [
  { name: 'protocol', offset: 0, pcapName: 'proto', asmNames: ['proto'] },
  { name: 'pkttype', offset: 4, pcapName: 'type', asmNames: ['type'] },
  { name: 'ifindex', offset: 8, pcapName: 'ifidx', asmNames: ['ifidx'] },
  { name: 'nlattr', offset: 12, pcapName: 'nla', asmNames: ['nla'] },
  { name: 'nlattr_nest', offset: 16, pcapName: 'nlan', asmNames: ['nlan'] },
  { name: 'mark', offset: 20, pcapName: 'mark', asmNames: ['mark'] },
  { name: 'queue', offset: 24, pcapName: 'queue', asmNames: ['queue'] },
  { name: 'hatype', offset: 28, pcapName: 'hatype', asmNames: ['hatype'] },
  { name: 'rxhash', offset: 32, pcapName: 'rxhash', asmNames: ['rxhash'] },
  { name: 'cpu', offset: 36, pcapName: 'cpu', asmNames: ['cpu'] },
  // bpf_asm has no keyword for SKF_AD_ALU_XOR_X; it is printed as a plain absolute load.
  { name: 'alu_xor_x', offset: 40, pcapName: 'xor_x', asmNames: [] },
  { name: 'vlan_tag', offset: 44, pcapName: 'vlan_tci', asmNames: ['vlan_tci'] },
  { name: 'vlan_tag_present', offset: 48, pcapName: 'vlanp', asmNames: ['vlan_avail', 'vlan_pr'] },
  { name: 'pay_offset', offset: 52, pcapName: 'poff', asmNames: ['poff'] },
  { name: 'random', offset: 56, pcapName: 'random', asmNames: ['rand'] },
  { name: 'vlan_tpid', offset: 60, pcapName: 'vlan_tpid', asmNames: ['vlan_tpid'] },
];

const byK = new Map<number, AncillaryRow>(ANCILLARY.map((r) => [(SKF_AD_OFF + r.offset) >>> 0, r]));
const byName = new Map<AncillaryName, AncillaryRow>(ANCILLARY.map((r) => [r.name, r]));

/** The ancillary row for an absolute-load `k`, if `k` is a known SKF_AD_OFF + SKF_AD_* value. */
export function ancillaryForK(k: number): AncillaryRow | undefined {
  return byK.get(k >>> 0);
}

export function ancillaryByName(name: AncillaryName): AncillaryRow {
  const row = byName.get(name);
  if (row === undefined) throw new Error(`unknown ancillary ${name}`);
  return row;
}
