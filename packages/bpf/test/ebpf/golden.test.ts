// Golden ISA table: raw little-endian instruction bytes next to the kernel verifier-log text of each
// (cilium TestISAv4 style). Covers every opcode of ISA v4 (ALU/ALU64 incl. sdiv/smod/movsx/bswap,
// loads/stores incl. ldsx and atomics, ld_abs/ld_ind, ld_imm64 with pseudo sources, JMP/JMP32,
// gotol, may_goto, helper/pseudo/kfunc calls, exit). Each row is decoded, printed, parsed back and
// re-encoded in both byte orders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decode,
  disassemble,
  encode,
  formatInsn,
  opcodeFields,
  parseAsm,
  parseInsnText,
} from '@tfc/bpf/ebpf';

const ISA: readonly (readonly [string, string])[] = [
  ['07 01 00 00 16 00 00 00', '(07) r1 += 22'],
  ['0f 21 00 00 00 00 00 00', '(0f) r1 += r2'],
  ['17 01 00 00 16 00 00 00', '(17) r1 -= 22'],
  ['1f 21 00 00 00 00 00 00', '(1f) r1 -= r2'],
  ['27 01 00 00 16 00 00 00', '(27) r1 *= 22'],
  ['2f 21 00 00 00 00 00 00', '(2f) r1 *= r2'],
  ['37 01 00 00 16 00 00 00', '(37) r1 /= 22'],
  ['3f 21 00 00 00 00 00 00', '(3f) r1 /= r2'],
  ['47 01 00 00 16 00 00 00', '(47) r1 |= 22'],
  ['4f 21 00 00 00 00 00 00', '(4f) r1 |= r2'],
  ['57 01 00 00 16 00 00 00', '(57) r1 &= 22'],
  ['5f 21 00 00 00 00 00 00', '(5f) r1 &= r2'],
  ['67 01 00 00 16 00 00 00', '(67) r1 <<= 22'],
  ['6f 21 00 00 00 00 00 00', '(6f) r1 <<= r2'],
  ['77 01 00 00 16 00 00 00', '(77) r1 >>= 22'],
  ['7f 21 00 00 00 00 00 00', '(7f) r1 >>= r2'],
  ['97 01 00 00 16 00 00 00', '(97) r1 %= 22'],
  ['9f 21 00 00 00 00 00 00', '(9f) r1 %= r2'],
  ['a7 01 00 00 16 00 00 00', '(a7) r1 ^= 22'],
  ['af 21 00 00 00 00 00 00', '(af) r1 ^= r2'],
  ['b7 01 00 00 16 00 00 00', '(b7) r1 = 22'],
  ['bf 21 00 00 00 00 00 00', '(bf) r1 = r2'],
  ['c7 01 00 00 16 00 00 00', '(c7) r1 s>>= 22'],
  ['cf 21 00 00 00 00 00 00', '(cf) r1 s>>= r2'],
  ['87 03 00 00 00 00 00 00', '(87) r3 = -r3'],
  ['37 01 01 00 f9 ff ff ff', '(37) r1 s/= -7'],
  ['97 01 01 00 07 00 00 00', '(97) r1 s%= 7'],
  ['3f 21 01 00 00 00 00 00', '(3f) r1 s/= r2'],
  ['9f 21 01 00 00 00 00 00', '(9f) r1 s%= r2'],
  ['bf 21 08 00 00 00 00 00', '(bf) r1 = (s8)r2'],
  ['bf 21 10 00 00 00 00 00', '(bf) r1 = (s16)r2'],
  ['bf 21 20 00 00 00 00 00', '(bf) r1 = (s32)r2'],
  ['04 01 00 00 16 00 00 00', '(04) w1 += 22'],
  ['0c 21 00 00 00 00 00 00', '(0c) w1 += w2'],
  ['14 01 00 00 16 00 00 00', '(14) w1 -= 22'],
  ['1c 21 00 00 00 00 00 00', '(1c) w1 -= w2'],
  ['24 01 00 00 16 00 00 00', '(24) w1 *= 22'],
  ['2c 21 00 00 00 00 00 00', '(2c) w1 *= w2'],
  ['34 01 00 00 16 00 00 00', '(34) w1 /= 22'],
  ['3c 21 00 00 00 00 00 00', '(3c) w1 /= w2'],
  ['44 01 00 00 16 00 00 00', '(44) w1 |= 22'],
  ['4c 21 00 00 00 00 00 00', '(4c) w1 |= w2'],
  ['54 01 00 00 16 00 00 00', '(54) w1 &= 22'],
  ['5c 21 00 00 00 00 00 00', '(5c) w1 &= w2'],
  ['64 01 00 00 16 00 00 00', '(64) w1 <<= 22'],
  ['6c 21 00 00 00 00 00 00', '(6c) w1 <<= w2'],
  ['74 01 00 00 16 00 00 00', '(74) w1 >>= 22'],
  ['7c 21 00 00 00 00 00 00', '(7c) w1 >>= w2'],
  ['94 01 00 00 16 00 00 00', '(94) w1 %= 22'],
  ['9c 21 00 00 00 00 00 00', '(9c) w1 %= w2'],
  ['a4 01 00 00 16 00 00 00', '(a4) w1 ^= 22'],
  ['ac 21 00 00 00 00 00 00', '(ac) w1 ^= w2'],
  ['b4 01 00 00 16 00 00 00', '(b4) w1 = 22'],
  ['bc 21 00 00 00 00 00 00', '(bc) w1 = w2'],
  ['c4 01 00 00 16 00 00 00', '(c4) w1 s>>= 22'],
  ['cc 21 00 00 00 00 00 00', '(cc) w1 s>>= w2'],
  ['84 03 00 00 00 00 00 00', '(84) w3 = -w3'],
  ['34 01 01 00 f9 ff ff ff', '(34) w1 s/= -7'],
  ['94 01 01 00 07 00 00 00', '(94) w1 s%= 7'],
  ['3c 21 01 00 00 00 00 00', '(3c) w1 s/= w2'],
  ['9c 21 01 00 00 00 00 00', '(9c) w1 s%= w2'],
  ['bc 21 08 00 00 00 00 00', '(bc) w1 = (s8)w2'],
  ['bc 21 10 00 00 00 00 00', '(bc) w1 = (s16)w2'],
  ['b7 00 00 00 ff ff ff ff', '(b7) r0 = -1'],
  ['b4 00 00 00 00 00 00 80', '(b4) w0 = -2147483648'],
  ['d4 01 00 00 10 00 00 00', '(d4) r1 = le16 r1'],
  ['dc 01 00 00 10 00 00 00', '(dc) r1 = be16 r1'],
  ['d7 01 00 00 10 00 00 00', '(d7) r1 = bswap16 r1'],
  ['d4 01 00 00 20 00 00 00', '(d4) r1 = le32 r1'],
  ['dc 01 00 00 20 00 00 00', '(dc) r1 = be32 r1'],
  ['d7 01 00 00 20 00 00 00', '(d7) r1 = bswap32 r1'],
  ['d4 01 00 00 40 00 00 00', '(d4) r1 = le64 r1'],
  ['dc 01 00 00 40 00 00 00', '(dc) r1 = be64 r1'],
  ['d7 01 00 00 40 00 00 00', '(d7) r1 = bswap64 r1'],
  ['61 21 08 00 00 00 00 00', '(61) r1 = *(u32 *)(r2 +8)'],
  ['62 0a f8 ff fd ff ff ff', '(62) *(u32 *)(r10 -8) = -3'],
  ['63 1a f0 ff 00 00 00 00', '(63) *(u32 *)(r10 -16) = r1'],
  ['69 21 08 00 00 00 00 00', '(69) r1 = *(u16 *)(r2 +8)'],
  ['6a 0a f8 ff fd ff ff ff', '(6a) *(u16 *)(r10 -8) = -3'],
  ['6b 1a f0 ff 00 00 00 00', '(6b) *(u16 *)(r10 -16) = r1'],
  ['71 21 08 00 00 00 00 00', '(71) r1 = *(u8 *)(r2 +8)'],
  ['72 0a f8 ff fd ff ff ff', '(72) *(u8 *)(r10 -8) = -3'],
  ['73 1a f0 ff 00 00 00 00', '(73) *(u8 *)(r10 -16) = r1'],
  ['79 21 08 00 00 00 00 00', '(79) r1 = *(u64 *)(r2 +8)'],
  ['7a 0a f8 ff fd ff ff ff', '(7a) *(u64 *)(r10 -8) = -3'],
  ['7b 1a f0 ff 00 00 00 00', '(7b) *(u64 *)(r10 -16) = r1'],
  ['81 21 fe ff 00 00 00 00', '(81) r1 = *(s32 *)(r2 -2)'],
  ['89 21 fe ff 00 00 00 00', '(89) r1 = *(s16 *)(r2 -2)'],
  ['91 21 fe ff 00 00 00 00', '(91) r1 = *(s8 *)(r2 -2)'],
  ['79 16 00 00 00 00 00 00', '(79) r6 = *(u64 *)(r1 +0)'],
  ['c3 1a f8 ff 00 00 00 00', '(c3) lock *(u32 *)(r10 -8) += r1'],
  ['c3 1a f8 ff 40 00 00 00', '(c3) lock *(u32 *)(r10 -8) |= r1'],
  ['c3 1a f8 ff 50 00 00 00', '(c3) lock *(u32 *)(r10 -8) &= r1'],
  ['c3 1a f8 ff a0 00 00 00', '(c3) lock *(u32 *)(r10 -8) ^= r1'],
  ['c3 1a f8 ff 01 00 00 00', '(c3) r1 = atomic_fetch_add((u32 *)(r10 -8), r1)'],
  ['c3 1a f8 ff 41 00 00 00', '(c3) r1 = atomic_fetch_or((u32 *)(r10 -8), r1)'],
  ['c3 1a f8 ff 51 00 00 00', '(c3) r1 = atomic_fetch_and((u32 *)(r10 -8), r1)'],
  ['c3 1a f8 ff a1 00 00 00', '(c3) r1 = atomic_fetch_xor((u32 *)(r10 -8), r1)'],
  ['c3 2a f8 ff e1 00 00 00', '(c3) r2 = atomic_xchg((u32 *)(r10 -8), r2)'],
  ['c3 3a f8 ff f1 00 00 00', '(c3) r0 = atomic_cmpxchg((u32 *)(r10 -8), r0, r3)'],
  ['db 1a f8 ff 00 00 00 00', '(db) lock *(u64 *)(r10 -8) += r1'],
  ['db 1a f8 ff 40 00 00 00', '(db) lock *(u64 *)(r10 -8) |= r1'],
  ['db 1a f8 ff 50 00 00 00', '(db) lock *(u64 *)(r10 -8) &= r1'],
  ['db 1a f8 ff a0 00 00 00', '(db) lock *(u64 *)(r10 -8) ^= r1'],
  ['db 1a f8 ff 01 00 00 00', '(db) r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)'],
  ['db 1a f8 ff 41 00 00 00', '(db) r1 = atomic64_fetch_or((u64 *)(r10 -8), r1)'],
  ['db 1a f8 ff 51 00 00 00', '(db) r1 = atomic64_fetch_and((u64 *)(r10 -8), r1)'],
  ['db 1a f8 ff a1 00 00 00', '(db) r1 = atomic64_fetch_xor((u64 *)(r10 -8), r1)'],
  ['db 2a f8 ff e1 00 00 00', '(db) r2 = atomic64_xchg((u64 *)(r10 -8), r2)'],
  ['db 3a f8 ff f1 00 00 00', '(db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r3)'],
  ['d3 21 08 00 00 01 00 00', '(d3) r1 = load_acquire((u8 *)(r2 +8))'],
  ['db 1a f8 ff 10 01 00 00', '(db) store_release((u64 *)(r10 -8), r1)'],
  ['20 00 00 00 0c 00 00 00', '(20) r0 = *(u32 *)skb[12]'],
  ['40 10 00 00 0e 00 00 00', '(40) r0 = *(u32 *)skb[r1 + 14]'],
  ['28 00 00 00 0c 00 00 00', '(28) r0 = *(u16 *)skb[12]'],
  ['48 10 00 00 0e 00 00 00', '(48) r0 = *(u16 *)skb[r1 + 14]'],
  ['30 00 00 00 0c 00 00 00', '(30) r0 = *(u8 *)skb[12]'],
  ['50 10 00 00 0e 00 00 00', '(50) r0 = *(u8 *)skb[r1 + 14]'],
  ['18 01 00 00 34 12 00 00 00 00 00 00 00 00 00 00', '(18) r1 = 0x1234'],
  ['18 02 00 00 78 56 34 12 00 00 00 00 44 33 22 11', '(18) r2 = 0x1122334412345678'],
  ['18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00', '(18) r1 = map_fd[0x5]'],
  ['18 21 00 00 05 00 00 00 00 00 00 00 10 00 00 00', '(18) r1 = map_value[0x1000000005]'],
  ['15 01 02 00 05 00 00 00', '(15) if r1 == 0x5 goto pc+2'],
  ['1d 21 fd ff 00 00 00 00', '(1d) if r1 == r2 goto pc-3'],
  ['25 01 02 00 05 00 00 00', '(25) if r1 > 0x5 goto pc+2'],
  ['2d 21 fd ff 00 00 00 00', '(2d) if r1 > r2 goto pc-3'],
  ['35 01 02 00 05 00 00 00', '(35) if r1 >= 0x5 goto pc+2'],
  ['3d 21 fd ff 00 00 00 00', '(3d) if r1 >= r2 goto pc-3'],
  ['45 01 02 00 05 00 00 00', '(45) if r1 & 0x5 goto pc+2'],
  ['4d 21 fd ff 00 00 00 00', '(4d) if r1 & r2 goto pc-3'],
  ['55 01 02 00 05 00 00 00', '(55) if r1 != 0x5 goto pc+2'],
  ['5d 21 fd ff 00 00 00 00', '(5d) if r1 != r2 goto pc-3'],
  ['65 01 02 00 05 00 00 00', '(65) if r1 s> 0x5 goto pc+2'],
  ['6d 21 fd ff 00 00 00 00', '(6d) if r1 s> r2 goto pc-3'],
  ['75 01 02 00 05 00 00 00', '(75) if r1 s>= 0x5 goto pc+2'],
  ['7d 21 fd ff 00 00 00 00', '(7d) if r1 s>= r2 goto pc-3'],
  ['a5 01 02 00 05 00 00 00', '(a5) if r1 < 0x5 goto pc+2'],
  ['ad 21 fd ff 00 00 00 00', '(ad) if r1 < r2 goto pc-3'],
  ['b5 01 02 00 05 00 00 00', '(b5) if r1 <= 0x5 goto pc+2'],
  ['bd 21 fd ff 00 00 00 00', '(bd) if r1 <= r2 goto pc-3'],
  ['c5 01 02 00 05 00 00 00', '(c5) if r1 s< 0x5 goto pc+2'],
  ['cd 21 fd ff 00 00 00 00', '(cd) if r1 s< r2 goto pc-3'],
  ['d5 01 02 00 05 00 00 00', '(d5) if r1 s<= 0x5 goto pc+2'],
  ['dd 21 fd ff 00 00 00 00', '(dd) if r1 s<= r2 goto pc-3'],
  ['16 01 02 00 05 00 00 00', '(16) if w1 == 0x5 goto pc+2'],
  ['1e 21 fd ff 00 00 00 00', '(1e) if w1 == w2 goto pc-3'],
  ['26 01 02 00 05 00 00 00', '(26) if w1 > 0x5 goto pc+2'],
  ['2e 21 fd ff 00 00 00 00', '(2e) if w1 > w2 goto pc-3'],
  ['36 01 02 00 05 00 00 00', '(36) if w1 >= 0x5 goto pc+2'],
  ['3e 21 fd ff 00 00 00 00', '(3e) if w1 >= w2 goto pc-3'],
  ['46 01 02 00 05 00 00 00', '(46) if w1 & 0x5 goto pc+2'],
  ['4e 21 fd ff 00 00 00 00', '(4e) if w1 & w2 goto pc-3'],
  ['56 01 02 00 05 00 00 00', '(56) if w1 != 0x5 goto pc+2'],
  ['5e 21 fd ff 00 00 00 00', '(5e) if w1 != w2 goto pc-3'],
  ['66 01 02 00 05 00 00 00', '(66) if w1 s> 0x5 goto pc+2'],
  ['6e 21 fd ff 00 00 00 00', '(6e) if w1 s> w2 goto pc-3'],
  ['76 01 02 00 05 00 00 00', '(76) if w1 s>= 0x5 goto pc+2'],
  ['7e 21 fd ff 00 00 00 00', '(7e) if w1 s>= w2 goto pc-3'],
  ['a6 01 02 00 05 00 00 00', '(a6) if w1 < 0x5 goto pc+2'],
  ['ae 21 fd ff 00 00 00 00', '(ae) if w1 < w2 goto pc-3'],
  ['b6 01 02 00 05 00 00 00', '(b6) if w1 <= 0x5 goto pc+2'],
  ['be 21 fd ff 00 00 00 00', '(be) if w1 <= w2 goto pc-3'],
  ['c6 01 02 00 05 00 00 00', '(c6) if w1 s< 0x5 goto pc+2'],
  ['ce 21 fd ff 00 00 00 00', '(ce) if w1 s< w2 goto pc-3'],
  ['d6 01 02 00 05 00 00 00', '(d6) if w1 s<= 0x5 goto pc+2'],
  ['de 21 fd ff 00 00 00 00', '(de) if w1 s<= w2 goto pc-3'],
  ['15 01 00 00 ff ff ff ff', '(15) if r1 == 0xffffffff goto pc+0'],
  ['05 00 03 00 00 00 00 00', '(05) goto pc+3'],
  ['06 00 00 00 70 11 01 00', '(06) gotol pc+70000'],
  ['e5 00 02 00 00 00 00 00', '(e5) may_goto pc+2'],
  ['85 00 00 00 01 00 00 00', '(85) call bpf_map_lookup_elem#1'],
  ['85 00 00 00 08 00 00 00', '(85) call bpf_get_smp_processor_id#8'],
  ['85 00 00 00 73 00 00 00', '(85) call bpf_probe_read_kernel_str#115'],
  ['85 00 00 00 e7 03 00 00', '(85) call unknown#999'],
  ['85 10 00 00 05 00 00 00', '(85) call pc+5'],
  ['85 10 00 00 fc ff ff ff', '(85) call pc-4'],
  ['85 20 00 00 2a 00 00 00', '(85) call kernel-function#42'],
  ['95 00 00 00 00 00 00 00', '(95) exit'],
];

