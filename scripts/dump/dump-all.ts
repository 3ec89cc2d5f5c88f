/*
 * dump-all: compiles the whole corpus to every target and emit form through the CLI's own `tfc compile` command
 * (in-process, a fixed host) and writes one deterministic text file — the before/after proof that a refactor of
 * the pipeline changes nothing users see. Run: `node --import tsx scripts/dump/dump-all.ts OUT.txt [--quick]`.
 * Invariants: the output depends only on the code and the corpus (fixed nr_cpu_ids 4, no kallsyms, the bundled
 * event snapshot, no live dialect probe (the newest profile), fast-check samples with fixed seeds, no live
 * tracefs); every case records the argv, the exit code, stdout and stderr byte for byte (binary forms as a SHA-256
 * of the file written); cases are in a fixed order.
 * Sources: the libpcap 1.10.3 corpus (../shared/corpus), the `$ tfc compile` lines of the docs, hand-written trace
 * and pcap filters (golden-file and README shapes, rejected ones), and the testkit's random trace filters.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { filterArb } from '../../packages/testkit/src/tracefs-gen.ts';
import { runCompile } from '../../packages/tfc/src/cli/commands/compile.ts';
import { type Io, UsageError } from '../../packages/tfc/src/cli/io.ts';
import type { Host } from '../../packages/tfc/src/host/index.ts';
import { bundledEvent, type EventFormat } from '../../packages/tracefs/src/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = join(ROOT, '../shared/corpus/pcap-libpcap-1.10.3/');
const args = process.argv.slice(2);
const outPath = args.find((a) => !a.startsWith('--')) ?? '/tmp/dump.txt';
const quick = args.includes('--quick');
const tmp = mkdtempSync(join(tmpdir(), 'tfc-dump-'));

const host = {
  nrCpuIds: () => 4,
  symbols: () => undefined,
  // No live probe: `--kernel auto` follows the newest profile (hosts without liveDialect predate --kernel).
  liveDialect: async () => ({ ok: false as const, reason: 'dump-all: no live probe' }),
} as Host;
const chunks: string[] = [];
let cases = 0;

async function run(argv: readonly string[]): Promise<void> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    readText: (p) => {
      throw new UsageError(`cannot read ${p}`);
    },
    isTty: false,
  };
  let code: number;
  try {
    code = await runCompile(argv, io, host);
  } catch (e) {
    if (e instanceof UsageError) {
      err += `usage: ${e.message}\n`;
      code = 2;
    } else {
      err += `THROWN: ${e instanceof Error ? e.message : String(e)}\n`;
      code = 70;
    }
  }
  const o = argv.indexOf('-o');
  if (o >= 0) {
    const file = argv[o + 1] as string;
    try {
      out += `[file sha256 ${createHash('sha256').update(readFileSync(file)).digest('hex')}]\n`;
      rmSync(file);
    } catch {
      out += '[no file]\n';
    }
  }
  cases++;
  chunks.push(
    `### ${JSON.stringify(argv).replaceAll(tmp, '$TMP')}\nexit ${code}\n--- stdout\n${out}--- stderr\n${err}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// pcap filters

function pcapFilters(): string[] {
  const v = JSON.parse(readFileSync(join(CORPUS, 'semantic/verdicts.json'), 'utf8')) as {
    filters: { filter: string }[];
  };
  const errors = readdirSync(join(CORPUS, 'errors'))
    .sort()
    .map((f) => readFileSync(join(CORPUS, 'errors', f), 'utf8').split('\n')[0] as string);
  const extra = [
    'ip and tcp dst port 80',
    'ip src net 10.0.0.0/8 and not tcp',
    'ip6 and tcp port 443',
    'tcp port 80',
    'udp dst port 53 and greater 100',
    'vlan 2 or vlan 3',
    'tcp dst port 80',
    'tcp[tcpflags] & tcp-syn != 0',
    'tcp[20] == 0x47',
    'ip[8] < 64 and icmp',
    'ether src 00:11:22:33:44:55 or arp',
    'portrange 1000-2000 and udp',
    'ip6 and src net 2001:db8::/32',
    'not ip and not ip6',
    'less 64',
    'icmp6 and ip6[40] == 128',
    'ip proto 47 or ip6 proto 47',
    'host 10.0.0.1 or host 10.0.0.2 or host 10.0.0.3',
    'tcp port 1 or tcp port 2 or tcp port 3 or tcp port 4 or tcp port 5 or tcp port 6 or tcp port 7 or tcp port 8 or tcp port 9',
    'mpls 5 and ip',
    'pppoes and ip',
    'geneve and ip',
    'sctp port 9',
    'ether broadcast or ether multicast',
    // rejected
    'tcp[',
    'host',
    'ether host zz',
    'port 99999',
    'ip[0:3] == 1',
    'tcp and udp',
    'foo',
    'ip and',
    '',
  ];
  return [...new Set([...v.filters.map((f) => f.filter), ...errors, ...extra])];
}

async function pcapCases(filter: string): Promise<void> {
  const p = ['--lang', 'pcap', filter];
  for (const emit of ['d', 'dd', 'ddd', 'asm', 'json']) await run([...p, '--target', 'cbpf', '--emit', emit]);
  await run([...p, '--target', 'cbpf', '--emit', 'd', '-O0']);
  await run([...p, '--target', 'cbpf', '--emit', 'd', '-O1', '--stats']);
  await run([...p, '--target', 'cbpf', '--emit', 'd', '--linktype', 'raw']);
  await run([...p, '--target', 'cbpf', '--emit', 'd', '--scoped-encap']);
  await run([...p, '--target', 'ebpf', '--emit', 'asm']);
  await run([...p, '--target', 'ebpf', '--emit', 'asm', '--prog-type', 'xdp', '-O0']);
  await run([...p, '--target', 'ebpf', '--emit', 'c', '--prog-type', 'tc']);
  await run([...p, '--target', 'ebpf', '--emit', 'elf', '-o', join(tmp, 'o.elf')]);
  await run([...p, '--dump-after', 'lower']);
  await run([...p, '--dump-after', 'cse']);
  await run([...p, '--target', 'p4', '--emit', 'entries-json']);
  await run([...p, '--target', 'p4', '--emit', 'p4', '--no-ranges']);
  await run([...p, '--target', 'tc', '--dev', 'eth0', '--stats']);
  await run([...p, '--target', 'u32', '--dev', 'eth0', '--stats']);
  await run([...p, '--target', 'flower', '--dev', 'eth0']);
  await run([
    ...p,
    '--target',
    'flower',
    '--dev',
    'eth0',
    '--flower-profile',
    'mlx5',
    '--egress',
    '--prio',
    '7',
  ]);
  await run([...p, '--target', 'tc-bpf', '--dev', 'eth0', '--action', 'action drop', '--clsact']);
}

// ---------------------------------------------------------------------------------------------------------------
// trace filters

const INET = 'sock/inet_sock_set_state';
const handTrace: [string, string][] = [
  [INET, 'family == 2 && protocol == 6'],
  [INET, 'family == 2 && (protocol == 6 || protocol == 17 || protocol == 132)'],
  [INET, 'family == 2 && dport >= 1000 && dport <= 2000'],
  [INET, 'comm == "sshd" && newstate == 1'],
  [INET, 'comm ~ "s*s?"'],
  [INET, 'oldstate == 1 || comm ~ "*ss*"'],
  [INET, 'sport >= 1024 && !(dport == 80)'],
  [
    INET,
    'sport == 12 || sport == 19 || sport == 26 || sport == 33 || sport == 40 || sport == 47 || sport == 54 || sport == 61',
  ],
  [INET, 'cpu == 0 && common_pid > 100'],
  [INET, 'CPUS{0-1} && family == 10'],
  [INET, 'saddr == 0x0100007f'],
  [INET, 'family & 2'],
  [INET, 'tcp'],
  [INET, 'foo == 1'],
  [INET, 'family == '],
  [INET, '(family == 2'],
  [INET, 'comm == "a'],
  [INET, 'family == 2 ||'],
  [INET, 'family == 2 || family == 10 && protocol == 6 &&'],
  [INET, `family == 2 && comm == "${'x'.repeat(40)}"`],
  [INET, `${Array.from({ length: 600 }, (_, i) => `sport == ${i}`).join(' || ')}`],
  ['sched/sched_switch', 'prev_comm ~ "ss*" && next_comm != "bash"'],
  ['sched/sched_switch', 'prev_pid == 0 || next_prio < 100'],
  ['sched/sched_switch', 'prev_state & 1 && next_comm == "kworker*"'],
  ['syscalls/sys_enter_openat', 'filename ~ "/etc/*" && flags & 1'],
  ['syscalls/sys_enter_openat', 'dfd == -100'],
  ['task/task_rename', 'oldcomm == "bash" || newcomm ~ "*sh"'],
  ['task/task_rename', 'oom_score_adj < 0'],
  ['syscalls/sys_enter_lseek', 'fd == 3 && offset > 4096 && whence != 2'],
  ['syscalls/sys_enter_lseek', 'fd >= 10 && fd <= 20 || fd == 99'],
];

/** The benchmark's 16-predicate filter shape (bench/src/suites/tracefs-filters.ts). */
const SIXTEEN = Array.from({ length: 16 }, (_, i) => `sport == ${1000 + i}`).join(' || ');

