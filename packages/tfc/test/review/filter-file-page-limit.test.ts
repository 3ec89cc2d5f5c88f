// Defect R1: `tfc check` claims to print byte for byte what the event's filter file shows, but for a rejected
// filter of about 4 KB the kernel's rendering is cut: the error text is built in a trace_seq (a buffer of two
// pages minus its header, 8156 bytes on x86-64) whose printf calls are all-or-nothing, so the caret line and the
// parse_error line are dropped when they do not fit. Observed on Linux 6.18 (this machine): 'a' x 4065 shows the
// filter and the caret line only; 'a' x 4080 shows the filter alone; 'a' x 4060 shows all three lines.
// tfc renders all three lines for every length below 4096. Owner: packages/tracefs/src/errors.ts
// (renderFilterFile).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelFilterFile, kernelUnavailable, tfc, UPROBE_FORMAT } from './helpers.ts';

const EVENT = 'sock/inet_sock_set_state';

/** What the kernel showed for an unknown field name of n letters (read back from Linux 6.18.44). */
function kernelShows(n: number): string {
  const f = 'a'.repeat(n);
  const caret = `${' '.repeat(n)}^`;
  if (n <= 4060) return `${f}\n${caret}\nparse_error: Field not found\n\n`;
  if (n <= 4075) return `${f}\n${caret}\n`;
  return `${f}\n`;
}

test('R1 control: a 4060-byte rejected filter is rendered whole, as the kernel does', async () => {
  const r = await tfc(['check', 'a'.repeat(4060), '--format', UPROBE_FORMAT]);
  assert.equal(r.code, 1);
  assert.equal(r.out, kernelShows(4060));
});

test('R1: check renders a ~4 KB rejected filter as the kernel cuts it (caret and message dropped)', async () => {
  for (const n of [4065, 4080, 4095]) {
    const r = await tfc(['check', 'a'.repeat(n), '--format', UPROBE_FORMAT]);
    assert.equal(r.code, 1, `n=${n}`);
    const want = kernelShows(n);
    assert.ok(
      r.out === want,
      `n=${n}: tfc prints ${r.out.length} bytes, the kernel's file shows ${want.length}`,
    );
  }
});

test('R1 live: check agrees with the running kernel on long rejected filters', async (t) => {
  const why = kernelUnavailable(EVENT);
  if (why !== null) return t.skip(why);
  for (const filter of ['a'.repeat(4065), 'a'.repeat(4080), `family == 1 && ${'('.repeat(4070)}`]) {
    const k = kernelFilterFile(EVENT, filter);
    const r = await tfc(['check', '--filter-file', 'f', '--event', EVENT, '--source', 'live'], { f: filter });
    const same = r.out === k.filterFile;
    assert.ok(same, `${filter.length}-byte filter: tfc ${r.out.length} bytes, kernel ${k.filterFile.length}`);
  }
});
