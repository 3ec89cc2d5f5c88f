// The command line's front door and the fixes of the hostile-input audit: every command's --help (usage, options,
// a worked example that runs as shown), `tfc` alone, unknown commands, --version; bounded reads of endless inputs,
// outputs that never replace devices or symlinks, bench refusing unwritable paths before it measures, diagnostics
// without terminal escapes or megabyte lines, and kallsyms read only when a filter needs it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyTcSpec } from '../src/cli/commands/apply-tc.ts';
import { runCheck } from '../src/cli/commands/check.ts';
import { runEval } from '../src/cli/commands/eval.ts';
import { commands } from '../src/cli/commands.ts';
import { memoryIo, printable } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import type { Host } from '../src/host/index.ts';

const here = new URL('.', import.meta.url).pathname;
const root = new URL('../../../', import.meta.url).pathname;
const FORMAT = join(here, 'fixtures/uprobe-pv.format');
const PROG = join(here, 'fixtures/bpf/ipv4-tcp.bpf');
const dir = mkdtempSync(join(tmpdir(), `tfc-robust-cli-${process.pid}-`));
after(() => rmSync(dir, { recursive: true, force: true }));

async function tfc(args: readonly string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

// ---------------------------------------------------------------------------------------------------------------
// Help, version, no command.

const helps: { name: string; argv: string[] }[] = [
  ...commands.map((c) => ({ name: c.name, argv: [c.name, '--help'] })),
  { name: 'apply', argv: ['apply', '--target', 'tc', '--help'] },
];

for (const h of helps) {
  test(`tfc ${h.argv.slice(0, -1).join(' ')} --help: exit 0, usage, options, exit status and an example`, async () => {
    const r = await tfc(h.argv);
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
    assert.match(r.out, new RegExp(`^usage: tfc ${h.name}\\b`));
    assert.match(r.out, /\noptions:\n/, 'an options section');
    assert.match(r.out, /\nexit status: 0 /, 'the exit status is documented');
    assert.match(
      r.out,
      /\nexamples?\b[^\n]*:\n(?:.*\n)*? {2}\$ (?:.*\| )?tfc /,
      'an example section with $ tfc',
    );
    assert.ok(r.out.endsWith('\n') && !r.out.endsWith('\n\n\n'));
    const short = await tfc([...h.argv.slice(0, -1), '-h']);
    assert.equal(short.out, r.out, '-h is --help');
  });
}

test('tfc help COMMAND is COMMAND --help; tfc help with an unknown command is a usage error', async () => {
  for (const c of commands) assert.deepEqual(await tfc(['help', c.name]), await tfc([c.name, '--help']));
  const r = await tfc(['help', 'nosuchcommand']);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /^tfc: unknown command 'nosuchcommand'; 'tfc --help' lists the commands\n$/);
});

test('tfc alone: usage error, the command list on stderr; tfc --help: the same on stdout, exit 0', async () => {
  const bare = await tfc([]);
  assert.equal(bare.code, 2);
  assert.equal(bare.out, '');
  const help = await tfc(['--help']);
  assert.equal(help.code, 0);
  assert.equal(bare.err, help.out);
  for (const c of commands) assert.match(help.out, new RegExp(`\\n {2}${c.name} +\\S`), c.name);
  assert.match(help.out, /\nexamples:\n {2}\$ tfc check /);
  assert.deepEqual(await tfc(['-h']), help);
});

test('tfc nosuchcommand and tfc --version', async () => {
  const r = await tfc(['nosuchcommand', '--help']);
  assert.deepEqual(r, {
    code: 2,
    out: '',
    err: "tfc: unknown command 'nosuchcommand'; 'tfc --help' lists the commands\n",
  });
  for (const v of ['--version', '-V'])
    assert.deepEqual(await tfc([v]), { code: 0, out: 'tfc 0.1.0\n', err: '' });
  const pkg = JSON.parse(readFileSync(join(here, '../package.json'), 'utf8')) as { version: string };
  assert.equal((await tfc(['--version'])).out, `tfc ${pkg.version}\n`, 'the version is the package version');
});

