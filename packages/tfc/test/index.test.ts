/*
 * The library facade (src/index.ts) against the CLI it mirrors: for a table of `tfc compile`/`check`/`eval` command
 * lines across both languages and every target, compile(filter, options) with the translated options returns
 * exactly the CLI's stdout (and, for filters the CLI rejects, a failure whose rendering is the CLI's stderr); the
 * trace frame and pcapng round trips; and the purity claim: the facade's module graph (esbuild's metafile of
 * src/index.ts) reaches neither @tfc/kernel nor koffi, while src/live.ts does.
 * Invariants: in-process only (main() with a memory Io, `--kernel 6.18` so no probe writes to tracefs), no root.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import {
  bundledEvent,
  type CompileOptions,
  check,
  checkProfiles,
  compile,
  decodeTraceFrame,
  encodeTraceFrame,
  evalRecords,
  LINKTYPE,
  readCapture,
  recordFromJson,
  renderFailure,
  TfcOptionError,
  writePcapng,
} from '../src/index.ts';

const EV = 'sock/inet_sock_set_state';
const K = { kernel: '6.18', nrCpuIds: 4 } as const;
const KARGS = ['--kernel', '6.18', '--nr-cpus', '4'];

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));

async function cli(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** [filter, CLI flags after the filter, the library's options]. */
const CASES: readonly [string, readonly string[], CompileOptions][] = [
  [
    'vlan 100 and tcp or inbound',
    ['--lang', 'pcap', '--target', 'ebpf', '--prog-type', 'tc', '--pcap-capture', 'linux-live'],
    { lang: 'pcap', target: 'ebpf', progType: 'tc', capture: 'linux-live' },
  ],
  [
    'vlan 100 and not outbound',
    ['--lang', 'pcap', '--target', 'cbpf', '--pcap-capture', 'linux-live'],
    { lang: 'pcap', target: 'cbpf', capture: 'linux-live' },
  ],
  ['family == 2 && protocol == 6', ['--event', EV, ...KARGS], { event: EV, target: 'ebpf', ...K }],
  ['family == 2', ['--event', EV, '--emit', 'c', ...KARGS], { event: EV, target: 'ebpf', emit: 'c', ...K }],
  [
    'family == 2 || sport == 22',
    ['--event', EV, '--ctx', 'trace-frame', '--target', 'cbpf', '--emit', 'ddd', ...KARGS],
    { event: EV, target: 'cbpf', ctx: 'trace-frame', emit: 'ddd', ...K },
  ],
  [
    'family == 2',
    ['--event', EV, '--ctx', 'trace-frame', '--prog-type', 'xdp', '--emit', 'json', ...KARGS],
    { event: EV, target: 'ebpf', ctx: 'trace-frame', progType: 'xdp', emit: 'json', ...K },
  ],
  [
    'family == 2 && protocol == 6',
    ['--event', EV, '--dump-after', 'lower', ...KARGS],
    { event: EV, target: 'ebpf', dumpAfter: 'lower', ...K },
  ],
  ['family==2 && protocol==6', ['--target', 'tc', '--source', 'bundled', ...KARGS], { target: 'tc', ...K }],
  [
    'whence == 1',
    [
      '--event',
      'syscalls/sys_enter_lseek',
      '--target',
      'u32',
      '--dev',
      'veth0',
      '--parent',
      '1:',
      '--classid',
      '1:10',
      ...KARGS,
    ],
    { event: 'syscalls/sys_enter_lseek', target: 'u32', dev: 'veth0', parent: '1:', classid: '1:10', ...K },
  ],
  [
    'family == 2',
    ['--event', EV, '--target', 'tc-bpf', '--dev', 'eth0', '--clsact', ...KARGS],
    { event: EV, target: 'tc-bpf', dev: 'eth0', clsact: true, ...K },
  ],
  [
    'family == 2 && dport == 443',
    ['--event', EV, '--target', 'p4', '--emit', 'p4', ...KARGS],
    { event: EV, target: 'p4', emit: 'p4', ...K },
  ],
  [
    'family == 2',
    ['--target', 'p4', '--subsystem', 'sock', '--source', 'bundled', ...KARGS],
    { target: 'p4', subsystem: 'sock', ...K },
  ],
  [
    'family == 2',
    ['--target', 'cbpf', '--subsystem', 'sock', '--source', 'bundled', ...KARGS],
    { target: 'cbpf', subsystem: 'sock', ...K },
  ],
  ['tcp dst port 80', ['--lang', 'pcap'], { lang: 'pcap', target: 'cbpf' }],
  [
    'ip6 and udp',
    ['--lang', 'pcap', '--target', 'ebpf', '--prog-type', 'tc'],
    { lang: 'pcap', target: 'ebpf', progType: 'tc' },
  ],
  [
    'ip and icmp',
    ['--lang', 'pcap', '--linktype', 'raw', '--emit', 'dd'],
    { lang: 'pcap', target: 'cbpf', linktype: 'raw', emit: 'dd' },
  ],
  [
    'tcp dst port 80',
    ['--lang', 'pcap', '--target', 'flower', '--dev', 'eth0'],
    { lang: 'pcap', target: 'flower', dev: 'eth0' },
  ],
  [
    'ip6 and tcp port 443',
    ['--lang', 'pcap', '--target', 'u32', '--dev', 'eth0', '--egress'],
    { lang: 'pcap', target: 'u32', dev: 'eth0', direction: 'egress' },
  ],
  [
    'tcp[13] & 2 != 0',
    ['--lang', 'pcap', '--target', 'tc', '--dev', 'eth0'],
    { lang: 'pcap', target: 'tc', dev: 'eth0' },
  ],
  [
    'udp',
    ['--lang', 'pcap', '--target', 'tc-bpf', '--dev', 'eth0'],
    { lang: 'pcap', target: 'tc-bpf', dev: 'eth0' },
  ],
  [
    'tcp dst port 80',
    ['--lang', 'pcap', '--target', 'p4', '--emit', 'bmv2'],
    { lang: 'pcap', target: 'p4', emit: 'bmv2' },
  ],
  [
    'udp port 9999',
    [
      '--lang',
      'pcap',
      '--target',
      'ebpf',
      '--ctx',
      'skb',
      '--attach',
      'tp_btf/skb/kfree_skb',
      '--layout',
      'snapshot',
    ],
    { lang: 'pcap', target: 'ebpf', ctx: 'skb', skb: { attach: 'tp_btf/skb/kfree_skb' } },
  ],
];

