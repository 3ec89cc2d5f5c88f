// tfc trace --dev IF (an existing interface): what becomes of each frame sent through IF's qdisc, counted — sent,
// dropped by the queue (ENOBUFS), dropped with the socket buffer full (EAGAIN), other errors — with sends that never
// block, and the summary words with per-class figures. The socket is the fake syscall layer: no kernel here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERRNO, fakeSyscalls, PACKET } from '@tfc/kernel/sys';
import {
  classDeltas,
  DeviceSender,
  ENOBUFS,
  SEND_BUFFER_BYTES,
  sendSummary,
} from '../src/cli/trace/device-send.ts';

test('DeviceSender: non-blocking sends, a large send buffer, every outcome counted', async () => {
  const outcomes = [0, ENOBUFS, 0, ERRNO.EAGAIN, ENOBUFS, 100 /* ENETDOWN */];
  let i = 0;
  const sys = fakeSyscalls((call) => {
    if (call.name !== 'send') return undefined;
    const e = outcomes[i++] ?? 0;
    return e === 0 ? { ok: true, value: call.data.length } : { ok: false, errno: e };
  });
  // A device name tc does not know: no classes, no per-class figures.
  const o = await DeviceSender.open(sys, 'tfcnosuchdev0', 7);
  assert.ok(o.ok);
  for (let k = 0; k < outcomes.length; k++) o.sender.send(new Uint8Array(60));
  const sends = sys.calls.filter((c) => c.name === 'send');
  assert.equal(sends.length, 6);
  assert.ok(
    sends.every((c) => c.name === 'send' && (c.flags & PACKET.MSG_DONTWAIT) !== 0),
    'never blocks',
  );
  const opt = sys.calls.find((c) => c.name === 'setsockopt');
  assert.ok(opt && opt.name === 'setsockopt');
  assert.equal(new DataView(opt.optval.buffer).getInt32(0, true), SEND_BUFFER_BYTES);
  assert.deepEqual(
    { ...o.sender.counts, errors: [...o.sender.counts.errors] },
    { sent: 2, queueDrops: 2, bufferDrops: 1, errors: [['ENETDOWN', 1]] },
  );
  assert.equal(
    o.sender.summary(),
    "tfcnosuchdev0: 2 frames sent, 2 dropped by tfcnosuchdev0's queue (ENOBUFS), 1 dropped with the socket's send buffer full (EAGAIN), 1 failed with ENETDOWN",
  );
  o.sender.close();
  o.sender.close();
  o.sender.send(new Uint8Array(60));
  assert.equal(sys.calls.filter((c) => c.name === 'close').length, 1, 'closed once; no send after close');
  assert.equal(sys.calls.filter((c) => c.name === 'send').length, 6);
});

test('classDeltas and sendSummary: leaf classes that moved, with what they still hold', () => {
  const cls = (classid: string, parent: string, packets: bigint, drops: bigint, backlog = 0n) => ({
    kind: 'htb',
    classid,
    parent,
    packets,
    bytes: 0n,
    drops,
    overlimits: 0n,
    backlog,
  });
  const before = [cls('1:1', 'root', 10n, 0n), cls('1:10', '1:1', 5n, 0n), cls('1:20', '1:1', 5n, 1n)];
  const after = [
    cls('1:1', 'root', 110n, 0n),
    cls('1:10', '1:1', 45n, 0n),
    cls('1:20', '1:1', 65n, 31n, 20n),
    cls('1:30', '1:1', 0n, 0n),
  ];
  const d = classDeltas(before, after);
  assert.deepEqual(d, [
    { classid: '1:10', sent: 40n, drops: 0n, backlog: 0n },
    { classid: '1:20', sent: 60n, drops: 30n, backlog: 20n },
  ]);
  assert.equal(
    sendSummary('veth0', { sent: 120, queueDrops: 30, bufferDrops: 0, errors: new Map() }, d),
    "veth0: 120 frames sent, 30 dropped by veth0's queue (ENOBUFS) [class 1:10: sent 40, dropped 0; class 1:20: sent 60, dropped 30, 20 still queued]",
  );
});