/** Splits an example command line the way a POSIX shell would for the quoting the help texts use. */
function words(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return undefined;
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === ' ') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if ('|;<>&$`"\\*'.includes(c))
      return undefined; // needs a shell: not run here
    else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** The `$ tfc ...` lines of a help text with the output lines shown under each. */
function examples(help: string): { argv: string[]; line: string; expected: string[] }[] {
  const lines = help.split('\n');
  const found: { argv: string[]; line: string; expected: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^ {2}\$ tfc (.*)$/.exec(lines[i] as string);
    if (!m) continue;
    const expected: string[] = [];
    for (let j = i + 1; j < lines.length && /^ {2}(?!\$ )\S/.test(lines[j] as string); j++)
      expected.push((lines[j] as string).slice(2));
    const argv = words(m[1] as string);
    if (argv) found.push({ argv, line: m[1] as string, expected });
  }
  return found;
}

test('the worked examples of every --help run as shown (those that need no files, root or minutes)', async (t) => {
  let ran = 0;
  for (const c of commands) {
    const { out } = await tfc([c.name, '--help']);
    for (const ex of examples(out)) {
      const why =
        c.name === 'apply' || c.name === 'unapply'
          ? 'installs into the kernel'
          : c.name === 'trace' || c.name === 'capture'
            ? 'traces the live kernel'
            : c.name === 'bench'
              ? 'measures for minutes'
              : ex.argv.includes('-o') || ex.argv.includes('--kernel')
                ? 'writes a file or needs the kernel'
                : ex.argv.some((a) => /\.(o|pcap|bpf|bin|ddd|jsonl)$/.test(a) && !existsSync(join(root, a)))
                  ? 'reads a file the example does not create'
                  : undefined;
      if (why !== undefined) {
        t.diagnostic(`not run (${why}): tfc ${ex.line}`);
        continue;
      }
      const argv = ex.argv.map((a) => (existsSync(join(root, a)) && a.includes('/') ? join(root, a) : a));
      const source = argv.includes('--event') && !argv.includes('--source') ? ['--source', 'bundled'] : [];
      const r = await tfc([...argv, ...source]);
      assert.ok(
        r.code === 0 || (r.code === 1 && ex.expected.length > 0),
        `tfc ${ex.line}: exit ${r.code}: ${r.err}`,
      );
      const cut = ex.expected.indexOf('...');
      const want = cut < 0 ? ex.expected : ex.expected.slice(0, cut);
      const got = r.out.split('\n').slice(0, want.length);
      if (want.length > 0) assert.deepEqual(got, want, `tfc ${ex.line}`);
      ran++;
    }
  }
  assert.ok(ran >= 8, `only ${ran} examples ran`);
  t.diagnostic(`${ran} examples ran`);
});

test('tfc apply --target tc --help has its own usage (the tc options)', async () => {
  const r = await tfc(['apply', '--target', 'tc', '--help']);
  assert.ok(r.out.startsWith(`usage: ${applyTcSpec.usage.split('\n')[0]}`));
});

// ---------------------------------------------------------------------------------------------------------------
// Regressions of the audit's fixes.

test('endless and oversized inputs are refused after a bounded read, never read to the end', async () => {
  for (const argv of [
    ['check', 'a8 == 1', '--format', '/dev/zero'],
    ['check', '--filter-file', '/dev/zero', '--format', FORMAT],
    ['eval', 'a8 == 1', '--format', FORMAT, '--records', '/dev/zero'],
    ['asm', '/dev/zero'],
    ['run', PROG, '--pcap', '/dev/zero'],
  ]) {
    const r = await tfc(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /^tfc: \/dev\/zero is larger than 67108864 bytes\n$/, argv.join(' '));
  }
});

