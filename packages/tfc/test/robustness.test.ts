// Hostile-input audit of the whole `tfc` command line: every command gets random, mostly-almost-valid argv built
// from its own option table (unknown flags, missing values, repeated flags, `--opt=` empty, 1 MB strings, NUL bytes,
// control characters, out-of-range numbers, garbage and invalid-UTF-8 input files, directories, devices, endless
// inputs, outputs in missing directories or onto devices) and must answer with exit 0/1/2, a diagnostic without a
// stack trace, in bounded time, through its Io only, and without leaving an output file behind when it fails.
// Calls run in-process through main() with a memory Io — inside a harness child process, so a hang (the call never
// returns) is detected by a 10 s budget instead of freezing the suite, and a crash is seen as one.
// Failures already reported to the owners of code this audit does not own are listed in KNOWN (robustness-known.ts)
// and checked as t.todo tests there; every other violation fails this test.
import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { CommandSpec, OptionSpec } from '../src/cli/args.ts';
import { applySpec } from '../src/cli/commands/apply.ts';
import { applyTcSpec } from '../src/cli/commands/apply-tc.ts';
import { asmSpec } from '../src/cli/commands/asm.ts';
import { benchSpec } from '../src/cli/commands/bench.ts';
import { captureSpec } from '../src/cli/commands/capture.ts';
import { checkSpec } from '../src/cli/commands/check.ts';
import { compileSpec } from '../src/cli/commands/compile.ts';
import { completionSpec } from '../src/cli/commands/completion.ts';
import { disasmSpec } from '../src/cli/commands/disasm.ts';
import { dissectorSpec } from '../src/cli/commands/dissector.ts';
import { encapSpec } from '../src/cli/commands/encap.ts';
import { evalSpec } from '../src/cli/commands/eval.ts';
import { eventsSpec, formatSpec } from '../src/cli/commands/events.ts';
import { manSpec } from '../src/cli/commands/man.ts';
import { runSpec } from '../src/cli/commands/run.ts';
import { traceSpec } from '../src/cli/commands/trace.ts';
import { unapplySpec } from '../src/cli/commands/unapply.ts';
import { commands } from '../src/cli/commands.ts';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { type CallResult, knownIssue, STACK_TEXT } from './robustness-known.ts';
import { BUDGET_MS, Harness } from './robustness-runner.ts';

const here = new URL('.', import.meta.url).pathname;
/** Runs per command (TFC_FUZZ_RUNS overrides); the seed is printed and TFC_FUZZ_SEED replays a run. */
const RUNS = Number(process.env.TFC_FUZZ_RUNS ?? 100);
const SEED = Number(process.env.TFC_FUZZ_SEED ?? Date.now() % 2 ** 31);
/** Longest stderr line accepted: a filter is at most 4095 bytes, so its rendering and a caret fit well within. */
const MAX_DIAGNOSTIC_LINE_SEEN = 10_000;

// ---------------------------------------------------------------------------------------------------------------
// The harness child.

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: valid inputs (so that most runs get past option parsing) and hostile ones.

const tmp = mkdtempSync(join(tmpdir(), `tfc-robust-${process.pid}-`));
const F = (name: string) => join(tmp, name);
const FMT = F('pv.format');
const RECS = F('recs.jsonl');
const CBPF_ASM = join(here, 'fixtures/bpf/ipv4-tcp.bpf');
const CBPF_DDD = F('prog.ddd');
const EBPF_ASM = F('prog.ebpf');
const EBPF_ELF = F('prog.o');
const PCAP = F('frames.pcap');
const DIR = F('a-directory');
/** Network devices and namespaces that do not exist: apply/unapply must never touch a real device. */
const DEV = `tfcrb${process.pid % 100000}`;
const NETNS = `tfcrbns${process.pid}`;
const HEX = '00112233445500112233445508004500001c0001000040067cd90a0000010a000002';
const MB = 1 << 20;

