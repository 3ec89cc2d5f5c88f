// Shell completion (completion.ts, `tfc completion`): every command and every option of the parser's tables is in
// both scripts, the scripts are valid shell (bash -n, zsh -n), and bash completes as a user types (the script is
// sourced and its function run on COMP_WORDS, as bash-completion does).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { commands } from '../src/cli/commands.ts';
import { commandOptions } from '../src/cli/completion.ts';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

async function tfc(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const has = (tool: string) => spawnSync(tool, ['-c', 'exit 0']).status === 0;

test('every command and every option (long and short) appears in the bash and zsh scripts', async () => {
  const bash = (await tfc(['completion', 'bash'])).out;
  const zsh = (await tfc(['completion', 'zsh'])).out;
  for (const c of commands) {
    assert.match(bash, new RegExp(`\\n    ${c.name}\\)\\n`), `bash: ${c.name}`);
    assert.match(zsh, new RegExp(`\\n    '${c.name}:`), `zsh: ${c.name}`);
    const opts = commandOptions(c);
    const names = c.specs.flatMap((s) => Object.keys(s.options));
    for (const n of names)
      assert.ok(
        opts.some((o) => o.long === n),
        `${c.name} --${n}`,
      );
    const bashCase = bash.slice(bash.indexOf(`\n    ${c.name})\n`)).split('\n      ;;')[0] as string;
    const zshFn = zsh.slice(zsh.indexOf(`_tfc_cmd_${c.name}() {`)).split('\n}')[0] as string;
    for (const o of opts) {
      assert.ok(
        bashCase.includes(` --${o.long}`) || bashCase.includes(`'--${o.long}`),
        `bash ${c.name} --${o.long}`,
      );
      assert.ok(zshFn.includes(`--${o.long}`), `zsh ${c.name} --${o.long}`);
      if (o.short) {
        assert.ok(bashCase.includes(` -${o.short}`), `bash ${c.name} -${o.short}`);
        assert.ok(zshFn.includes(`-${o.short},`), `zsh ${c.name} -${o.short}`);
      }
    }
  }
  const unknown = await tfc(['completion', 'fsh']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown shell 'fsh' \(bash or zsh\); did you mean 'zsh'\?/);
});

test('bash -n accepts the bash script; sourced, it completes commands, options and files', {
  skip: has('bash') ? false : 'bash is not installed',
}, async () => {
  const script = (await tfc(['completion', 'bash'])).out;
  assert.equal(spawnSync('bash', ['-n'], { input: script }).status, 0);
  const complete = (words: string[]) => {
    const cword = words.length - 1;
    const prog = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${cword}; _tfc; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', prog], { encoding: 'utf8', cwd: '/' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '');
  };
  assert.deepEqual(complete(['tfc', 'comp']), ['compile', 'completion']);
  assert.deepEqual(complete(['tfc', 'compile', '--tar']), ['--target']);
  assert.ok(complete(['tfc', 'check', '-']).includes('--event'));
  assert.ok(complete(['tfc', 'compile', '-o', 'e']).includes('etc'), 'files after -o');
  assert.deepEqual(complete(['tfc', 'compile', '--target', 'x']), [], 'free values complete nothing');
});

test('zsh -n accepts the zsh script', {
  skip: has('zsh') ? false : 'zsh is not installed (apt-get install zsh)',
}, async () => {
  const script = (await tfc(['completion', 'zsh'])).out;
  const r = spawnSync('zsh', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