const hex = (s: string): Uint8Array => Uint8Array.from(s.split(' ').map((b) => Number.parseInt(b, 16)));

test('golden ISA table: decode + disassemble gives the verifier-log text', () => {
  for (const [bytes, text] of ISA) {
    const insns = decode(hex(bytes));
    assert.equal(insns.length, 1, bytes);
    const i = insns[0]!;
    assert.equal(`(${i.code.toString(16).padStart(2, '0')}) ${formatInsn(i)}`, text, bytes);
  }
});

test('golden ISA table: parse(text) encodes to the same bytes (le) and round-trips through be', () => {
  for (const [bytes, text] of ISA) {
    const p = parseAsm(text);
    assert.ok(p.ok, `${text}: ${p.ok ? '' : p.error}`);
    assert.deepEqual(encode(p.insns, 'le'), hex(bytes), text);
    const be = encode(p.insns, 'be');
    assert.deepEqual(decode(be, 'be'), p.insns, text);
  }
});

test('golden ISA table covers every opcode of the ISA', () => {
  const codes = new Set(ISA.map(([b]) => Number.parseInt(b.slice(0, 2), 16)));
  const expected = [
    // ALU64 and ALU: 13 ops x K/X (end has K/X forms in ALU, K only in ALU64)
    ...[0x07, 0x04].flatMap((cls) =>
      [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0].flatMap((op) =>
        op === 0x80 ? [cls | op] : [cls | op, cls | op | 8],
      ),
    ),
    0xd4,
    0xdc,
    0xd7,
    // LDX/ST/STX per size, LDSX, atomics (w, dw), load-acquire (b), abs/ind, ld_imm64
    0x61,
    0x69,
    0x71,
    0x79,
    0x62,
    0x6a,
    0x72,
    0x7a,
    0x63,
    0x6b,
    0x73,
    0x7b,
    0x81,
    0x89,
    0x91,
    0xc3,
    0xdb,
    0xd3,
    0x20,
    0x28,
    0x30,
    0x40,
    0x48,
    0x50,
    0x18,
    // JMP/JMP32 conditionals
    ...[0x05, 0x06].flatMap((cls) =>
      [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0].flatMap((op) => [
        cls | op,
        cls | op | 8,
      ]),
    ),
    0x05,
    0x06,
    0xe5,
    0x85,
    0x95,
  ];
  for (const c of expected) assert.ok(codes.has(c), `opcode 0x${c.toString(16)} missing from the table`);
});