async function traceCases(event: string, filter: string, full: boolean): Promise<void> {
  const p = [filter, '--event', event, '--source', 'bundled', '--nr-cpus', '4'];
  await run([...p]);
  await run([...p, '--emit', 'json', '--stats']);
  await run([...p, '--emit', 'c']);
  await run([...p, '-O0']);
  await run([...p, '-O1']);
  await run([...p, '--ctx', 'trace-frame', '--target', 'cbpf', '--emit', 'd']);
  await run([...p, '--ctx', 'trace-frame', '--target', 'cbpf', '--emit', 'asm', '-O0']);
  await run([...p, '--ctx', 'trace-frame', '--target', 'ebpf', '--prog-type', 'xdp']);
  await run([...p, '--target', 'p4', '--emit', 'entries-json']);
  await run([...p, '--target', 'tc', '--dev', 'trace0', '--stats']);
  await run([...p, '--target', 'u32']);
  await run([...p, '--target', 'tc-bpf', '--dev', 'trace0']);
  if (!full) return;
  await run([...p, '--dump-after', 'lower']);
  await run([...p, '--dump-after', 'sets']);
  await run([...p, '--dump-after', 'cse']);
  await run([...p, '--dump-after', 'nope']);
  await run([...p, '--ctx', 'trace-frame', '--target', 'cbpf', '--emit', 'ddd']);
  await run([...p, '--ctx', 'trace-frame', '--target', 'ebpf', '--prog-type', 'tc', '--emit', 'c']);
  await run([...p, '--set-lookup', 'map', '--emit', 'maps']);
  await run([...p, '--emit', 'elf', '-o', join(tmp, 'o.elf')]);
  await run([...p, '--target', 'p4', '--emit', 'p4']);
  await run([...p, '--target', 'p4', '--emit', 'bmv2', '--no-ranges']);
  await run([...p, '--target', 'p4', '--emit', 'p4runtime-txt']);
  await run([...p, '--target', 'tc-bpf', '--dev', 'trace0', '--mode', 'classic', '--action', 'action drop']);
}