test('read failures are said in words: directory, missing file, I/O error, NUL in the path', async () => {
  const cases: [string[], RegExp][] = [
    [['check', 'a8 == 1', '--format', dir], /cannot read .*: is a directory/],
    [
      ['check', 'a8 == 1', '--format', join(dir, 'missing')],
      /cannot read .*missing: no such file or directory/,
    ],
    [['asm', '/proc/self/mem'], /cannot read \/proc\/self\/mem: input\/output error/],
    [['disasm', 'a\u0000b'], /cannot read a\\x00b: the path contains a NUL byte/],
  ];
  for (const [argv, re] of cases) {
    const r = await tfc(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, re);
  }
});

test('an output path that is a device or a symlink is written through, never renamed over', async () => {
  const full = join(dir, 'full-link');
  const nul = join(dir, 'null-link');
  const file = join(dir, 'real.txt');
  const fileLink = join(dir, 'file-link');
  symlinkSync('/dev/full', full);
  symlinkSync('/dev/null', nul);
  writeFileSync(file, 'old\n');
  symlinkSync(file, fileLink);
  const compile = ['compile', 'a8 == 1', '--format', FORMAT, '-o'];
  const asm = ['asm', PROG, '-o'];
  for (const base of [compile, asm]) {
    const r = await tfc([...base, full]);
    assert.equal(r.code, 2, base[0]);
    assert.match(r.err, /cannot write .*full-link: no space left on device/);
    assert.equal((await tfc([...base, nul])).code, 0, base[0]);
    assert.equal((await tfc([...base, fileLink])).code, 0, base[0]);
    assert.ok(lstatSync(fileLink).isSymbolicLink(), 'the symlink stays a symlink');
    assert.notEqual(readFileSync(file, 'utf8'), 'old\n', 'its target was written');
    writeFileSync(file, 'old\n');
  }
  for (const l of [full, nul]) assert.ok(lstatSync(l).isSymbolicLink(), l);
  assert.ok(statSync('/dev/full').isCharacterDevice() && statSync('/dev/null').isCharacterDevice());
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.tmp')),
    [],
  );
});

test('binary output of asm is written whole or not at all (no file in a missing directory, no temporary left)', async () => {
  const out = join(dir, 'asm-out');
  const r = await tfc([
    'asm',
    '--isa',
    'ebpf',
    '--to',
    'bin',
    '-o',
    join(out, 'x.bin'),
    join(here, 'fixtures/bpf/ipv4-tcp.bpf'),
  ]);
  assert.equal(r.code, 1, r.err); // cBPF text is not eBPF assembly: refused before anything is written
  const missing = await tfc(['asm', PROG, '--to', 'bin', '-o', join(dir, 'no-such-dir', 'x.bin')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot write .*no-such-dir\/x\.bin: no such file or directory/);
  assert.equal(existsSync(join(dir, 'no-such-dir')), false);
  const long = join(dir, 'l'.repeat(250));
  assert.equal((await tfc(['asm', PROG, '-o', long])).code, 0, 'a 250-character name is a valid name');
  assert.ok(existsSync(long));
  const empty = await tfc(['asm', PROG, '-o', '']);
  assert.equal(empty.code, 2);
  assert.match(empty.err, /cannot write to an empty file name/);
});

test('bench checks --out and --doc before it measures anything', async () => {
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, '');
  const cases: [string[], RegExp][] = [
    [['--doc', join(dir, 'no-such-dir', 'report.md')], /--doc .*report\.md: no such file or directory/],
    [['--doc', dir], /--doc .*: is a directory/],
    [['--out', aFile], /--out .*a-file: exists and is not a directory/],
    [['--out', join(aFile, 'sub')], /--out .*: .*a-file is not a directory/],
    [['--out', ''], /--out needs a directory name/],
    [['--suite', 'all', '--suite', 'nosuch'], /no suite 'nosuch'/],
  ];
  for (const [extra, re] of cases) {
    const r = await tfc(['bench', '--suite', 'compile', '--quick', '--json', ...extra]);
    assert.equal(r.code, 2, extra.join(' '));
    assert.equal(r.out, '', 'nothing was measured');
    assert.match(r.err, re);
  }
});

