// IR text in user words (ir-words.ts): the backends' refusals quote IR leaves; the user reads expressions. Checked
// on the messages of real refusals (u32, flower, P4 on pcap and trace filters) and as a property over random IR
// predicates printed by @tfc/ir's printer: the rewrite leaves no IR syntax behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printPred } from '@tfc/ir';
import { predArb } from '@tfc/testkit/ir';
import fc from 'fast-check';
import { irInUserWords } from '../src/api/ir-words.ts';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const IR_SYNTAX = /\((?:load|eq|ne|gt|ge|lt|le|in|str|fixed|dataloc|relloc|ptr) |\b[us][1248](?:le|be)\b/;

test('examples: loads as proto[offset:size], operators infix, strings as the filter language writes them', () => {
  assert.equal(
    irInUserWords(
      "u32 cannot express arithmetic '+': (gt u4 (+ (load packet 16 u2be) 1) 100); use --target tc-bpf",
    ),
    "u32 cannot express arithmetic '+': `packet[16:2] + 1 > 100`; use --target tc-bpf",
  );
  assert.equal(
    irInUserWords('cannot: (in u2 (load record 8 u2le) {1 2 3}) [p4-x]'),
    'cannot: `record[8:2 le] in {1, 2, 3}` [p4-x]',
  );
  assert.equal(
    irInUserWords('m: (str middle "sh" (fixed packet 38 16) pastnul)'),
    'm: `the char[16] at packet byte 38 ~ "*sh*"`',
  );
  assert.equal(irInUserWords('m: (set u4 (load packet 47 u1be) 2)'), 'm: `packet[47:1] & 2 != 0`');
  // Not IR: left as it is (a user's filter in parentheses, an unbalanced text).
  for (const s of ['filter: (a == 1) && b', 'x: (eq u4', 'plain message', 'note: (the kernel says so)'])
    assert.equal(irInUserWords(s), s);
});

test('property: printed IR leaves quoted in a message leave no IR syntax after the rewrite', () => {
  fc.assert(
    fc.property(predArb, (leaf) => {
      const msg = `u32 cannot express this: ${printPred(leaf)}; use --target tc-bpf`;
      const out = irInUserWords(msg);
      assert.doesNotMatch(out, IR_SYNTAX, `${msg}\n→ ${out}`);
      assert.ok(out.endsWith('; use --target tc-bpf'));
    }),
  );
});

test('the refusals users meet read as expressions (stderr and --json)', async () => {
  for (const args of [
    ['--lang', 'pcap', 'ip[2:2] + 1 > 100', '--target', 'u32', '--dev', 'eth0'],
    ['--lang', 'pcap', 'ip[2:2] + 1 > 100', '--target', 'flower', '--dev', 'eth0'],
    ['--lang', 'pcap', 'ip[2:2] * 3 = 9', '--target', 'p4'],
    ['--lang', 'pcap', 'ether[100] = 1', '--target', 'p4'],
    ['comm ~ "*sh*"', '--event', 'sched/sched_process_exec', '--source', 'bundled', '--target', 'p4'],
    ['filename ~ "*sh*"', '--event', 'sched/sched_process_exec', '--source', 'bundled', '--target', 'u32'],
  ]) {
    for (const json of [false, true]) {
      const io = memoryIo();
      const code = await main(['compile', ...args, ...(json ? ['--json'] : [])], io);
      assert.equal(code, 1, args.join(' '));
      const text = json ? io.stdout() : io.stderr();
      assert.doesNotMatch(text, IR_SYNTAX, `${args.join(' ')}: ${text}`);
      assert.match(text, /`[^`]+`/, `${args.join(' ')} quotes the expression`);
    }
  }
});
