// Scale: long `port` chains (or, and, not, nested, with portrange/tcp/udp) go through the whole
// pipeline (tfc compile, a child process killed after 20 s: a hang detector, not a timing assertion) to
// cBPF and eBPF, and the cBPF program gives libpcap's verdicts (its own unoptimised program, both run
// by libpcap's bpf_filter) on corpus frames and on TCP/UDP frames carrying the chain's ports. Before
// the decision DAG closed its path facts to atoms, 16 terms of `not (port … or …)` took 2 s and 20 ran
// out of memory; since `factor` gathers `k != a` heads, 300 terms of it fit the DAG's leaf limit.
// A chain that meets a size limit must say so (exit 1 with the limit's code).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import { compileInChild } from './cli-compile.ts';
import { corpusFrames } from './corpus.ts';

const pcap = loadLibpcap();
const PORTS = Array.from({ length: 300 }, (_, i) => i * 37 + 5);
const ports = (n: number) => PORTS.slice(0, n);
const orOf = (xs: readonly string[]) => xs.join(' or ');

const CHAINS: readonly { name: string; text: string; mustCompile: boolean; accepts?: false }[] = [
  { name: 'port or ×300', text: orOf(ports(300).map((p) => `port ${p}`)), mustCompile: true },
  { name: 'contiguous port or ×300', text: orOf(PORTS.map((_, i) => `port ${i}`)), mustCompile: true },
  {
    name: 'port/tcp port/udp port/portrange or ×300',
    text: orOf(
      ports(300).map((p, i) =>
        i % 25 === 0 ? `portrange ${p}-${p + 3}` : [`port ${p}`, `tcp port ${p}`, `udp port ${p}`][i % 3]!,
      ),
    ),
    mustCompile: false,
  },
  {
    name: 'port/tcp port/udp port/portrange or ×60',
    text: orOf(
      ports(60).map((p, i) =>
        i % 20 === 0 ? `portrange ${p}-${p + 3}` : [`port ${p}`, `tcp port ${p}`, `udp port ${p}`][i % 3]!,
      ),
    ),
    mustCompile: true,
  },
  {
    name: 'not (port or ×150)',
    text: `not (${orOf(ports(150).map((p) => `port ${p}`))})`,
    mustCompile: true,
  },
  {
    name: 'not (port or ×300)',
    text: `not (${orOf(ports(300).map((p) => `port ${p}`))})`,
    mustCompile: true,
  },
  // a packet has two ports, so an and of distinct ports rejects everything: also two alternating ports
  {
    name: 'port and ×150',
    text: ports(150)
      .map((p) => `port ${p}`)
      .join(' and '),
    mustCompile: true,
    accepts: false,
  },
  {
    name: 'port 5 and port 42 and … ×150',
    text: ports(150)
      .map((_, i) => `port ${PORTS[i % 2]}`)
      .join(' and '),
    mustCompile: true,
  },
  {
    name: '(port a or port 7) and … ×150',
    text: ports(150)
      .map((p) => `(port ${p} or port 7)`)
      .join(' and '),
    mustCompile: true,
  },
  {
    name: '(port a or port b) and … ×150',
    text: ports(150)
      .map((p) => `(port ${p} or port ${p + 1})`)
      .join(' and '),
    mustCompile: true,
    accepts: false,
  },
];

const LIMITS = /\[(dag-leaves|dag-size|cbpf-limit|assemble)\]/;

/** Ethernet + IPv4 (IHL 5) + a TCP or UDP header with the given ports. */
function ipv4Frame(proto: 6 | 17, sport: number, dport: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + 20);
  f[12] = 0x08;
  f[14] = 0x45;
  f[23] = proto;
  f[34] = sport >> 8;
  f[35] = sport & 0xff;
  f[36] = dport >> 8;
  f[37] = dport & 0xff;
  return f;
}

const compile = compileInChild;

for (const chain of CHAINS) {
  test(`${chain.name}: compiles to cBPF and eBPF without blow-up, cBPF gives libpcap's verdicts`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), `tfc-pcap2-scale-${process.pid}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const bins: Partial<Record<'cbpf' | 'ebpf', Uint8Array>> = {};
    for (const target of ['cbpf', 'ebpf'] as const) {
      const out = join(dir, `${target}.bin`);
      const r = compile(chain.text, target, out);
      assert.equal(r.error, undefined, `${target}: ${String(r.error)} (killed after 20 s: blow-up)`);
      if (r.status === 0) {
        bins[target] = new Uint8Array(readFileSync(out));
        assert.ok(bins[target].length > 0);
        continue;
      }
      assert.equal(r.status, 1, `${target}: exit ${r.status}: ${r.stderr}`);
      assert.match(r.stderr, LIMITS, `${target}: a size limit`);
      assert.ok(!chain.mustCompile, `${target} must compile: ${r.stderr.slice(0, 300)}`);
    }
    if (chain.mustCompile) assert.ok(bins.cbpf && bins.ebpf);
    const prog = bins.cbpf;
    if (prog === undefined) return;
    if (!pcap.ok) {
      t.skip(`libpcap: ${pcap.reason}`);
      return;
    }
    using c = pcap.value.compiler(DLT.EN10MB, 262144);
    const l = c.compile(chain.text, { optimize: false });
    assert.ok(l.ok, `libpcap rejects ${chain.name}`);
    const frames: Uint8Array[] = corpusFrames().flatMap((f) => [f.bytes, f.bytes.subarray(0, 40)]);
    for (const p of [...ports(8), 6, 7, 42, 43, 44, PORTS[299]!, PORTS[150]!, 65535])
      for (const proto of [6, 17] as const)
        frames.push(
          ipv4Frame(proto, p, 1),
          ipv4Frame(proto, 2, p + 1),
          ipv4Frame(proto, p, p + 1).subarray(0, 36),
        );
    for (const proto of [6, 17] as const)
      frames.push(ipv4Frame(proto, PORTS[0]!, PORTS[1]!), ipv4Frame(proto, 7, PORTS[1]!));
    let accepted = 0;
    for (const fr of frames) {
      const want: boolean = pcap.value.filter(l.program, fr) !== 0;
      const got: boolean = pcap.value.filter(prog, fr) !== 0;
      assert.equal(got, want, `${chain.name} on ${Buffer.from(fr).toString('hex')}`);
      if (want) accepted++;
    }
    if (chain.accepts === false) assert.equal(accepted, 0);
    else assert.ok(accepted > 0 && accepted < frames.length, `${accepted}/${frames.length} accepted`);
  });
}