test('compile(filter, options) returns what `tfc compile` prints, for both languages and every target', async () => {
  for (const [filter, flags, options] of CASES) {
    const c = await cli(['compile', filter, ...flags]);
    const r = compile(filter, options);
    const what = `tfc compile '${filter}' ${flags.join(' ')}`;
    assert.equal(c.code, 0, `${what}: ${c.err}`);
    assert.ok(r.ok, `${what}: ${show(r)}`);
    assert.equal(typeof r.output === 'string' ? r.output : 'bytes', c.out, what);
    if (r.kind === 'bpf' && r.dump !== undefined) assert.equal(r.dump, c.out, what);
    // Notes say `dev` where the CLI says `--dev`.
    const err = c.err.replaceAll('--', '');
    for (const n of r.notes)
      assert.ok(
        err.includes(n.replaceAll('--', '')),
        `${what}: note '${n}' not on the CLI's stderr:\n${c.err}`,
      );
  }
});

test('binary outputs: bin, elf and the tc-bpf object are the bytes `tfc compile` writes to files', async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync(`${fileURLToPath(new URL('.', import.meta.url))}/.tmp-index-`);
  try {
    for (const emit of ['bin', 'elf'] as const) {
      const file = `${dir}/p.${emit}`;
      const c = await cli(['compile', 'family == 2', '--event', EV, '--emit', emit, '-o', file, ...KARGS]);
      assert.equal(c.code, 0, c.err);
      const r = compile('family == 2', { event: EV, target: 'ebpf', emit, ...K });
      assert.ok(r.ok && r.kind === 'bpf' && r.output instanceof Uint8Array);
      assert.deepEqual(r.output, new Uint8Array(readFileSync(file)));
    }
    const obj = `${dir}/f.o`;
    const c = await cli(
      [
        'compile',
        'family == 2',
        '--event',
        EV,
        '--target',
        'tc-bpf',
        '--dev',
        'eth0',
        '--mode',
        'obj-da',
      ].concat(['--object', obj, '-o', `${dir}/batch`, ...KARGS]),
    );
    assert.equal(c.code, 0, c.err);
    const r = compile('family == 2', {
      event: EV,
      target: 'tc-bpf',
      dev: 'eth0',
      mode: 'obj-da',
      objectPath: obj,
      ...K,
    });
    assert.ok(r.ok && r.kind === 'tc' && r.object !== undefined);
    assert.equal(r.output, readFileSync(`${dir}/batch`, 'utf8'));
    assert.deepEqual(r.object, new Uint8Array(readFileSync(obj)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rejected filters are values with positioned diagnostics, rendered as the CLI renders them', async () => {
  const cases: [string, readonly string[], CompileOptions][] = [
    ['famly == 2', ['--event', EV, ...KARGS], { event: EV, target: 'ebpf', ...K }],
    [
      'family = 2',
      ['--event', EV, '--target', 'tc', '--dev', 'trace0', ...KARGS],
      { event: EV, target: 'tc', dev: 'trace0', ...K },
    ],
    ['tcp port foo', ['--lang', 'pcap'], { lang: 'pcap', target: 'cbpf' }],
    [
      'tcp and (',
      ['--lang', 'pcap', '--target', 'flower', '--dev', 'eth0'],
      { lang: 'pcap', target: 'flower', dev: 'eth0' },
    ],
  ];
  for (const [filter, flags, options] of cases) {
    const c = await cli(['compile', filter, ...flags]);
    const r = compile(filter, options);
    assert.equal(c.code, 1, c.err);
    assert.ok(!r.ok);
    assert.ok(r.diagnostics.length > 0 && r.diagnostics.every((d) => typeof d.message === 'string'));
    assert.ok(
      r.diagnostics.some((d) => d.span !== undefined),
      JSON.stringify(r.diagnostics),
    );
    // The tc targets print every diagnostic as `tfc: compile: STAGE: MESSAGE` (no caret), the others as rendered.
    if (options.target === 'flower')
      for (const d of r.diagnostics) assert.ok(c.err.includes(d.message), c.err);
    else assert.equal(renderFailure(filter, r), c.err, filter);
  }
});

test('options no filter could make sense of throw TfcOptionError (the CLI exits 2 for them)', async () => {
  const bad: [readonly string[], CompileOptions][] = [
    [['compile', 'x == 1', '--event', 'no/such', ...KARGS], { event: 'no/such', target: 'ebpf', ...K }],
    [
      ['compile', 'family == 2', '--event', EV, '--kernel', '4.4'],
      { event: EV, target: 'ebpf', kernel: '4.4' },
    ],
    [['compile', 'tcp', '--lang', 'pcap', '--target', 'u32'], { lang: 'pcap', target: 'u32' }],
    [
      ['compile', 'vlan', '--lang', 'pcap', '--target', 'p4', '--pcap-capture', 'linux-live'],
      { lang: 'pcap', target: 'p4', capture: 'linux-live' },
    ],
    [
      [
        'compile',
        'vlan',
        '--lang',
        'pcap',
        '--target',
        'tc-bpf',
        '--dev',
        'eth0',
        '--pcap-capture',
        'linux-live',
      ],
      { lang: 'pcap', target: 'tc-bpf', dev: 'eth0', capture: 'linux-live' },
    ],
    [
      ['compile', 'family == 2', '--event', EV, '--target', 'tc-bpf', ...KARGS],
      { event: EV, target: 'tc-bpf', ...K },
    ],
    [
      ['compile', 'family == 2', '--event', EV, '--ctx', 'tracepoint', '--prog-type', 'xdp', ...KARGS],
      { event: EV, target: 'ebpf', ctx: 'tracepoint', progType: 'xdp', ...K },
    ],
    [
      [
        'compile',
        'tcp',
        '--lang',
        'pcap',
        '--target',
        'ebpf',
        '--ctx',
        'skb',
        '--attach',
        'tp_btf/nope',
        '--layout',
        'snapshot',
      ],
      { lang: 'pcap', target: 'ebpf', ctx: 'skb', skb: { attach: 'tp_btf/nope' } },
    ],
  ];
  for (const [argv, options] of bad) {
    assert.equal((await cli(argv)).code, 2, argv.join(' '));
    assert.throws(() => compile(argv[1] as string, options), TfcOptionError, argv.join(' '));
  }
});

test('check, checkProfiles and evalRecords answer as `tfc check` and `tfc eval`', async () => {
  for (const [filter, kernel] of [
    ['prev_pid == 1 && next_prio < 100', '6.18'],
    ['prev_pd == 1', '6.18'],
    ['cpu & CPUS{1}', '5.15'],
    ['cpu & CPUS{1}', '6.6'],
  ] as const) {
    const c = await cli([
      'check',
      filter,
      '--event',
      'sched/sched_switch',
      '--kernel',
      kernel,
      '--nr-cpus',
      '4',
    ]);
    const r = check(filter, { event: 'sched/sched_switch', kernel, nrCpuIds: 4 });
    assert.equal(r.filterFile, c.out, filter);
    assert.equal(r.ok, c.code === 0, filter);
    if (!r.ok) {
      assert.equal(renderFailure(filter, r), c.out + c.err, filter);
      assert.equal(r.diagnostics[0]?.span?.start, Math.min(r.filterError.position, filter.length));
    }
  }
  const fleet = await cli([
    'check',
    'cpu & CPUS{1}',
    '--event',
    'sched/sched_switch',
    '--kernel',
    'all',
    '--nr-cpus',
    '4',
  ]);
  const profiles = checkProfiles('cpu & CPUS{1}', { event: 'sched/sched_switch', nrCpuIds: 4 });
  assert.deepEqual(
    profiles.map((p) => `${p.kernel} ${p.ok}`),
    fleet.out
      .trim()
      .split('\n')
      .map((l) => `${l.split(/\s+/)[0]} ${/accepted$/.test(l)}`),
  );
  const records = [
    { family: 2, protocol: 6 },
    { family: 10, protocol: 6 },
    { family: 2, protocol: 17, dport: 5000 },
  ];
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(`${fileURLToPath(new URL('.', import.meta.url))}/.tmp-index-`);
  try {
    writeFileSync(`${dir}/r.jsonl`, records.map((r) => JSON.stringify(r)).join('\n'));
    const filter = 'family == 2 && (protocol == 6 || dport >= 5000)';
    const c = await cli(['eval', filter, '--event', EV, '--records', `${dir}/r.jsonl`, ...KARGS]);
    const r = evalRecords(filter, { event: EV, records, ...K });
    assert.ok(r.ok);
    assert.equal(r.verdicts.map((v) => (v ? '1\n' : '0\n')).join(''), c.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const bad = evalRecords('family == 2', { event: EV, records: [{ family: 2 }, { nosuch: 1 }], ...K });
  assert.ok(!bad.ok && 'record' in bad && bad.record === 1, JSON.stringify(bad));
});

test('a trace frame round-trips, and frames written as pcapng read back', () => {
  const event = bundledEvent('sock', 'inet_sock_set_state');
  assert.ok(event);
  const rec = recordFromJson(event, { family: 2, protocol: 6, comm: 'curl', cpu: 3 });
  assert.ok(rec.ok);
  const frame = encodeTraceFrame(rec.record, { eventId: event.id, cpu: 3, comm: 'curl', sequence: 7 });
  const d = decodeTraceFrame(frame);
  assert.ok(d.ok, show(d));
  assert.equal(d.eventId, event.id);
  assert.equal(d.cpu, 3);
  assert.equal(d.sequence, 7);
  assert.deepEqual(d.record, rec.record);
  const bytes = writePcapng([{ ts: 1_000n, len: frame.length, data: frame }], {
    linkType: LINKTYPE.ETHERNET,
  });
  const cap = readCapture(bytes);
  assert.ok(cap.ok, show(cap));
  assert.equal(cap.capture.format, 'pcapng');
  assert.deepEqual(cap.capture.records[0]?.data, frame);
});

async function inputsOf(entry: string): Promise<string[]> {
  const r = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    metafile: true,
    external: ['koffi'],
    logLevel: 'silent',
  });
  const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
  return [...Object.keys(r.metafile.inputs), ...imports];
}

test('the facade is pure: its module graph reaches neither @tfc/kernel nor koffi; tfc-filter/live does', async () => {
  const pure = await inputsOf('../src/index.ts');
  assert.deepEqual(
    pure.filter((p) => p.includes('packages/kernel/') || p === 'koffi' || p.includes('src/host/')),
    [],
  );
  const live = await inputsOf('../src/live.ts');
  assert.ok(
    live.some((p) => p.includes('packages/kernel/')),
    'live.ts reaches @tfc/kernel',
  );
});