test('disassemble numbers lines by slot (ld_imm64 takes two)', () => {
  const p = parseAsm('r1 = 0x1234\nr0 = 0\nexit');
  assert.ok(p.ok);
  assert.equal(disassemble(p.insns), '0: (18) r1 = 0x1234\n2: (b7) r0 = 0\n3: (95) exit');
});

test('non-canonical instructions print as raw and still round-trip', () => {
  const [i] = decode(hex('07 51 00 00 16 00 00 00')); // r1 += 22 with a stray src register
  assert.equal(formatInsn(i!), 'raw dst=1 src=5 off=0 imm=22');
  const back = parseInsnText('raw dst=1 src=5 off=0 imm=22', 0x07);
  assert.ok(back.ok);
  assert.deepEqual(back.insn, i);
  assert.deepEqual(parseAsm('(ff) raw dst=0 src=0 off=0 imm=0'), {
    ok: true,
    insns: [{ code: 0xff, dst: 0, src: 0, off: 0, imm: 0 }],
  });
});

test('parse errors are values with line numbers', () => {
  assert.deepEqual(parseAsm('r0 = 0\nr0 frobnicate 3\nexit'), {
    ok: false,
    error: "cannot parse 'r0 frobnicate 3'",
    line: 2,
  });
  const wrongOpcode = parseAsm('(b4) r0 = 0');
  assert.equal(wrongOpcode.ok, false);
  const badHelper = parseAsm('call bpf_map_lookup_elem#2');
  assert.equal(badHelper.ok, false);
  assert.equal(parseAsm('w1 += r2').ok, false);
  assert.equal(parseAsm('goto pc+40000').ok, false);
  assert.equal(parseAsm('raw dst=1 src=0 off=0 imm=0').ok, false);
});

