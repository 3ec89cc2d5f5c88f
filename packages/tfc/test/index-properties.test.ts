/*
 * Property: the library's compile(filter, options) and the `tfc compile` command line it mirrors agree on random
 * filters — trace filters over sock/inet_sock_set_state (@tfc/testkit's generator) and libpcap filters from a
 * grammar of primitives — for every target, under random kernel profiles: the same output byte for byte when the
 * command succeeds, a CompileFailure when it exits 1 (its rendering the command's stderr, for the BPF and P4
 * targets and a trace filter the kernel rejects), a TfcOptionError when it exits 2. In-process (main() with a memory Io), no kernel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterArb } from '@tfc/testkit';
import { bundledEvent } from '@tfc/tracefs';
import fc from 'fast-check';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { type Compiled, type CompileOptions, compile, renderFailure, TfcOptionError } from '../src/index.ts';
import { readPcapNames } from '../src/live.ts';

const EV = 'sock/inet_sock_set_state';
const event = bundledEvent('sock', 'inet_sock_set_state');
if (event === undefined) throw new Error('the snapshot has no sock/inet_sock_set_state');

/** [CLI flags, options] per target; the kernel and nr_cpu_ids are added per case. */
const TRACE_TARGETS: readonly [readonly string[], CompileOptions][] = [
  [['--event', EV], { event: EV, target: 'ebpf' }],
  [['--event', EV, '--target', 'cbpf', '--emit', 'd'], { event: EV, target: 'cbpf', emit: 'd' }],
  [
    ['--event', EV, '--ctx', 'trace-frame', '--prog-type', 'tc'],
    { event: EV, target: 'ebpf', ctx: 'trace-frame', progType: 'tc' },
  ],
  [['--event', EV, '--target', 'tc', '--dev', 'trace0'], { event: EV, target: 'tc', dev: 'trace0' }],
  [['--event', EV, '--target', 'u32', '--dev', 'trace0'], { event: EV, target: 'u32', dev: 'trace0' }],
  [['--event', EV, '--target', 'tc-bpf', '--dev', 'trace0'], { event: EV, target: 'tc-bpf', dev: 'trace0' }],
  [['--event', EV, '--target', 'p4'], { event: EV, target: 'p4' }],
];

const PCAP_TARGETS: readonly [readonly string[], CompileOptions][] = [
  [[], { lang: 'pcap', target: 'cbpf' }],
  [['--target', 'ebpf', '--prog-type', 'xdp'], { lang: 'pcap', target: 'ebpf', progType: 'xdp' }],
  [['--target', 'flower', '--dev', 'eth0'], { lang: 'pcap', target: 'flower', dev: 'eth0' }],
  [['--target', 'u32', '--dev', 'eth0'], { lang: 'pcap', target: 'u32', dev: 'eth0' }],
  [['--target', 'tc', '--dev', 'eth0'], { lang: 'pcap', target: 'tc', dev: 'eth0' }],
  [['--target', 'tc-bpf', '--dev', 'eth0'], { lang: 'pcap', target: 'tc-bpf', dev: 'eth0' }],
  [['--target', 'p4', '--emit', 'p4runtime-txt'], { lang: 'pcap', target: 'p4', emit: 'p4runtime-txt' }],
  [
    ['--target', 'ebpf', '--ctx', 'skb', '--attach', 'tp_btf/kfree_skb', '--layout', 'snapshot'],
    { lang: 'pcap', target: 'ebpf', ctx: 'skb', skb: { attach: 'tp_btf/kfree_skb' } },
  ],
];

const PRIMITIVES = [
  'tcp',
  'udp',
  'ip',
  'ip6',
  'icmp',
  'arp',
  'vlan',
  'port 80',
  'tcp dst port 443',
  'udp src port 53',
  'host 10.0.0.1',
  'dst net 10.0.0.0/8',
  'portrange 1-1024',
  'ether proto 0x88b5',
  'len > 100',
  'tcp[13] & 2 != 0',
  'ip6 src host ::1',
  'port http',
];

const etc = readPcapNames('/etc');
const ETC_NAMES = etc.ok ? etc.names : undefined;

const pcapArb: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...PRIMITIVES),
    fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('e').map((e) => `not (${e})`),
  ),
})).e;

async function agree(filter: string, flags: readonly string[], options: CompileOptions): Promise<void> {
  const io = memoryIo();
  const code = await main(['compile', filter, ...flags], io);
  const what = `tfc compile '${filter}' ${flags.join(' ')}`;
  let r: Compiled;
  try {
    r = compile(filter, options);
  } catch (e) {
    assert.ok(e instanceof TfcOptionError, `${what}: ${String(e)}`);
    assert.equal(code, 2, `${what}: the library refused the options (${e.message}), the CLI exited ${code}`);
    return;
  }
  if (r.ok) {
    assert.equal(code, 0, `${what}: compiled by the library, the CLI exited ${code}: ${io.stderr()}`);
    assert.equal(r.output, io.stdout(), what);
    return;
  }
  assert.equal(code, 1, `${what}: refused by the library, the CLI exited ${code}: ${io.stderr()}`);
  // The CLI draws the caret under a span for the BPF targets (and a trace filter's kernel rendering for all);
  // its tc and P4 paths print pcap diagnostics as `tfc: compile: STAGE: MESSAGE`.
  const caret = options.target === 'ebpf' || options.target === 'cbpf' || r.filterError !== undefined;
  if (caret) assert.equal(renderFailure(filter, r), io.stderr(), what);
  else for (const d of r.diagnostics) assert.ok(io.stderr().includes(d.message), `${what}: ${d.message}`);
}

const kernelArb = fc.constantFrom('6.18', '6.6', '5.15', '5.10');

test('trace filters: compile() and tfc compile agree for every target and kernel profile', async () => {
  await fc.assert(
    fc.asyncProperty(
      filterArb(event),
      fc.constantFrom(...TRACE_TARGETS),
      kernelArb,
      async (filter, [f, o], k) => {
        await agree(filter, [...f, '--kernel', k, '--nr-cpus', '4'], {
          ...o,
          kernel: k,
          nrCpuIds: 4,
        } as CompileOptions);
      },
    ),
    { numRuns: 30 },
  );
});

test('libpcap filters: compile() and tfc compile --lang pcap agree for every target', async () => {
  await fc.assert(
    fc.asyncProperty(pcapArb, fc.constantFrom(...PCAP_TARGETS), async (filter, [f, o]) => {
      // the CLI resolves names from /etc by default (--names-from), in the skb context too
      await agree(filter, ['--lang', 'pcap', ...f], { ...o, names: ETC_NAMES } as CompileOptions);
    }),
    { numRuns: 100 },
  );
});