async function anyEventCases(filter: string, subsystem: string): Promise<void> {
  const p = [filter, '--subsystem', subsystem, '--source', 'bundled', '--nr-cpus', '4'];
  await run([...p, '--target', 'tc', '--stats']);
  await run([...p, '--target', 'u32', '--dev', 'trace0']);
  await run([...p, '--target', 'tc-bpf']);
  await run([...p, '--target', 'p4']);
  await run([...p, '--target', 'cbpf', '--emit', 'd']);
  await run([...p, '--target', 'ebpf', '--ctx', 'trace-frame', '--emit', 'asm']);
}

function generated(event: EventFormat, seed: number, n: number): string[] {
  return fc.sample(filterArb(event), { seed, numRuns: n });
}

async function main(): Promise<void> {
  const t0 = Date.now();
  // docs' own command lines
  for (const f of ['README.md', ...readdirSync(join(ROOT, 'docs')).map((d) => `docs/${d}`)].sort()) {
    if (!f.endsWith('.md')) continue;
    let text = '';
    try {
      text = readFileSync(join(ROOT, f), 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^\s*\$ tfc compile (.*)$/gm)) {
      const argv = [...(m[1] as string).matchAll(/'([^']*)'|(\S+)/g)].map((x) => x[1] ?? (x[2] as string));
      if (argv.includes('-o') || argv.includes('--output')) continue;
      if (!argv.includes('--lang') && !argv.includes('--nr-cpus')) argv.push('--nr-cpus', '4');
      if (!argv.includes('--lang') && !argv.includes('--source')) argv.push('--source', 'bundled');
      await run(argv);
    }
  }
  const pcap = pcapFilters();
  for (const f of quick ? pcap.slice(0, 10) : pcap) await pcapCases(f);
  for (const [ev, f] of handTrace) await traceCases(ev, f, true);
  await traceCases(INET, SIXTEEN, true);
  for (const [f, sys] of [
    ['family == 2 && protocol == 6', 'sock'],
    ['prev_pid == 0', 'sched'],
    ['fd == 3', 'syscalls'],
    ['no_such_field == 1', 'sock'],
    ['famly == 2', 'sock'],
  ] as const)
    await anyEventCases(f, sys);
  const events: [string, number][] = [
    [INET, 120],
    ['sched/sched_switch', 60],
    ['syscalls/sys_enter_lseek', 40],
    ['task/task_rename', 40],
  ];
  for (const [name, n] of events) {
    const [s, e] = name.split('/') as [string, string];
    const event = bundledEvent(s, e);
    if (!event) throw new Error(`no bundled ${name}`);
    for (const f of generated(event, 20260, quick ? 5 : n)) await traceCases(name, f, false);
  }
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(outPath, chunks.join('\n'));
  process.stderr.write(`${cases} cases → ${outPath} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

await main();
