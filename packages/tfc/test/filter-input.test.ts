// Where filters come from (filter-input.ts, args.ts): -F FILE with tcpdump's '#' comments, unquoted pcap words
// joined as tcpdump's copy_argv joins them, trace filters kept one argument. The comment rule is checked against
// tcpdump itself: `tcpdump -d -F FILE` must compile exactly what `tcpdump -d` compiles for tfc's stripped text.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { stripPcapComments } from '../src/cli/filter-input.ts';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

async function tfc(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const FILES: Record<string, string> = {
  'plain.pcap': 'tcp dst port 80\n',
  'comments.pcap': '# web traffic\ntcp # only tcp\n  dst port 80 # http\n',
  'hash-eol.pcap': 'udp port 53#\n#\n',
  'multi.pcap': 'host 10.0.0.1 and # a host\n(tcp or udp) # both\n# trailing comment without newline',
  'utf8.pcap': 'ip6 # kommentar: äöü → ok\nand tcp\n',
};

function tempFiles(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-filter-input-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  return dir;
}

test('stripPcapComments: # to the end of the line becomes spaces, byte positions kept (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', ' ', '#', '\n', 'é', '(', '1') }), (text) => {
      const out = stripPcapComments(text);
      assert.equal(Buffer.byteLength(out), Buffer.byteLength(text));
      assert.ok(!out.includes('#'));
      assert.equal(out.split('\n').length, text.split('\n').length);
      // Text before each line's first '#' is unchanged.
      const a = text.split('\n');
      out.split('\n').forEach((l, i) => {
        const src = a[i] as string;
        const hash = src.indexOf('#');
        assert.equal(l.slice(0, hash < 0 ? undefined : hash), hash < 0 ? src : src.slice(0, hash));
      });
    }),
  );
});

test('-F FILE compiles what the same filter given as an argument compiles', async (t) => {
  const dir = tempFiles(t);
  for (const name of Object.keys(FILES)) {
    const f = await tfc(['compile', '--lang', 'pcap', '-F', join(dir, name)]);
    const arg = await tfc(['compile', '--lang', 'pcap', stripPcapComments(FILES[name] as string)]);
    assert.equal(f.code, 0, `${name}: ${f.err}`);
    assert.equal(f.out, arg.out, name);
    const long = await tfc([
      'compile',
      '--lang',
      'pcap',
      '--expression-file',
      join(dir, name),
      '--target',
      'ebpf',
    ]);
    assert.equal(long.code, 0, name);
  }
});

const tcpdump = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });

test('tcpdump -F reads the files as tfc -F does (tcpdump -d on the file = tcpdump -d on the stripped text)', {
  skip: tcpdump.status === 0 ? false : 'tcpdump is not installed',
}, (t) => {
  const dir = tempFiles(t);
  for (const name of Object.keys(FILES)) {
    const d = (args: string[]) => spawnSync('tcpdump', ['-y', 'EN10MB', '-d', ...args], { encoding: 'utf8' });
    const viaFile = d(['-F', join(dir, name)]);
    const viaText = d([stripPcapComments(FILES[name] as string)]);
    assert.equal(viaFile.status, 0, `${name}: ${viaFile.stderr}`);
    assert.equal(viaFile.stdout, viaText.stdout, name);
    // copy_argv: the words of the stripped text as separate arguments compile the same.
    const words = stripPcapComments(FILES[name] as string)
      .split(/\s+/)
      .filter((w) => w !== '');
    assert.equal(d(words).stdout, viaText.stdout, `${name} as words`);
  }
});

test('unquoted pcap words are joined with single spaces (copy_argv); trace filters stay one argument', async () => {
  const words = await tfc(['compile', '--lang', 'pcap', 'tcp', 'dst', 'port', '80']);
  const quoted = await tfc(['compile', '--lang', 'pcap', 'tcp dst port 80']);
  assert.equal(words.code, 0, words.err);
  assert.equal(words.out, quoted.out);
  // A parse error's caret points into the joined text.
  const bad = await tfc(['compile', '--lang', 'pcap', 'tcp', 'dst', 'prt', '80']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^tfc: tcp dst prt 80\n/);
  const trace = await tfc(['compile', 'family', '==', '2', '--event', 'sock/inet_sock_set_state']);
  assert.equal(trace.code, 2);
  assert.match(trace.err, /unexpected argument '==' \(a trace event filter is one argument: quote it/);
});

test('property: any word list compiles as its space-joined string', async () => {
  const word = fc.constantFrom(
    'tcp',
    'udp',
    'port',
    '80',
    'and',
    'or',
    'not',
    'host',
    '10.0.0.1',
    'ip6',
    'dst',
    'src',
  );
  await fc.assert(
    fc.asyncProperty(fc.array(word, { minLength: 2, maxLength: 6 }), async (ws) => {
      const a = await tfc(['compile', '--lang', 'pcap', ...ws]);
      const b = await tfc(['compile', '--lang', 'pcap', ws.join(' ')]);
      assert.deepEqual(a, b);
    }),
    { numRuns: 40 },
  );
});

test('-F misuse is a usage error: trace filters, with a filter argument, with --filter-file', async (t) => {
  const dir = tempFiles(t);
  const f = join(dir, 'plain.pcap');
  const trace = await tfc(['check', 'a == 1', '--event', 'sock/inet_sock_set_state', '-F', f]);
  assert.equal(trace.code, 2);
  const compileTrace = await tfc(['compile', '-F', f, '--event', 'sock/inet_sock_set_state']);
  assert.equal(compileTrace.code, 2);
  assert.match(compileTrace.err, /-F reads a pcap filter \(with --lang pcap\)/);
  const both = await tfc(['compile', '--lang', 'pcap', '-F', f, 'tcp']);
  assert.equal(both.code, 2);
  assert.match(both.err, /not both/);
  const two = await tfc(['compile', '--lang', 'pcap', '-F', f, '--filter-file', f]);
  assert.equal(two.code, 2);
  const missing = await tfc(['compile', '--lang', 'pcap', '-F', join(dir, 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read .*nope: no such file or directory/);
});
