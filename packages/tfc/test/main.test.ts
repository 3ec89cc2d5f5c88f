// Every stderr diagnostic line starts with `tfc:` (main.ts and the commands): a table of failing invocations of
// every command — usage errors (also multi-line ones: usage continuation lines, carets under --classid), rejected
// filters (pcap carets, backend refusals, kernel rejections), bad inputs — run in-process; the kernel's own
// three-line filter rendering (filter, caret, parse_error), which tfc shows as the kernel shows it, is the only
// exception and is recognized by comparing with `tfc check`'s rendering of the same filter.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const here = new URL('.', import.meta.url).pathname;
const FMT = join(here, 'fixtures/uprobe-pv.format');
const EV = ['--event', 'sock/inet_sock_set_state', '--source', 'bundled'];
const dir = mkdtempSync(join(tmpdir(), 'tfc-main-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const BAD_DDD = file('bad.ddd', '3\n6 0 0 0\n21 5 0 1\n6 0 0 0\n');
const BAD_ASM = file('bad.s', 'ldh [12]\nfrobnicate #1\n');
const BAD_RECS = file('bad.jsonl', '{"a8": 1}\nnot json\n');

async function tfc(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Invocations that fail; `kernel` names the filter and event whose kernel rendering stderr holds. */
const FAILING: { args: string[]; kernel?: string[] }[] = [
  { args: ['frobnicate'] },
  { args: ['--verison'] },
  { args: ['help', 'nope'] },
  { args: ['check'] },
  { args: ['check', 'a8 == 1'] },
  { args: ['check', 'a8 == 1', '--event', 'bad'] },
  { args: ['check', 'a8 == 1', '--event', 'sched/sched_swich', '--source', 'bundled'] },
  { args: ['check', 'a8 == 1', '--format', '/nonexistent/format'] },
  { args: ['check', 'a8 == 1', '--format', FMT, '--bogus'] },
  { args: ['check', 'a8 == 1', '--format', FMT, '--nr-cpus', 'x'] },
  { args: ['check', 'a8 == 1', '--format', FMT, '--kernel', 'nope'] },
  { args: ['check', 'famly == 2', ...EV, '--verbose'] },
  { args: ['compile'] },
  { args: ['compile', 'a8 == 1', '--format', FMT, '--target', 'nope'] },
  { args: ['compile', 'a8 == 1', '--format', FMT, '--emit', 'bin'] },
  { args: ['compile', 'a8 == 1', 'extra', '--format', FMT] },
  { args: ['compile', 'famly == 2', ...EV], kernel: ['famly == 2', ...EV] },
  { args: ['compile', 'a8 == 1', '--format', FMT, '--target', 'u32', '--dev', 'x', '--classid', '1:zz'] },
  { args: ['compile', '--lang', 'pcap', 'tcp dst prt 80'] },
  { args: ['compile', '--lang', 'pcap', 'ip[2:2] + 1 > 100', '--target', 'u32', '--dev', 'eth0'] },
  { args: ['compile', '--lang', 'pcap', 'ip[2:2] + 1 > 100', '--target', 'p4'] },
  { args: ['compile', '--lang', 'pcap', 'tcp', '--dump-after', 'nope'] },
  { args: ['compile', '--lang', 'pcap', '-F', '/nonexistent/f'] },
  { args: ['compile', '--lang', 'pcap', 'tcp', '--event', 'x/y'] },
  { args: ['eval', 'a8 == 1', '--format', FMT] },
  { args: ['eval', 'a8 == 1', '--format', FMT, '--records', BAD_RECS] },
  { args: ['eval', 'famly == 2', ...EV, '--records', BAD_RECS], kernel: ['famly == 2', ...EV] },
  { args: ['events', 'zzz/'] },
  { args: ['format', 'zz/yy', '--source', 'bundled'] },
  { args: ['asm', BAD_ASM] },
  { args: ['disasm', '/nonexistent/prog'] },
  { args: ['run', BAD_DDD, '--packet', '00'] },
  { args: ['run', BAD_DDD] },
  { args: ['encap'] },
  { args: ['dissector'] },
  { args: ['bench', '--suite', 'nope'] },
  { args: ['completion', 'fish'] },
  { args: ['completion'] },
  { args: ['man', 'extra'] },
  { args: ['man', '-o', '/nonexistent/dir/tfc.1'] },
  { args: ['apply', 'x == 1'] },
  { args: ['unapply'] },
  { args: ['capture', 'tcp'] },
  { args: ['capture', 'udp', 'prt', '9999', '--drops', '--duration', '0.3'] },
  { args: ['trace', 'x == 1'] },
];

test(`${FAILING.length} failing invocations: exit 1 or 2, every stderr line starts with tfc:`, async () => {
  for (const { args, kernel } of FAILING) {
    const r = await tfc(args);
    const what = `tfc ${args.join(' ')}`;
    assert.ok(r.code === 1 || r.code === 2, `${what}: exit ${r.code}`);
    assert.notEqual(r.err, '', `${what}: says why`);
    let err = r.err;
    if (kernel) {
      const rendering = (await tfc(['check', ...kernel])).out;
      assert.ok(err.startsWith(rendering), `${what}: the kernel's rendering first`);
      err = err.slice(rendering.length);
    }
    for (const line of err.replace(/\n$/, '').split('\n'))
      if (line !== '') assert.match(line, /^tfc: /, `${what}: ${JSON.stringify(line)}\n${r.err}`);
  }
});

test('usage errors over several lines keep a caret under its column', async () => {
  const r = await tfc([
    'compile',
    'a8 == 1',
    '--format',
    FMT,
    '--target',
    'u32',
    '--dev',
    'x',
    '--classid',
    '1:zz',
  ]);
  const [first, caret] = r.err.split('\n') as [string, string];
  const at = caret.indexOf('^');
  assert.ok(at > 5, r.err);
  assert.match(first.slice(at), /^z/, `the caret is under the bad text:\n${r.err}`);
  const pcap = await tfc(['compile', '--lang', 'pcap', 'tcp dst prt 80']);
  const [line, mark] = pcap.err.split('\n') as [string, string];
  assert.equal(line.slice(mark.indexOf('^'), mark.lastIndexOf('^') + 1), '80');
});

test('top-level help: summaries whole (never cut mid-sentence), no line over 80 columns', async () => {
  const top = await tfc(['--help']);
  const { commands } = await import('../src/cli/commands.ts');
  for (const l of top.out.split('\n')) assert.ok(l.length <= 80 || /^\s+\$ /.test(l), l);
  const joined = top.out.replace(/\n {14}/g, ' ');
  for (const c of commands) assert.ok(joined.includes(`  ${c.name.padEnd(10)}  ${c.summary}`), c.name);
});