/** Deterministic pseudo-random bytes (the garbage must not change between runs of the suite). */
function garbage(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
const cat = (...parts: (string | Uint8Array)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

let inputPaths: string[] = [];
let outputPaths: string[] = [];

before(async () => {
  writeFileSync(FMT, readFileSync(join(here, 'fixtures/uprobe-pv.format')));
  writeFileSync(RECS, '{"a8": 1, "str": "x"}\n{"a8": 2, "a32": "0xff"}\n');
  writeFileSync(EBPF_ASM, 'r0 = 0\nexit\n');
  mkdirSync(DIR);
  const make = async (argv: string[]) => {
    const io = memoryIo();
    const code = await main(argv, io);
    assert.equal(code, 0, `fixture: tfc ${argv.join(' ')}: ${io.stderr()}`);
  };
  await make(['asm', CBPF_ASM, '--to', 'ddd', '-o', CBPF_DDD]);
  await make(['asm', EBPF_ASM, '--isa', 'ebpf', '--to', 'elf', '-o', EBPF_ELF]);
  await make(['encap', '--format', FMT, '--records', RECS, '-o', PCAP]);
  const pcap = readFileSync(PCAP);
  const hostile: Record<string, string | Uint8Array> = {
    'random.bin': garbage(4096, 1),
    'bad-utf8.txt': cat('a8 == 1 && str == "', new Uint8Array([0xff, 0xfe, 0xc0, 0x80]), '"\n'),
    'nul.txt': 'a8 == 1\u0000 && a32 == 2\n',
    'empty.txt': '',
    'controls.txt': 'a8 == 1 \u001b[2J\u001b]0;pwned\u0007\u009b31m\n',
    'one-mb.txt': 'x'.repeat(MB),
    'one-mb-lines.jsonl': '{"a8": 1}\n'.repeat(MB / 10),
    'elf-garbage.o': cat('\u007fELF', new Uint8Array([2, 1, 1, 0]), garbage(2000, 2)),
    'elf-header-only.o': cat('\u007fELF', new Uint8Array([2, 1, 1])),
    'pcap-garbage.pcap': cat(new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1]), garbage(3000, 3)),
    'pcapng-garbage.pcapng': cat(new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a]), garbage(3000, 4)),
    'pcap-truncated.pcap': pcap.subarray(0, 30),
    'pcap-cut-record.pcap': pcap.subarray(0, pcap.length - 3),
    'ddd-huge-count.ddd': '4294967295\n6 0 0 0\n',
    'dd-cut.dd': '{ 0x06, 0, 0, 0xffffffff },\n{ 0x',
    'bytecode-lies.txt': '1000000,6 0 0 0\n',
    'deep-filter.txt': `${'('.repeat(2000)}a8 == 1${')'.repeat(2000)}`,
    'deep-pcap.txt': `${'('.repeat(5000)}tcp${')'.repeat(5000)}`,
    'many-not.txt': `${'not '.repeat(20000)}tcp`,
    'deep-json.jsonl': `${'['.repeat(100000)}${']'.repeat(100000)}\n`,
    'deep-object.jsonl': `${'{"a8":'.repeat(20000)}1${'}'.repeat(20000)}\n`,
    'huge-numbers.jsonl':
      '{"a8": 1e309}\n{"a64": "340282366920938463463374607431768211456"}\n{"raw": "zz"}\n',
    'format-garbage.format': cat('name: x\nID: 1\nformat:\n\tfield:', garbage(2000, 5)),
    'format-many-fields.format': `name: many\nID: 7\nformat:\n${Array.from(
      { length: 20000 },
      (_, i) => `\tfield:u8 f${i};\toffset:${i};\tsize:1;\tsigned:0;\n`,
    ).join('')}\nprint fmt: ""\n`,
    'format-bad-offsets.format':
      'name: bad\nID: 4294967296\nformat:\n\tfield:u64 x;\toffset:18446744073709551615;\tsize:-1;\tsigned:2;\n',
  };
  for (const [name, data] of Object.entries(hostile)) writeFileSync(F(name), data);
  symlinkSync(F('loop-b'), F('loop-a'));
  symlinkSync(F('loop-a'), F('loop-b'));
  symlinkSync('/dev/null', F('null-link'));
  symlinkSync('/dev/full', F('full-link'));
  inputPaths = [
    ...Object.keys(hostile).map(F),
    DIR,
    F('missing'),
    F('no-dir/missing'),
    F('loop-a'),
    F('null-link'),
    '',
    '-',
    '/dev/null',
    '/proc/self/mem',
    `${tmp}/${'n'.repeat(300)}`,
    'a\u0000b',
  ];
  outputPaths = [
    '@OUT@/x.out',
    '@OUT@/x.out',
    '@OUT@/no-dir/x.out',
    '@OUT@',
    '-',
    '',
    F('null-link'),
    F('full-link'),
    `@OUT@/${'n'.repeat(300)}`,
    '@OUT@/a\u0000b',
  ];
});

