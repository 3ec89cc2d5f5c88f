// The capture record contract has two readers of the same bytes that may not import each other: the compiler's skb
// programs write it (@tfc/codegen-bpf REC) and the capture session decodes it (@tfc/kernel/skb RECORD). Every field
// sits at the same offset on both sides, the header is 88 bytes, and the word at 84 is the --path verdict.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REC } from '@tfc/codegen-bpf';
import { RECORD, RECORD_HEADER_SIZE } from '@tfc/kernel/skb';

test('the capture record: writer (codegen-bpf REC) and reader (kernel/skb RECORD) agree on every offset', () => {
  const writerName: Record<string, string> = { len: 'pktLen', caplen: 'capLen' };
  const reader = Object.entries(RECORD).map(([k, v]) => [writerName[k] ?? k, v] as const);
  assert.deepEqual(Object.fromEntries(reader), { ...REC });
  assert.equal(RECORD_HEADER_SIZE, REC.data);
  assert.equal(REC.data, 88);
});
