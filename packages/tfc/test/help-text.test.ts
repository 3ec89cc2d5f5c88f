// Help layout (help-text.ts, args.ts renderHelp, top-help.ts): every command's --help fitted at 80 and 100 columns
// keeps every word in order (nothing cut, only moved to the next line) and fits, except what must stay whole
// (commands to copy, their output, table rows); as a property, fitLines does the same on random text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { renderHelp } from '../src/cli/args.ts';
import { commands } from '../src/cli/commands.ts';
import { fitLines, wrapWords } from '../src/cli/help-text.ts';

const words = (s: string) => s.split(/\s+/).filter((w) => w !== '');
const whole = (l: string) => /^\s*\$ |^usage: |^ {7}tfc /.test(l) || /\S {3,}\S/.test(l);

test('every command help at 80 and 100 columns: the same words in the same order, lines that fit', () => {
  for (const width of [80, 100])
    for (const c of commands)
      for (const spec of c.specs) {
        const raw = `usage: ${spec.usage}\n\n${spec.summary}\n\n${spec.help.trimEnd()}\n`;
        const fitted = renderHelp(spec, width);
        assert.deepEqual(words(fitted), words(raw), `${spec.name} at ${width}: words kept`);
        let example = false;
        for (const l of fitted.split('\n')) {
          if (/^\s*\$ /.test(l)) example = true;
          else if (l.trim() === '') example = false;
          if (!example && !whole(l) && !words(l).some((w) => w.length > width - 30))
            assert.ok(l.length <= width, `${spec.name} at ${width}: ${l}`);
        }
      }
});

test('property: fitLines keeps the words and fits prose to the width', () => {
  const word = fc.stringMatching(/^[a-z]{1,12}$/);
  const line = fc.tuple(fc.nat({ max: 30 }), fc.array(word, { minLength: 1, maxLength: 30 }));
  fc.assert(
    fc.property(
      fc.array(line, { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 60, max: 120 }),
      (ls, width) => {
        const text = ls.map(([indent, ws]) => `${' '.repeat(indent)}${ws.join(' ')}`).join('\n');
        const out = fitLines(text, width);
        assert.deepEqual(words(out), words(text));
        for (const l of out.split('\n')) assert.ok(l.length <= width, `${width}: ${l}`);
      },
    ),
  );
});

test('wrapWords: breaks only at spaces; a word longer than the line stays whole', () => {
  assert.deepEqual(wrapWords('aaa bbb ccc', 7, 0), ['aaa bbb', 'ccc']);
  assert.deepEqual(wrapWords('x '.repeat(3) + 'y'.repeat(20), 10, 2), ['x x x', 'y'.repeat(20)]);
});