const CWD = F('cwd');
mkdirSync(CWD);
const harness = new Harness(CWD);
after(() => {
  harness.stop();
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// Generators: argv built from each command's own option table, so every option is fuzzed (new ones too).

const BIG = 'x'.repeat(MB);
const HOSTILE_STRINGS = [
  '',
  ' ',
  '-',
  '--',
  '---',
  '--=',
  '-Z',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\u202e',
  '\u001b[2J',
  '\n',
  '%s%n',
  '$(reboot)',
  '1e309',
  '-1',
  BIG,
];
const NUMBERS = [
  ...'0 1 2 -1 1e309 -1e309 9007199254740992 9007199254740993 99999999999999999999999999999 0x10 0xffffffff'.split(
    ' ',
  ),
  ...'0x100000000 1.5 0.3 NaN Infinity 8192 8193 65535 65536'.split(' '),
  String(2 ** 64),
  ' 1',
  '',
];
/** Every enumerated option value tfc knows, given to every enumerated option (right and wrong ones). */
const WORDS = [
  ...'ebpf cbpf p4 tc u32 flower tc-bpf tracefs pcap tracepoint trace-frame packet socket xdp asm bin elf c d dd ddd bytecode bpf_asm le be entries-json p4info p4runtime-json p4runtime-txt bmv2 live bundled auto search map classic obj-da obj ethernet raw portable mlx5 ice nfp kernel libpcap lower fold cse ok shot TC_ACT_SHOT redirect'.split(
    ' ',
  ),
  ...NUMBERS.slice(0, 3),
];
const TRACE_FILTERS = [
  'a8 == 1',
  'a8 == 1 && a32 > 2',
  'str ~ "x*" || s64 < -5',
  'arr == "abc"',
  '0',
  '1',
  '!(a8 == 1)',
  'a8 == 1 ||',
  'b == 1 || a32 == 2 && a8 == 3 &&',
  'family == 2 && protocol == 6',
  'whence == 2 && offset == 0',
  'cpu & 1',
  'CPUS{0-3}',
  'common_pid != 0',
  '.function == vfs_read',
  'a8 == 1\u0000',
  `${'('.repeat(1500)}a8 == 1${')'.repeat(1500)}`,
  `${'a8 == 1 && '.repeat(400)}a8 == 1`,
];
/** 20 `port N` terms joined by `or`: lowering is exponential in their number (robustness-known.ts P1). */
const PORT_CHAIN = Array.from({ length: 20 }, (_, i) => `port ${i}`).join(' or ');
const PCAP_FILTERS = [
  'tcp',
  'ip and tcp port 80',
  'ip6 and udp',
  'vlan and tcp',
  'ether[12:2] = 0x800',
  'not not tcp',
  'tcp[tcpflags] & tcp-syn != 0',
  'ip[0] & 0xf > 5',
  'host 10.0.0.1',
  'net 10.0.0.0/33',
  'port 99999',
  'tcp[1000000:4] = 1',
  `${'('.repeat(400)}tcp${')'.repeat(400)}`,
  `${'not '.repeat(400)}tcp`,
  PORT_CHAIN,
  'ether host zz:zz',
  'and',
];
const EVENTS = [
  'sock/inet_sock_set_state',
  'syscalls/sys_enter_lseek',
  'sched/sched_switch',
  'sock:inet_sock_set_state',
  'nosuch/event',
  'sock/',
  '/',
  '../../etc/passwd',
  'sock/..',
  `sock/${'x'.repeat(5000)}`,
];

const FILTERS = [...TRACE_FILTERS, ...PCAP_FILTERS];

type Pool = () => fc.Arbitrary<string>;
const from = (xs: readonly string[]) => fc.constantFrom(...xs);
const hostile = () => from(HOSTILE_STRINGS);
const withHostile = (xs: readonly string[]) =>
  fc.oneof({ weight: 4, arbitrary: from(xs) }, { weight: 1, arbitrary: hostile() });
/** Mostly the valid values, else the hostile ones of the list, else a hostile string. */
const validOr = (valid: readonly string[], bad: readonly string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: from(valid) },
    { weight: 3, arbitrary: from(bad) },
    { weight: 1, arbitrary: hostile() },
  );

/** The values an option gets, by option name; anything else is treated as an enumerated choice. */
const VALUE_POOLS: Readonly<Record<string, Pool>> = {
  format: () => validOr([FMT], inputPaths),
  records: () => validOr([RECS], inputPaths),
  'filter-file': () => withHostile(inputPaths),
  pcap: () => validOr([PCAP], inputPaths),
  output: () => validOr(['@OUT@/x.out'], outputPaths),
  object: () => validOr(['@OUT@/o.o'], outputPaths),
  out: () => validOr(['@OUT@'], outputPaths),
  doc: () => validOr(['@OUT@/doc.md'], outputPaths),
  event: () => withHostile(EVENTS),
  subsystem: () => withHostile(['sock', 'syscalls', 'nosuch', '../', '']),
  dev: () => withHostile([DEV, DEV, 'bad name', 'x'.repeat(16), 'a/b']),
  netns: () => withHostile([NETNS, '../x', 'a b']),
  action: () => withHostile(['classid 1:1', 'drop', 'x\nqdisc del dev eth0 clsact', 'action mirred']),
  classid: () => validOr(['1:10', 'a:ffff'], ['1:', '0:1', '1:0', '1:1g', '12345:1', ':', '1:2:3', 'root']),
  parent: () => validOr(['1:', '1:10'], ['0:', 'ffff:', 'x:', '1', 'root', '1:10000']),
  packet: () => withHostile([HEX, '00', '', 'zz', '0x', ':::', 'ff'.repeat(70000), '0'.repeat(MB)]),
  section: () => withHostile(['socket', 'nosuch', '.text', 'license']),
  suite: () => withHostile(['nosuch', 'compile', 'all']),
  'nr-cpus': () => withHostile(NUMBERS),
  snaplen: () => withHostile(NUMBERS),
  'ring-kb': () => withHostile([...NUMBERS, '4', '64', '100']),
  at: () =>
    withHostile([
      'skb/kfree_skb',
      'net/netif_receive_skb,skb/consume_skb',
      'ip_rcv',
      'skb/nosuch',
      'nosuch',
      ',',
      'a b',
    ]),
  prio: () => withHostile(NUMBERS),
  frame: () => withHostile(NUMBERS),
  duration: () => withHostile(NUMBERS.filter((n) => !(Number(n) > 0.5))),
  'on-match': () => withHostile([...NUMBERS, 'ok', 'shot', 'TC_ACT_SHOT']),
  'on-miss': () => withHostile([...NUMBERS, 'ok', 'shot']),
  optimize: () => withHostile(NUMBERS),
};
const enumPool: Pool = () => withHostile(WORDS);

interface FuzzTarget {
  readonly name: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Near-valid invocations the mutations start from (so runs reach past option parsing). */
  readonly bases: () => readonly (readonly string[])[];
  readonly positional: () => fc.Arbitrary<string>;
  /** Appended last: keeps the call harmless (bench never measures; apply never waits for Ctrl-C). */
  readonly finish?: (argv: string[]) => string[];
}

const specOptions = (...specs: CommandSpec[]) =>
  Object.assign({}, ...specs.map((s) => s.options)) as Record<string, OptionSpec>;
const filterArb = () => withHostile(FILTERS);
const inputArb = () => validOr([CBPF_ASM, CBPF_DDD, EBPF_ASM, EBPF_ELF], inputPaths);

const TC_TARGETS = ['tc', 'u32', 'flower', 'tc-bpf'];
/** The --target `tfc apply` dispatches on, read as apply.ts reads it. */
function applyTarget(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === '--target' || a === '-t') found = argv[++i];
    else if (a.startsWith('--target=')) found = a.slice('--target='.length);
  }
  return found;
}

