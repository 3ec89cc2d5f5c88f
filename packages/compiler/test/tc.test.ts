// compileTc and the trace-frame entry points: the backend chosen by `--target tc` and its reasons, refusals worded
// by each backend (no P4 words in a tc message), and closestEvents' suggestions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundledEvent } from '@tfc/tracefs';
import { closestEvents, compileTc } from '../src/index.ts';

const place = { dev: 'eth0', direction: 'ingress', prio: 1 } as const;

test('pcap: flower first, then u32, then tc-bpf, with one reason per backend', () => {
  const f = compileTc({ source: { lang: 'pcap', filter: 'icmp' }, target: 'tc', ...place });
  assert.ok(f.ok);
  assert.equal(f.backend, 'flower');
  const b = compileTc({ source: { lang: 'pcap', filter: 'ip[2:2] | 1 == 3' }, target: 'tc', ...place });
  assert.ok(b.ok);
  assert.equal(b.backend, 'tc-bpf');
  assert.equal(b.why.length, 3);
  assert.match(b.why[0] ?? '', /^flower: flower cannot express arithmetic '\|': /);
  assert.match(b.why[1] ?? '', /^u32: u32 cannot express arithmetic '\|': /);
  for (const w of b.why) assert.doesNotMatch(w, /TCAM|use --target/);
});

test('u32 alone: a refusal in u32 words with the tc-bpf hint', () => {
  const r = compileTc({ source: { lang: 'pcap', filter: 'ip[2:2] | 1 == 3' }, target: 'u32', ...place });
  assert.ok(!r.ok);
  assert.equal(r.diagnostics.length, 1);
  assert.match(
    r.diagnostics[0]?.message ?? '',
    /^u32 cannot express arithmetic '\|': .*; use --target tc-bpf/,
  );
});

test('trace filters: u32 keyed on the event id; flower refused; closest events for unknown fields', () => {
  const event = bundledEvent('sock', 'inet_sock_set_state');
  assert.ok(event);
  const source = { lang: 'tracefs', filter: 'family == 2', events: [event], nrCpuIds: 2 } as const;
  const u = compileTc({ source, target: 'tc', ...place });
  assert.ok(u.ok);
  assert.equal(u.backend, 'u32');
  assert.deepEqual(u.covered, ['sock/inet_sock_set_state']);
  const fl = compileTc({ source, target: 'flower', ...place });
  assert.ok(!fl.ok);
  assert.match(
    closestEvents('famly == 2', [event])[0] ?? '',
    /^sock\/inet_sock_set_state \(family for famly\?\)$/,
  );
});
