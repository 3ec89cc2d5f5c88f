// FIXTURE, to be replaced by the compiler's skb capture program (`compileSkbCapture`, issue 16 item 1): a
// hand-written capture program that accepts every packet and writes the capture record (docs/capture.md) into
// the session's ring buffer. The pcap filter is then applied in user space (./userspace-filter.ts).
// Packet start: the Ethernet header when the skb's mac header is set and lies ETH_HLEN bytes before its network
// header, else the network header (else skb->data); bytes are read from the linear part only.
// Invariants: every struct offset comes from the BTF layout it is given (nothing hard-coded); the record is
// reserved at its full size (88 + snaplen) and the captured length is bounded by snaplen, the packet length and
// the linear data before bpf_probe_read_kernel; a failed reservation adds one to the lost counter.
import { ebpf } from '@tfc/bpf';
import type { CaptureProgramRequest, FieldLayout } from '@tfc/kernel/skb';

const SIZE: Readonly<Record<number, string>> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };

function ld(dst: string, base: string, f: FieldLayout): string {
  const s = SIZE[f.size];
  if (s === undefined) throw new RangeError(`field of ${f.size} bytes`);
  return `${dst} = *(${s} *)(${base} +${f.offset})`;
}

/** The fixture's listing in the verifier-log syntax the assembler reads. */
export function fixtureProgramText(req: CaptureProgramRequest): string {
  const { hook, layout: L, snaplen, hookIndex } = req;
  const S = L.skb;
  const total = 88 + snaplen;
  const pt = S.pktType;
  const lines = [
    'r6 = r1',
    `r7 = *(u64 *)(r6 +${hook.skbArg * 8})`,
    'if r7 == 0x0 goto out',
    `r1 = map_fd[0x${req.ringbufFd.toString(16)}]`,
    `r2 = ${total}`,
    'r3 = 0',
    'call bpf_ringbuf_reserve#131',
    'if r0 == 0x0 goto lost',
    'r8 = r0',
    '*(u64 *)(r8 +0) = r7',
    'call bpf_ktime_get_ns#5',
    '*(u64 *)(r8 +8) = r0',
    `*(u32 *)(r8 +16) = ${hookIndex}`,
    '*(u32 *)(r8 +20) = 0',
    '*(u64 *)(r8 +24) = 0',
    ...(hook.reasonArg !== undefined
      ? [`r1 = *(u64 *)(r6 +${hook.reasonArg * 8})`, '*(u32 *)(r8 +20) = r1']
      : []),
    ...(hook.locationArg !== undefined
      ? [`r1 = *(u64 *)(r6 +${hook.locationArg * 8})`, '*(u64 *)(r8 +24) = r1']
      : []),
    '*(u32 *)(r8 +32) = 0',
    '*(u32 *)(r8 +36) = 0',
    ld('r9', 'r7', S.dev),
    'if r9 == 0x0 goto nodev',
    ld('r1', 'r9', L.netDevice.ifindex),
    '*(u32 *)(r8 +32) = r1',
    ld('r1', 'r9', L.netDevice.net),
    'if r1 == 0x0 goto nodev',
    ld('r1', 'r1', L.net.nsInum),
    '*(u32 *)(r8 +36) = r1',
    'nodev:',
    'call bpf_get_current_pid_tgid#14',
    '*(u32 *)(r8 +44) = r0',
    'r0 >>= 32',
    '*(u32 *)(r8 +40) = r0',
    'r1 = r8',
    'r1 += 48',
    'r2 = 16',
    'call bpf_get_current_comm#16',
    ld('r1', 'r7', S.protocol),
    '*(u16 *)(r8 +72) = r1',
    ld('r1', 'r7', pt),
    ...(pt.shift ? [`r1 >>= ${pt.shift}`] : []),
    ...(pt.mask !== undefined ? [`r1 &= ${pt.mask}`] : []),
    '*(u8 *)(r8 +74) = r1',
    ld('r1', 'r7', S.mark),
    '*(u32 *)(r8 +76) = r1',
    ld('r1', 'r7', S.vlanTci),
    '*(u16 *)(r8 +80) = r1',
    ld('r1', 'r7', S.vlanProto),
    '*(u16 *)(r8 +82) = r1',
    '*(u32 *)(r8 +84) = 0',
    // r9 = head, r2 = data - head, r3 = mac, r4 = network, r5 = start flag
    ld('r9', 'r7', S.head),
    ld('r2', 'r7', S.data),
    'r2 -= r9',
    ld('r3', 'r7', S.macHeader),
    ld('r4', 'r7', S.networkHeader),
    'r5 = 1',
    'if r3 == 0xffff goto l3',
    'r1 = r4',
    'r1 -= r3',
    'if r1 != 0xe goto l3',
    'r5 = 0',
    'r4 = r3',
    'goto start',
    'l3:',
    'if r4 != 0xffff goto start',
    'r4 = r2',
    'start:',
    'if r4 <= r2 goto fits',
    'r4 = r2',
    'r5 = 1',
    'fits:',
    '*(u8 *)(r8 +75) = r5',
    // packet length = len + (data - head) - off; linear end = (data - head) + len - data_len
    ld('r1', 'r7', S.len),
    'r5 = r1',
    'r5 += r2',
    'r5 -= r4',
    '*(u32 *)(r8 +64) = r5',
    ld('r3', 'r7', S.dataLen),
    'r1 -= r3',
    'r1 += r2',
    'r1 -= r4',
    'if r1 s<= r5 goto capped',
    'r1 = r5',
    'capped:',
    `if r1 s<= ${snaplen} goto snapped`,
    `r1 = ${snaplen}`,
    'snapped:',
    'if r1 s>= 0x0 goto positive',
    'r1 = 0',
    'positive:',
    '*(u32 *)(r8 +68) = r1',
    'r2 = r1',
    'r3 = r9',
    'r3 += r4',
    'r1 = r8',
    'r1 += 88',
    'call bpf_probe_read_kernel#113',
    'if r0 == 0x0 goto submit',
    '*(u32 *)(r8 +68) = 0',
    'submit:',
    'r1 = r8',
    'r2 = 0',
    'call bpf_ringbuf_submit#132',
    'goto out',
    'lost:',
    '*(u32 *)(r10 -4) = 0',
    `r1 = map_fd[0x${req.lostFd.toString(16)}]`,
    'r2 = r10',
    'r2 += -4',
    'call bpf_map_lookup_elem#1',
    'if r0 == 0x0 goto out',
    'r1 = 1',
    'lock *(u64 *)(r0 +0) += r1',
    'out:',
    'r0 = 0',
    'exit',
  ];
  return `${lines.join('\n')}\n`;
}

/** The fixture assembled and encoded, maps already linked (a CaptureProgramSource result). */
export function fixtureProgram(
  req: CaptureProgramRequest,
): { readonly ok: true; readonly insns: Uint8Array } | { readonly ok: false; readonly error: string } {
  const parsed = ebpf.parseAsm(fixtureProgramText(req));
  if (!parsed.ok) return { ok: false, error: `fixture line ${parsed.line}: ${parsed.error}` };
  const asm = ebpf.assemble(parsed.insns);
  if (!asm.ok) return { ok: false, error: asm.errors.map((e) => e.message).join('; ') };
  return { ok: true, insns: ebpf.encode(asm.insns) };
}