const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'check',
    options: checkSpec.options,
    bases: () => [
      ['a8 == 1', '--format', FMT],
      ['family == 2', '--event', 'sock/inet_sock_set_state', '--source', 'bundled'],
    ],
    positional: filterArb,
  },
  {
    name: 'eval',
    options: evalSpec.options,
    bases: () => [['a8 == 1', '--format', FMT, '--records', RECS]],
    positional: filterArb,
  },
  {
    name: 'compile',
    options: compileSpec.options,
    bases: () => [
      ['a8 == 1', '--format', FMT],
      ['a8 == 1', '--format', FMT, '--ctx', 'trace-frame', '--target', 'cbpf', '--emit', 'ddd'],
      ['a8 == 1', '--format', FMT, '--emit', 'elf', '-o', '@OUT@/x.o'],
      ['a8 == 1', '--format', FMT, '--target', 'p4', '--emit', 'bmv2'],
      ['a8 == 1', '--format', FMT, '--target', 'u32', '--dev', DEV, '--parent', '1:', '--classid', '1:10'],
      [
        'a8 == 1',
        '--format',
        FMT,
        '--target',
        'tc-bpf',
        '--dev',
        DEV,
        '--mode',
        'obj-da',
        '--object',
        '@OUT@/o.o',
      ],
      [
        ...['a8 == 1', '--format', FMT, '--target', 'tc-bpf', '--dev', DEV],
        ...['--mode', 'obj', '--object', '@OUT@/o.o', '-o', '@OUT@/x.tc'],
      ],
      ['--lang', 'pcap', 'tcp port 80'],
      ['--lang', 'pcap', 'vlan 100 and tcp', '--pcap-capture', 'linux-live'],
      ['--lang', 'pcap', 'tcp', '--target', 'u32', '--dev', DEV],
    ],
    positional: filterArb,
  },
  {
    name: 'encap',
    options: encapSpec.options,
    bases: () => [['--format', FMT, '--records', RECS, '-o', '@OUT@/x.pcap']],
    positional: hostile,
  },
  {
    name: 'dissector',
    options: dissectorSpec.options,
    bases: () => [
      ['--format', FMT, '-o', '@OUT@/t.lua'],
      ['--event', 'sock/inet_sock_set_state', '--source', 'bundled'],
    ],
    positional: hostile,
  },
  {
    name: 'events',
    options: eventsSpec.options,
    bases: () => [['sock/'], []],
    positional: () => withHostile(EVENTS),
  },
  {
    name: 'format',
    options: formatSpec.options,
    bases: () => [['--format', FMT], ['sock/inet_sock_set_state']],
    positional: () => withHostile(EVENTS),
  },
  {
    name: 'asm',
    options: asmSpec.options,
    bases: () => [[CBPF_ASM], [EBPF_ASM, '--isa', 'ebpf', '--to', 'elf', '-o', '@OUT@/p.o']],
    positional: inputArb,
  },
  {
    name: 'disasm',
    options: disasmSpec.options,
    bases: () => [[CBPF_DDD], [EBPF_ELF, '--isa', 'ebpf']],
    positional: inputArb,
  },
  {
    name: 'run',
    options: runSpec.options,
    bases: () => [
      [CBPF_ASM, '--packet', HEX],
      [CBPF_DDD, '--pcap', PCAP],
      [EBPF_ELF, '--isa', 'ebpf', '--packet', HEX],
    ],
    positional: inputArb,
  },
  {
    name: 'bench',
    options: benchSpec.options,
    bases: () => [['--quick'], ['--json', '--out', '@OUT@']],
    positional: hostile,
    // Never measure: an unknown suite is always asked for (after --out/--doc have been checked).
    finish: (argv) => [...argv, '--suite', 'no-such-suite'],
  },
  {
    name: 'apply',
    options: specOptions(applySpec, applyTcSpec),
    bases: () => [
      ['whence == 2 && offset == 0', '--event', 'syscalls/sys_enter_lseek'],
      ['a8 == 1', '--format', FMT, '--target', 'u32', '--dev', DEV],
      ['a8 == 1', '--format', FMT, '--target', 'tc-bpf', '--dev', DEV, '--parent', '1:', '--classid', '1:10'],
      ['--lang', 'pcap', 'tcp', '--target', 'flower', '--dev', DEV],
    ],
    positional: filterArb,
    // The eBPF path counts until Ctrl-C without --duration: give it a short one (last value wins).
    finish: (argv) => (TC_TARGETS.includes(applyTarget(argv) ?? '') ? argv : [...argv, '--duration', '0.3']),
  },
  {
    name: 'unapply',
    options: unapplySpec.options,
    bases: () => [
      ['--dev', DEV],
      ['--dev', DEV, '--egress', '--prio', '7', '--netns', NETNS],
      ['--dev', DEV, '--parent', '1:', '--prio', '2', '--netns', NETNS],
    ],
    positional: hostile,
  },
  {
    name: 'trace',
    // Devices and files are left out of the mutations: a fuzzed --dev would create TAP devices (--keep-dev ones
    // persist), a fuzzed -w writes where it points; their errors are covered by trace.test.ts.
    options: Object.fromEntries(
      Object.entries(traceSpec.options).filter(([k]) => !['dev', 'keep-dev', 'write', 'listen'].includes(k)),
    ),
    bases: () => [
      ['prev_pid == 0', '--event', 'sched/sched_switch', '--print'],
      ['--event', 'sched/sched_switch', '--json', '--count', '2'],
      ['prev_pid == 0', '--event', 'sched/sched_switch', '--engine', 'ebpf', '--json'],
    ],
    positional: filterArb,
    // Live tracing runs until a signal without --duration: give it a short one (last value wins).
    finish: (argv) => [...argv, '--duration', '0.3'],
  },
  {
    name: 'capture',
    // -w is left out (a fuzzed -w writes where it points; capture.test.ts covers it).
    options: Object.fromEntries(Object.entries(captureSpec.options).filter(([k]) => k !== 'write')),
    bases: () => [
      ['udp port 9999', '--drops', '--print'],
      ['--at', 'net/netif_receive_skb,skb/kfree_skb', '--json', '--count', '2'],
      ['--list-hooks'],
    ],
    positional: () =>
      withHostile(['udp', 'tcp port 80', 'udp port', 'vlan and udp', 'ether host 1:2:3:4:5:6']),
    // A capture runs until a signal without --duration: give it a short one (last value wins).
    finish: (argv) => [...argv, '--duration', '0.3'],
  },
  {
    name: 'completion',
    options: completionSpec.options,
    bases: () => [['bash'], ['zsh']],
    positional: () => withHostile(['bash', 'zsh', 'fish', 'BASH']),
  },
  {
    name: 'man',
    options: manSpec.options,
    bases: () => [[], ['-o', '@OUT@/tfc.1']],
    positional: hostile,
  },
];

