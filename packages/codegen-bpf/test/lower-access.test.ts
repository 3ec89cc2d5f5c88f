// The lowering's access decisions (src/lower/access.ts): how each record load is served on a tracepoint, where a
// packet load lands or why it aborts, where a fixed-size string's bytes come from, and the one diagnostic text
// each refusal has on every BPF target.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arith, FRAME_RECORD_OFFSET, konst, load } from '@tfc/ir';
import type { Load } from '../src/lower/access.ts';
import { arraySource, dataLocWord, MAX_PKT_OFF, packetRead, recordRead } from '../src/lower/access.ts';

const ld = (...a: Parameters<typeof load>) => load(...a) as Load;
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('recordRead: pid by helper, the event id as a constant (sign-extended when asked), ctx or probe reads', () => {
  assert.deepEqual(recordRead(ld('record', 4, 4, 'le'), 'tracepoint', {}), { kind: 'pid', signed: false });
  assert.deepEqual(recordRead(ld('record', 4, 4, 'le', true), 'tracepoint', {}), {
    kind: 'pid',
    signed: true,
  });
  assert.deepEqual(recordRead(ld('record', 0, 2, 'le'), 'tracepoint', { commonType: 0x8001 }), {
    kind: 'const',
    value: 0x8001n,
  });
  assert.deepEqual(recordRead(ld('record', 0, 2, 'le', true), 'tracepoint', { commonType: 0x8001 }), {
    kind: 'const',
    value: 0xffff_ffff_ffff_8001n,
  });
  assert.deepEqual(recordRead(ld('record', 16, 4, 'le'), 'tracepoint', {}), { kind: 'ctx', offset: 16 });
  assert.deepEqual(recordRead(ld('record', 18, 4, 'be'), 'tracepoint', {}), { kind: 'probe', offset: 18 });
});

test('recordRead: the common header, computed offsets and packet contexts are refused with one text', () => {
  assert.throws(() => recordRead(ld('record', 0, 2, 'le'), 'tracepoint', {}), code('record-header'));
  assert.throws(
    () => recordRead(ld('record', 2, 1, 'le'), 'tracepoint', {}),
    (e: unknown) => /common_flags \/ common_preempt_count/.test((e as Error).message),
  );
  assert.throws(
    () => recordRead(ld('record', arith('+', konst(8n), konst(1n)), 1, 'le'), 'tracepoint', {}),
    code('record-computed-offset'),
  );
  assert.throws(() => recordRead(ld('record', 16, 4, 'le'), 'packet', {}), code('base'));
});

test('packetRead: absolute offsets (frames shifted by the trace header), aborts past 0xffff, computed limits', () => {
  assert.deepEqual(packetRead(ld('packet', 12, 2, 'be'), 'packet'), { kind: 'fixed', k: 12 });
  assert.deepEqual(packetRead(ld('frame', 4, 4, 'le'), 'trace-frame'), {
    kind: 'fixed',
    k: 4 + FRAME_RECORD_OFFSET,
  });
  assert.deepEqual(packetRead(ld('packet', MAX_PKT_OFF - 1, 2, 'be'), 'packet'), { kind: 'abort' });
  assert.deepEqual(packetRead(ld('packet', MAX_PKT_OFF - 2, 2, 'be'), 'packet'), {
    kind: 'fixed',
    k: 0xfffd,
  });
  const off = ld('packet', 14, 1, 'be');
  assert.deepEqual(packetRead(ld('frame', off, 4, 'be'), 'trace-frame'), {
    kind: 'computed',
    offset: off,
    base: FRAME_RECORD_OFFSET,
    limit: MAX_PKT_OFF - 4 - FRAME_RECORD_OFFSET,
  });
  assert.throws(() => packetRead(ld('packet', 12, 2, 'be'), 'tracepoint'), code('base'));
});

test('arraySource: comm, record arrays past the header, packet arrays that fit or not', () => {
  assert.deepEqual(arraySource({ kind: 'comm' }, 'tracepoint'), { kind: 'comm', n: 16 });
  assert.deepEqual(arraySource({ kind: 'fixed', base: 'record', offset: 8, size: 16 }, 'tracepoint'), {
    kind: 'record',
    offset: 8,
    n: 16,
  });
  assert.deepEqual(arraySource({ kind: 'fixed', base: 'frame', offset: 8, size: 16 }, 'trace-frame'), {
    kind: 'packet',
    k: 8 + FRAME_RECORD_OFFSET,
    n: 16,
    fits: true,
  });
  assert.equal(
    arraySource({ kind: 'fixed', base: 'packet', offset: 0xfff8, size: 16 }, 'packet').kind,
    'packet',
  );
  assert.deepEqual(
    (arraySource({ kind: 'fixed', base: 'packet', offset: 0xfff8, size: 16 }, 'packet') as { fits: boolean })
      .fits,
    false,
  );
  assert.throws(() => arraySource({ kind: 'comm' }, 'trace-frame'), code('comm'));
  assert.throws(
    () => arraySource({ kind: 'fixed', base: 'record', offset: 4, size: 4 }, 'tracepoint'),
    code('record-header'),
  );
  assert.throws(
    () => arraySource({ kind: 'fixed', base: 'record', offset: 8, size: 4 }, 'packet'),
    code('base'),
  );
  assert.throws(
    () => arraySource({ kind: 'fixed', base: 'packet', offset: 8, size: 4 }, 'tracepoint'),
    code('base'),
  );
});

test('dataLocWord: the descriptor word, and the start made absolute (frame header, __rel_loc end)', () => {
  const src = { kind: 'dataloc', base: 'frame', offset: 8, order: 'le', rel: true } as const;
  assert.deepEqual(dataLocWord(src, 'frame'), {
    word: { kind: 'load', base: 'frame', offset: 8, width: 4, order: 'le', signed: false },
    add: FRAME_RECORD_OFFSET + 12,
  });
  assert.equal(dataLocWord({ ...src, rel: false }, 'record').add, 0);
});
