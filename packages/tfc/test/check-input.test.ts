// `tfc check` / `tfc eval` on inputs a user can feed them by file: NUL bytes, bytes that are not UTF-8, and
// records far larger than any trace record. Expected renderings of NUL-carrying filters are what the Linux 6.18
// kernel showed in the filter file after the same writes (the kernel reads a filter up to its first NUL).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const FORMAT = join(new URL('.', import.meta.url).pathname, 'fixtures/uprobe-pv.format');

async function tfc(args: string[], files: Record<string, string> = {}) {
  const io = memoryIo(files);
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-input-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('check shows the stored filter: cut at the first NUL, trailing blanks stripped (as the kernel showed)', async () => {
  for (const [written, shown] of [
    ['a8 == 1\0xyz', 'a8 == 1\n'],
    ['a8 == 1  \n\0 xyz  ', 'a8 == 1\n'],
    ['a8 == 1 &&\0 a8 == 2', 'a8 == 1 &&\n'],
  ] as const) {
    // (the earlier 6.18.44 build, which ignored the trailing "&&" the NUL leaves)
    const r = await tfc(['check', '--filter-file', 'f', '--format', FORMAT, '-k', '6.18-v669'], {
      f: written,
    });
    assert.deepEqual(r, { code: 0, out: shown, err: '' }, JSON.stringify(written));
  }
  const today = await tfc(['check', '--filter-file', 'f', '--format', FORMAT, '-k', '6.18'], {
    f: 'a8 == 1 &&\0 a8 == 2',
  });
  assert.equal(today.out, `a8 == 1 &&\n${' '.repeat(10)}^\nparse_error: Meaningless filter expression\n\n`);
  const nothing = await tfc(['check', '--filter-file', 'f', '--format', FORMAT], { f: '\0a8 == 1' });
  assert.deepEqual(nothing, { code: 1, out: '\nError: (0)\n\n', err: '' });
  const bad = await tfc(['check', '--filter-file', 'f', '--format', FORMAT], { f: 'a8 = 1\0zz' });
  assert.deepEqual(bad, { code: 1, out: 'a8 = 1\n    ^\nparse_error: Invalid operator\n\n', err: '' });
});

test('a filter file that is not UTF-8 is refused with its byte offset (exit 2), not re-encoded', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'garbage');
    // 3,000 bytes: the kernel would parse them; re-encoded as UTF-8 they would pass 4,096 bytes.
    const bytes = Buffer.alloc(3000, 0xff);
    Buffer.from('a8 == 1 ').copy(bytes);
    writeFileSync(f, bytes);
    for (const cmd of ['check', 'eval', 'compile']) {
      const extra = cmd === 'eval' ? ['--records', 'r'] : [];
      const r = await tfc([cmd, '--filter-file', f, '--format', FORMAT, ...extra], { r: '{}' });
      assert.equal(r.code, 2, `${cmd}: ${r.err}`);
      assert.equal(r.out, '');
      assert.equal(r.err, `tfc: ${f}: byte 8 is not UTF-8; filters are read as UTF-8 text\n`);
    }
    writeFileSync(f, 'a8 == 1 && str == "é"');
    assert.equal((await tfc(['check', '--filter-file', f, '--format', FORMAT])).code, 0);
  });
});

test('eval on huge records: a 10 MB raw record is judged, a megabyte-long integer is a short diagnostic', async () => {
  const raw = await tfc(['eval', 'a8 == 0', '--format', FORMAT, '--records', 'r'], {
    r: `{"raw": "${'00'.repeat(10_000_000)}"}\n`,
  });
  assert.deepEqual(raw, { code: 0, out: '1\n', err: '' });
  const int = await tfc(['eval', 'a8 == 0', '--format', FORMAT, '--records', 'r'], {
    r: `{"a32": "${'9'.repeat(1_000_000)}"}\n`,
  });
  assert.equal(int.code, 2);
  assert.equal(
    int.err,
    "tfc: r:1: field 'a32': value of 1000000 characters out of range for a 4-byte field\n",
  );
  const odd = await tfc(['eval', 'a8 == 0', '--format', FORMAT, '--records', 'r'], {
    r: `{"raw": "${'0'.repeat(2_000_001)}"}\n`,
  });
  assert.equal(odd.code, 2);
  assert.match(odd.err, /^tfc: r:1: field 'raw': expected a hex string of whole bytes\n$/);
});

test("check --help's worked example prints what check prints", async () => {
  const help = (await tfc(['check', '--help'])).out;
  const m = /\$ tfc check 'famly == 2' --event sock\/inet_sock_set_state\n((?: {2}(?!\$).*\n)+)/.exec(help);
  assert.ok(m, help);
  const expected = (m[1] as string).replace(/^ {2}/gm, '');
  const r = await tfc(['check', 'famly == 2', '--event', 'sock/inet_sock_set_state', '--source', 'bundled']);
  assert.equal(`${r.out.trimEnd()}\n`, expected);
});