/** One mutation: an option with a value (`--o v`, `--o=v`, `-s v`), a bare option, a positional, a hostile token. */
function itemArb(t: FuzzTarget): fc.Arbitrary<string[]> {
  const names = Object.keys(t.options);
  if (names.length === 0) names.push('help');
  const option = fc.constantFrom(...names).chain((name): fc.Arbitrary<string[]> => {
    const spec = t.options[name] ?? ({ type: 'boolean', short: 'h' } as const);
    const long = `--${name}`;
    if (spec.type === 'boolean')
      return fc.constantFrom<string[]>(
        [long],
        [long],
        [`${long}=1`],
        spec.short ? [`-${spec.short}`] : [long],
      );
    const value = (VALUE_POOLS[name] ?? enumPool)();
    return fc.oneof(
      { weight: 4, arbitrary: value.map((v) => [long, v]) },
      { weight: 2, arbitrary: value.map((v) => [`${long}=${v}`]) },
      { weight: 1, arbitrary: value.map((v) => (spec.short ? [`-${spec.short}`, v] : [long, v])) },
      { weight: 1, arbitrary: fc.constant<string[]>([long]) }, // missing value (at the end: nothing follows)
      { weight: 1, arbitrary: fc.constant<string[]>([`${long}=`]) },
    );
  });
  return fc.oneof(
    { weight: 6, arbitrary: option },
    { weight: 2, arbitrary: t.positional().map((p) => [p]) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<string[]>(
        ['--no-such-option'],
        ['-Z'],
        ['--'],
        ['-'],
        ['--help=x'],
        [BIG],
        ['\u0000'],
      ),
    },
  );
}

