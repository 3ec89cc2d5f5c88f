/*
 * Suite `bpf`: the BPF toolkit's own speed — instructions per second of the cBPF VM (libpcap's `tcp port 80`
 * program over a TCP/IPv4 frame, kernel semantics) and of the eBPF VM (a straight-line ALU program with a branch),
 * and the time to encode + decode a 4,096-instruction program in each ISA. Figures are medians of several runs.
 */
import { cbpf, ebpf } from '@tfc/bpf';
import { measureNsPerOp } from '../measure.ts';
import { type Row, rate, row } from '../row.ts';
import type { Suite } from '../suite.ts';

/** `tcpdump -ddd 'tcp port 80'` from libpcap 1.10.3 (corpus 12-tcp_port_80.ddd). */
const TCP_PORT_80_DDD = `20
40 0 0 12
21 0 6 34525
48 0 0 20
21 0 15 6
40 0 0 54
21 12 0 80
40 0 0 56
21 10 11 80
21 0 10 2048
48 0 0 23
21 0 8 6
40 0 0 20
69 6 0 8191
177 0 0 14
72 0 0 14
21 2 0 80
72 0 0 16
21 0 1 80
6 0 0 262144
6 0 0 0
`;

/** Ethernet + IPv4 (IHL 5) + TCP from port 40000 to port 80. */
function tcpFrame(): Uint8Array {
  const f = new Uint8Array(64);
  f.set([0x08, 0x00], 12);
  f.set([0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 6], 14);
  f.set([10, 0, 0, 1, 10, 0, 0, 2], 26);
  f.set([0x9c, 0x40, 0, 80], 34);
  return f;
}

function ebpfProgram(n: number): string {
  const lines = ['r0 = 0', 'r1 = 7', 'r2 = 3'];
  for (let i = 0; i < n; i++) lines.push(i % 3 === 0 ? 'r0 += r1' : i % 3 === 1 ? 'r0 ^= r2' : 'w1 += 5');
  lines.push('if r0 > 0x5 goto pc+1', 'r0 = 1', 'exit');
  return `${lines.join('\n')}\n`;
}

export const bpfSuite: Suite = {
  name: 'bpf',
  title: 'BPF VMs and codecs',
  run: async (ctx) => {
    const rows: Row[] = [];
    const total = 4;
    ctx.progress(0, total, 'cBPF VM');
    const parsed = cbpf.parseDdd(TCP_PORT_80_DDD);
    if (!parsed.ok) throw new Error(`tcp port 80 program: ${parsed.error}`);
    const prog = parsed.program;
    const frame = tcpFrame();
    const once = cbpf.run(prog, frame);
    if ('error' in once) throw new Error(once.error);
    const fn = cbpf.compileVm(prog);
    const c = measureNsPerOp(() => fn(frame), ctx.measure);
    rows.push(
      row(
        'bpf',
        'cbpf-vm-tcp-port-80',
        'tfc-cbpf-vm',
        'instructions_per_second',
        'insn/s',
        rate(c, once.steps),
      ),
    );

    ctx.progress(1, total, 'eBPF VM');
    const asm = ebpf.parseAsm(ebpfProgram(200));
    if (!asm.ok) throw new Error(asm.error);
    const prep = ebpf.prepare(asm.insns);
    if (!prep.ok) throw new Error(prep.error);
    const input = { kind: 'raw', ctx: new Uint8Array(8) } as const;
    const first = ebpf.run(prep.prog, input);
    if (!first.ok) throw new Error(first.error);
    const e = measureNsPerOp(() => ebpf.run(prep.prog, input), ctx.measure);
    rows.push(
      row('bpf', 'ebpf-vm-alu-206', 'tfc-ebpf-vm', 'instructions_per_second', 'insn/s', rate(e, first.steps)),
    );

    ctx.progress(2, total, 'codecs');
    const big: cbpf.RawInsn[] = [];
    for (let i = 0; i < 4095; i++) big.push(prog[i % (prog.length - 2)] as cbpf.RawInsn);
    big.push({ code: 0x06, jt: 0, jf: 0, k: 0 });
    const cc = measureNsPerOp(() => cbpf.decode(cbpf.encode(big)), ctx.measure);
    rows.push(row('bpf', 'cbpf-encode-decode-4096', 'tfc-cbpf', 'codec_latency', 'us', micro(cc)));
    const ebig = ebpf.parseAsm(ebpfProgram(4093));
    if (!ebig.ok) throw new Error(ebig.error);
    const eins = ebig.insns;
    const ec = measureNsPerOp(() => ebpf.decode(ebpf.encode(eins, 'le'), 'le'), ctx.measure);
    rows.push(row('bpf', 'ebpf-encode-decode-4096', 'tfc-ebpf', 'codec_latency', 'us', micro(ec)));
    ctx.progress(total, total, 'done');
    return rows;
  },
};

function micro(s: { runs: number; min: number; median: number; max: number }) {
  return { runs: s.runs, min: s.min / 1e3, median: s.median / 1e3, max: s.max / 1e3 };
}