test('opcodeFields splits the wire opcode into named fields', () => {
  assert.deepEqual(opcodeFields(0x07), { cls: 'alu64', op: 'add', source: 'k' });
  assert.deepEqual(opcodeFields(0xcc), { cls: 'alu', op: 'arsh', source: 'x' });
  assert.deepEqual(opcodeFields(0xdc), { cls: 'alu', op: 'end', source: 'x' });
  assert.deepEqual(opcodeFields(0x2d), { cls: 'jmp', op: 'jgt', source: 'x' });
  assert.deepEqual(opcodeFields(0x16), { cls: 'jmp32', op: 'jeq', source: 'k' });
  assert.deepEqual(opcodeFields(0xe5), { cls: 'jmp', op: 'jcond', source: 'k' });
  assert.deepEqual(opcodeFields(0xf5), { cls: 'jmp', source: 'k' });
  assert.deepEqual(opcodeFields(0x61), { cls: 'ldx', size: 'w', mode: 'mem' });
  assert.deepEqual(opcodeFields(0x91), { cls: 'ldx', size: 'b', mode: 'memsx' });
  assert.deepEqual(opcodeFields(0xdb), { cls: 'stx', size: 'dw', mode: 'atomic' });
  assert.deepEqual(opcodeFields(0x18), { cls: 'ld', size: 'dw', mode: 'imm' });
  assert.deepEqual(opcodeFields(0x28), { cls: 'ld', size: 'h', mode: 'abs' });
});
