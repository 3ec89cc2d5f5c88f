// The progress line of long compiles (progress.ts): drawn on a terminal only, after the delay, and erased before
// the command's output; never on a pipe. The terminal is a real pseudo-terminal (util-linux `script`), the command
// the real `tfc` process; TFC_PROGRESS_AFTER_MS shortens the delay so that a compile of about a second shows it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { memoryIo } from '../src/cli/io.ts';
import { withProgress } from '../src/cli/progress.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(root, 'packages/tfc/src/cli/bin.ts');
const hasScript = spawnSync('script', ['--version']).status === 0;

/** A pcap chain of n hosts: long enough to compile for a while. */
const chain = (n: number) =>
  Array.from({ length: n }, (_, i) => `host 10.0.${i >> 8}.${i & 255}`).join(' or ');

test('withProgress: an Io without a terminal runs the command as it is', async () => {
  const io = memoryIo();
  const code = await withProgress(io, 'compiling', (x) => {
    assert.equal(x, io, 'the same Io: nothing wrapped, no worker');
    x.out('done\n');
    return 0;
  });
  assert.equal(code, 0);
  assert.equal(io.stdout(), 'done\n');
});

test('withProgress: stopped before the first output and when the command throws', async () => {
  const events: string[] = [];
  const io = {
    ...memoryIo(),
    startProgress: () => () => events.push('stop'),
    out: (t: string) => events.push(`out ${t}`),
  };
  await withProgress(io, 'x', (q) => {
    q.out('a');
    return 0;
  });
  assert.deepEqual(events.slice(0, 2), ['stop', 'out a']);
  await assert.rejects(
    withProgress(io, 'x', () => {
      throw new Error('boom');
    }),
  );
  assert.equal(events.at(-1), 'stop');
});

test('on a terminal a long compile shows tfc: compiling… and erases it; on a pipe nothing', {
  skip: hasScript ? false : 'util-linux script is not installed (no pseudo-terminal)',
}, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tfc-progress-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const filter = join(dir, 'big.pcap');
  writeFileSync(filter, chain(1500));
  const out = join(dir, 'out.txt');
  const cmd = `node --import tsx ${BIN} compile --lang pcap -F ${filter} -o ${out}`;
  const env = { ...process.env, TFC_PROGRESS_AFTER_MS: '100' };
  const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', cwd: root, env });
  assert.equal(tty.status, 0, tty.stderr);
  assert.match(tty.stdout, /\rtfc: compiling… \d+\.\d s/, 'the progress line');
  assert.match(tty.stdout, /\r +\r/, 'erased');
  assert.match(readFileSync(out, 'utf8'), /^\(000\) ldh/);
  const pipe = spawnSync('node', ['--import', 'tsx', BIN, 'compile', '--lang', 'pcap', '-F', filter], {
    encoding: 'utf8',
    cwd: root,
    env,
  });
  assert.equal(pipe.status, 0);
  assert.equal(pipe.stderr, '', 'no progress off a terminal');
  assert.match(pipe.stdout, /^\(000\) ldh/);
});