/** Where a base invocation has its positional (a filter or a program file): not an option, not an option's value. */
function positionalIndex(base: readonly string[]): number {
  return base.findIndex(
    (a, i) => !a.startsWith('-') && (i === 0 || !(base[i - 1] as string).startsWith('-')),
  );
}

function argvArb(t: FuzzTarget): fc.Arbitrary<string[]> {
  return fc
    .tuple(
      fc.constantFrom(...t.bases()),
      fc.array(itemArb(t), { maxLength: 3, size: 'xsmall' }),
      fc.boolean(), // drop part of the base invocation
      fc.nat(),
      fc.option(t.positional(), { freq: 2 }), // replace the base's positional (a filter, a program file)
    )
    .map(([base, items, drop, k, pos]) => {
      let b = [...base];
      const at = positionalIndex(b);
      if (pos !== null && at >= 0) b[at] = pos;
      if (drop && b.length > 0 && k % 3 === 0) b = b.filter((_, i) => i !== k % b.length);
      const argv = [t.name, ...b, ...items.flat()];
      return t.finish ? t.finish(argv) : argv;
    });
}

// ---------------------------------------------------------------------------------------------------------------
// The property.

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      out.push(p);
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

interface Violation {
  readonly argv: readonly string[];
  readonly problem: string;
  readonly known?: string;
}

