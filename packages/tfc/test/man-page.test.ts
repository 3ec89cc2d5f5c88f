// The man page (man-page.ts, `tfc man`): docs/tfc.1 is exactly what `tfc man` generates (rewrite it with
// `pnpm run man`), it holds every command's usage, options and examples, and groff/man render it without warnings.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commands } from '../src/cli/commands.ts';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { troffText } from '../src/cli/man-page.ts';

const PAGE = fileURLToPath(new URL('../../../docs/tfc.1', import.meta.url));

async function page(): Promise<string> {
  const io = memoryIo();
  assert.equal(await main(['man'], io), 0);
  return io.stdout();
}

test('docs/tfc.1 is the generated page (pnpm run man rewrites it)', async () => {
  assert.equal(readFileSync(PAGE, 'utf8'), await page(), 'docs/tfc.1 is stale: run pnpm run man');
});

test('the page has a section per command with its usage, option names and examples', async () => {
  const text = await page();
  for (const c of commands) {
    assert.ok(text.includes(`\n.SS ${c.name}\n`), c.name);
    for (const s of c.specs) {
      assert.ok(text.includes(troffText(`usage: ${s.usage.split('\n')[0]}`)), `${c.name} usage`);
      for (const o of Object.keys(s.options))
        assert.ok(text.includes(`\\-\\-${o.replace(/-/g, '\\-')}`), `${c.name} --${o}`);
    }
  }
  assert.ok(
    !/^['.](?!\\"|TH|SH|SS|PP|nf|fi|TP|B |I |BR|br)/m.test(text),
    'no text line starts with a control character',
  );
});

test('troffText escapes what troff would read as syntax', () => {
  assert.equal(troffText('.start'), '\\&.start');
  assert.equal(troffText("'quote"), "\\&'quote");
  assert.equal(troffText('a\\b -x'), 'a\\eb \\-x');
  assert.equal(troffText('→'), '\\[u2192]');
});

const groff = spawnSync('groff', ['-v'], { encoding: 'utf8' }).status === 0;

test('groff -man renders the page without warnings; man -l formats it', {
  skip: groff ? false : 'groff is not installed',
}, async () => {
  const text = await page();
  const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '', 'no troff warnings');
  const out = spawnSync('groff', ['-man', '-Tutf8'], { input: text, encoding: 'utf8' }).stdout;
  assert.match(out, /NAME/);
  assert.match(out, /tfc compile --lang pcap tcp dst port 80/);
  const man = spawnSync('man', ['-l', PAGE], {
    encoding: 'utf8',
    env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '80' },
  });
  if (man.status === 0) assert.match(man.stdout, /COMMANDS/);
});