test('diagnostics never carry terminal escapes or megabyte lines from hostile input', async () => {
  const esc = await tfc(['no\u001b]0;owned\u0007such']);
  assert.equal(esc.code, 2);
  assert.equal(esc.err, "tfc: unknown command 'no\\x1b]0;owned\\x07such'; 'tfc --help' lists the commands\n");
  const huge = await tfc(['check', 'a8 == 1', '--event', `${'x'.repeat(1 << 20)}`]);
  assert.equal(huge.code, 2);
  assert.ok(huge.err.length < 1200, `${huge.err.length} characters`);
  assert.match(huge.err, /… \(\d+ more characters\)\n$/);
  const fmt = join(dir, 'escape.format');
  writeFileSync(fmt, 'name: x\nID: 1\nformat:\n\tfield:\u001b[2J\u009b31m\n');
  const r = await tfc(['format', '--format', fmt]);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.err, /[\u001b\u009b]/);
  assert.equal(printable('a\tb\nc\u0000\u007f\u0085'), 'a\tb\nc\\x00\\x7f\\x85');
});

test('option errors from the argument parser are one line', async () => {
  const r = await tfc(['check', 'a8 == 1', '--format', FORMAT, '--nr-cpus', '-1']);
  assert.equal(r.code, 2);
  assert.equal(r.err.split('\n').length, 2, r.err);
  assert.match(r.err, /^tfc: check: Option '--nr-cpus' argument is ambiguous\. .*'--nr-cpus=-XYZ'/);
  const unknown = await tfc(['check', 'a8 == 1', '--format', FORMAT, '--bogus']);
  assert.equal(unknown.err, "tfc: check: Unknown option '--bogus'\n");
});

test('check and eval read kallsyms only when the filter names a function', async () => {
  let reads = 0;
  const host: Host = {
    nrCpuIds: () => 4,
    symbols: () => {
      reads++;
      return undefined;
    },
    liveDialect: async () => ({ ok: false, reason: 'not probed in this test' }),
  };
  const io = memoryIo({ 'r.jsonl': '{"a8": 1}\n' });
  assert.equal(await runCheck(['a8 == 1', '--format', FORMAT], io, host), 0);
  assert.equal(await runEval(['a8 == 1', '--format', FORMAT, '--records', 'r.jsonl'], io, host), 0);
  assert.equal(reads, 0);
  const fn = join(dir, 'fn.format');
  writeFileSync(
    fn,
    'name: f\nID: 9\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n\nprint fmt: ""\n',
  );
  const r = memoryIo();
  assert.equal(await runCheck(['ip.function == vfs_read', '--format', fn], r, host), 1);
  assert.ok(reads > 0, 'a .function predicate looks the symbol up');
  assert.match(r.stdout(), /Function not found/);
});

test('the real process: stdout on a full device is one line and exit 2; a closed pipe ends quietly with 0', async () => {
  const bin = join(root, 'packages/tfc/src/cli/bin.ts');
  const full = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', bin, 'events'], {
      cwd: root,
      stdio: ['ignore', full, 'pipe'],
      encoding: 'utf8',
    });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'tfc: cannot write standard output: no space left on device\n');
    const e = spawnSync(process.execPath, ['--import', 'tsx', bin, 'nosuchcommand'], {
      cwd: root,
      stdio: ['ignore', 'pipe', full],
    });
    assert.equal(e.status, 2, 'a failing stderr is still exit 2');
  } finally {
    closeSync(full);
  }
  // `tfc events | head -1`: the reader goes away after the first chunk.
  const child = spawn(process.execPath, ['--import', 'tsx', bin, 'events'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0);
  assert.equal(err, '');
});
