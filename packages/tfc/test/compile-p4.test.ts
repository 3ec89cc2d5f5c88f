// compileP4 end to end: TCAM entries from trace event filter text, judged against the reference interpreter on
// trace frames (first match by priority, hit = the kernel would keep the record), plus the CLI's P4 outputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateTcam } from '@tfc/codegen-p4';
import { compileP4 } from '@tfc/compiler';
import { filterArb, recordArb } from '@tfc/testkit';
import { bundledEvent, encodeTraceFrame, evaluate, parseFilter, recordFromJson } from '@tfc/tracefs';
import fc from 'fast-check';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const SOCK = bundledEvent('sock', 'inet_sock_set_state');
assert.ok(SOCK);
const SWITCH = bundledEvent('sched', 'sched_switch');
assert.ok(SWITCH);

for (const [ev, strings] of [
  [SOCK, false],
  [SWITCH, true],
] as const)
  test(`P4 entries (with and without range matches) decide as the kernel interpreter on ${ev.name} trace frames${strings ? ', string keys included' : ''}`, () => {
    const SOCK = ev;
    let cases = 0;
    let compiled = 0;
    const unsupported = new Map<string, number>();
    fc.assert(
      fc.property(
        filterArb(SOCK, { strings, misc: false }),
        fc.array(recordArb(SOCK), { minLength: 6, maxLength: 6 }),
        fc.boolean(),
        (text, recs, ranges) => {
          const parsed = parseFilter(text, SOCK, { nrCpuIds: 2 });
          if (!parsed.ok) return;
          const r = compileP4({ filter: text, event: SOCK, nrCpuIds: 2, ranges });
          if (!r.ok) {
            const key = r.diagnostics[0]?.message.replace(/.*\[/, '[') ?? '?';
            unsupported.set(key, (unsupported.get(key) ?? 0) + 1);
            return;
          }
          compiled++;
          for (const json of recs) {
            const rec = recordFromJson(SOCK, json);
            assert.ok(rec.ok);
            if (!rec.ok) return;
            const want = evaluate(parsed.filter, rec.record, rec.ctx);
            const frame = encodeTraceFrame(rec.record, {
              eventId: SOCK.id,
              cpu: rec.ctx.cpu,
              comm: rec.ctx.comm,
            });
            assert.equal(
              evaluateTcam(r.outputs.list, frame) === 'hit',
              want,
              `${text} on ${JSON.stringify(json)}`,
            );
            // Headers the parser does not extract decide nothing: read as zero, the answer is the same.
            assert.equal(evaluateTcam(r.outputs.list, frame, { invalid: 'zero' }) === 'hit', want);
            // A frame of another event, or not a trace frame at all, never hits.
            const other = encodeTraceFrame(rec.record, { eventId: SOCK.id + 1, cpu: 0, comm: '' });
            const ip = Uint8Array.from(frame);
            ip[12] = 0x08;
            ip[13] = 0x00;
            for (const f of [other, ip])
              for (const invalid of ['skip', 'zero'] as const)
                assert.equal(evaluateTcam(r.outputs.list, f, { invalid }), 'miss');
            cases++;
          }
        },
      ),
      { numRuns: 700 },
    );
    console.log(
      `# ${compiled} filters compiled to entries, ${cases} frames judged; not expressible: ${JSON.stringify([...unsupported])}`,
    );
    assert.ok(cases >= 2000, `only ${cases} cases`);
    if (strings) assert.ok(compiled >= 200, `only ${compiled} string-bearing filters compiled`);
  });

test('tfc compile --target p4: every emit form, and a diagnostic for what a TCAM cannot express', async () => {
  const base = [
    'compile',
    'family == 2 && protocol == 6',
    '--event',
    'sock/inet_sock_set_state',
    '--source',
    'bundled',
  ];
  for (const form of ['entries-json', 'p4', 'p4info', 'p4runtime-json', 'p4runtime-txt', 'bmv2']) {
    const io = memoryIo();
    assert.equal(await main([...base, '--target', 'p4', '--emit', form], io), 0, io.stderr());
    assert.ok(io.stdout().length > 20, form);
  }
  const json = memoryIo();
  await main([...base, '--target', 'p4'], json);
  const parsed = JSON.parse(json.stdout()) as {
    keys: { name: string; offset: number }[];
    entries: unknown[];
  };
  assert.deepEqual(
    parsed.keys.map((k) => [k.name, k.offset]),
    [
      ['ethertype', 12],
      ['event_id', 18],
      ['family', 82],
      ['protocol', 84],
    ],
  );
  assert.equal(parsed.entries.length, 1);
  const io = memoryIo();
  const code = await main(
    ['compile', 'comm ~ "*sh*"', '--event', 'sched/sched_switch', '--source', 'bundled', '--target', 'p4'],
    io,
  );
  assert.equal(code, 1);
  assert.match(io.stderr(), /p4-string-match/);
});
