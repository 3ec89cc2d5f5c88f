// Reading `tc -s class show` text (iproute2 6.1 prints htb classes as text even with -j) and the filter hooks of a
// classful qdisc (`parent 1:`) in the undo lines of a batch. Pure: no tc runs here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClassShow } from '../src/classes.ts';
import { hookArgs, hookWords, undoLine } from '../src/tc.ts';

const HTB = `class htb 1:10 parent 1:1 prio 0 rate 300Kbit ceil 400Kbit burst 1599b cburst 1600b 
 Sent 45120 bytes 480 pkt (dropped 0, overlimits 12 requeues 0) 
 backlog 0b 0p requeues 0
 lended: 480 borrowed: 0 giants: 0
 tokens: 666656 ctokens: 500000

class htb 1:1 root rate 400Kbit ceil 400Kbit burst 1600b cburst 1600b 
 Sent 104528 bytes 1112 pkt (dropped 0, overlimits 0 requeues 0) 
 backlog 0b 0p requeues 0

class htb 1:20 parent 1:1 leaf 20: prio 0 rate 16Kbit ceil 400Kbit burst 1600b cburst 1600b 
 Sent 59408 bytes 632 pkt (dropped 808, overlimits 40 requeues 0) 
 backlog 1880b 20p requeues 0
`;

test('parseClassShow: classid, parent, leaf and counters of every class', () => {
  const c = parseClassShow(HTB);
  assert.deepEqual(
    c.map((x) => [x.kind, x.classid, x.parent, x.leaf, x.packets, x.bytes, x.drops, x.overlimits, x.backlog]),
    [
      ['htb', '1:10', '1:1', undefined, 480n, 45120n, 0n, 12n, 0n],
      ['htb', '1:1', 'root', undefined, 1112n, 104528n, 0n, 0n, 0n],
      ['htb', '1:20', '1:1', '20:', 632n, 59408n, 808n, 40n, 20n],
    ],
  );
  assert.deepEqual(parseClassShow(''), []);
  assert.deepEqual(parseClassShow('garbage\n Sent 1 bytes 1 pkt (dropped 1, overlimits 0 requeues 0)\n'), []);
});

test('filter hooks: a direction or a parent, and batch lines under a parent undo by prio', () => {
  assert.deepEqual(hookArgs('egress'), ['egress']);
  assert.deepEqual(hookArgs({ parent: '1:' }), ['parent', '1:']);
  assert.equal(hookWords({ parent: '1:10' }), 'parent 1:10');
  assert.deepEqual(
    undoLine(
      'filter add dev veth0 parent 1: protocol 0x88b5 prio 4 handle ::1 u32 match u32 0 0 at 0 classid 1:10',
    ),
    {
      ok: true,
      undo: 'filter del dev veth0 parent 1: protocol 0x88b5 prio 4',
    },
  );
});