let callNo = 0;

/** Runs one call in a fresh output directory and lists what it did wrong. */
async function audit(argv: readonly string[]): Promise<{ problems: string[]; result: CallResult }> {
  const outDir = F(`call-${++callNo}`);
  mkdirSync(outDir);
  const real = argv.map((a) => a.replaceAll('@OUT@', outDir));
  const strayBefore = harness.stray.length;
  const result = await harness.call(real);
  const problems: string[] = [];
  if (result.hang) problems.push(`no answer within ${BUDGET_MS} ms (hang)`);
  else if (![0, 1, 2].includes(result.code)) problems.push(`exit code ${result.code}`);
  const stack = STACK_TEXT.exec(result.err) ?? STACK_TEXT.exec(result.out);
  if (stack) problems.push(`stack trace or internal error text: '${stack[0]}'`);
  if (!result.hang && result.code !== 0 && `${result.err}${result.out}`.trim() === '')
    problems.push(`exit ${result.code} without any diagnostic`);
  const longest = Math.max(0, ...result.err.split('\n').map((l) => l.length));
  if (longest > MAX_DIAGNOSTIC_LINE_SEEN)
    problems.push(`a stderr line of ${longest} characters (a dump, not a diagnostic)`);
  if (/[\u001b\u009b]/.test(result.err))
    problems.push('a terminal escape character on stderr (control characters must be escaped)');
  const inCwd = listFiles(CWD);
  if (!result.hang && result.code !== 0 && inCwd.length > 0)
    problems.push(`exit ${result.code} but output left in the working directory: ${inCwd.join(', ')}`);
  for (const name of readdirSync(CWD)) rmSync(join(CWD, name), { recursive: true, force: true });
  const left = listFiles(outDir);
  if (left.some((p) => p.endsWith('.tmp'))) problems.push(`temporary file left: ${left.join(', ')}`);
  if (!result.hang && result.code !== 0 && left.length > 0)
    problems.push(
      `exit ${result.code} but output left behind: ${left.map((p) => p.slice(outDir.length)).join(', ')}`,
    );
  for (const link of ['null-link', 'full-link'])
    if (!lstatSync(F(link)).isSymbolicLink()) problems.push(`${link} was replaced by a regular file`);
  if (harness.stray.length > strayBefore)
    problems.push(
      `wrote past its Io: ${JSON.stringify(harness.stray.slice(strayBefore, strayBefore + 300))}`,
    );
  rmSync(outDir, { recursive: true, force: true });
  return { problems, result };
}

const shown = (argv: readonly string[]) =>
  JSON.stringify(argv.map((a) => (a.length > 80 ? `${a.slice(0, 40)}…(${a.length} chars)` : a)));

for (const t of TARGETS) {
  test(`tfc ${t.name}: hostile argv and inputs never give a stack trace, a hang, a stray write or a partial output`, async (ctx) => {
    const violations: Violation[] = [];
    const knownHits = new Map<string, number>();
    let calls = 0;
    const codes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(argvArb(t), async (argv) => {
        calls++;
        const { problems, result } = await audit(argv);
        codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
        for (const problem of problems) {
          const known = knownIssue(argv, result, problem);
          if (known !== undefined) knownHits.set(known, (knownHits.get(known) ?? 0) + 1);
          violations.push({ argv, problem, ...(known !== undefined ? { known } : {}) });
        }
        return true;
      }),
      { numRuns: RUNS, seed: SEED + t.name.length * 7919, endOnFailure: true },
    );
    ctx.diagnostic(
      `${calls} calls (seed ${SEED}); exit codes ${[...codes].map(([c, n]) => `${c}:${n}`).join(' ')}; known issues hit: ${
        [...knownHits].map(([k, n]) => `${k}×${n}`).join(' ') || 'none'
      }`,
    );
    const unknown = violations.filter((v) => v.known === undefined);
    assert.deepEqual(
      unknown.map((v) => `${shown(v.argv)}: ${v.problem}`),
      [],
      `tfc ${t.name}: replay with TFC_FUZZ_SEED=${SEED}`,
    );
  });
}

test('the fuzzed commands are all the commands', () => {
  assert.deepEqual(TARGETS.map((t) => t.name).sort(), commands.map((c) => c.name).sort());
});
