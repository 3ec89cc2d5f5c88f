// The running kernel's dialect, probed live: its answers match a profile (or the suite says which behaviour is
// new), tfc renders every probe write byte for byte as the kernel's filter file shows it, the probe instance is
// gone afterwards, and a second probe comes from the per-boot cache. Skips with the reason without root/tracefs.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { locateTracefs, probeFilterWrites, readEventFormatText } from '@tfc/kernel/tracefs';
import {
  DIALECT_PROBES,
  PROBE_EVENT,
  parseFilter,
  parseFormat,
  probeDialect,
  renderAcceptedFilterFile,
  renderFilterFile,
} from '@tfc/tracefs';

test('live dialect probe: answers match a profile and tfc renders each probe as the kernel does', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (tracefs writes)');
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return t.skip(root.reason);
  const filters = DIALECT_PROBES.map((p) => p.filter);
  const before = readdirSync(`${root.path}/instances`);
  const r = probeFilterWrites(root.path, PROBE_EVENT, filters, { cache: false });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  t.diagnostic(`probed ${r.answers.length} writes in ${r.ms.toFixed(1)} ms on ${r.release}`);
  const d = probeDialect(() => r);
  assert.ok(d.ok);
  t.diagnostic(`kernel dialect: ${d.dialect.name} (${d.matched ?? 'no profile'}) ${d.notes.join('; ')}`);
  assert.notEqual(d.matched, null, `the running kernel matches no profile: ${d.notes.join('; ')}`);
  const text = readEventFormatText(PROBE_EVENT.system, PROBE_EVENT.name, { root: root.path });
  assert.ok(text.ok);
  const live = parseFormat(text.text, PROBE_EVENT);
  assert.ok(live.ok);
  for (const a of r.answers) {
    const p = parseFilter(a.filter, live.event, { nrCpuIds: 2, dialect: d.dialect });
    assert.equal(p.ok, a.accepted, `${a.filter.trimEnd()}: kernel ${a.accepted ? 'accepted' : a.errno}`);
    if (!p.ok && p.error.tooLong) continue; // the file still shows the previous filter
    assert.equal(p.ok ? renderAcceptedFilterFile(p.filter) : renderFilterFile(p.error), a.fileText, a.filter);
    if (!p.ok) assert.equal(p.error.errno, a.errno);
  }
  // The instance is removed (asynchronously: wait for the RCU grace period).
  for (let i = 0; i < 50 && readdirSync(`${root.path}/instances`).length > before.length; i++)
    await new Promise((res) => setTimeout(res, 20));
  assert.deepEqual(readdirSync(`${root.path}/instances`).sort(), before.sort());
  const again = probeFilterWrites(root.path, PROBE_EVENT, filters);
  assert.ok(again.ok && again.cached, 'the second probe is answered from the per-boot cache');
  assert.deepEqual(again.answers, r.answers);
});
