// The user's path, end to end, against tfc's compiled filter: `tfc encap --pcapng` writes a capture of
// sock/inet_sock_set_state trace frames, `tfc dissector` writes the Lua script, and for the headline filter
// and random ones, tshark's display filter (the same filter spelled with the dissector's field names) selects
// exactly the frames that tfc's compiled trace-frame cBPF program accepts in tfc's VM. Skips, with the reason,
// when tshark is not installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cbpf } from '@tfc/bpf';
import { compile } from '@tfc/compiler';
import { readCapture } from '@tfc/live';
import { recordArb } from '@tfc/testkit';
import { bundledEvent, type EventFormat } from '@tfc/tracefs';
import fc from 'fast-check';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const SOCK = bundledEvent('sock', 'inet_sock_set_state') as EventFormat;
const EVENT = ['--event', 'sock/inet_sock_set_state', '--source', 'bundled'];
const FIELDS = ['family', 'protocol', 'sport', 'dport', 'oldstate', 'newstate', 'common_pid'];

function displayName(field: string): string {
  return field === 'common_pid' ? 'tfc.common_pid' : `tfc.sock.inet_sock_set_state.${field}`;
}

function filterArb(values: ReadonlyMap<string, readonly string[]>): fc.Arbitrary<{ k: string; d: string }> {
  const leaf = fc
    .tuple(fc.constantFrom(...FIELDS), fc.nat(), fc.constantFrom('==', '!=', '<', '>=', '<=', '>'))
    .map(([f, n, op]) => {
      const vs = values.get(f) as readonly string[];
      const v = vs[n % vs.length] as string;
      return { k: `${f} ${op} ${v}`, d: `${displayName(f)} ${op} ${v}` };
    });
  return fc
    .array(fc.tuple(leaf, fc.constantFrom('&&', '||')), { minLength: 1, maxLength: 3 })
    .map((parts) =>
      parts.reduce(
        (acc, [l, op], i) =>
          i === 0 ? l : { k: `(${acc.k}) ${op} (${l.k})`, d: `(${acc.d}) ${op} (${l.d})` },
        parts[0]![0],
      ),
    );
}

test('tshark display filters with the tfc dissector select what the compiled trace-frame cBPF accepts', async (t) => {
  const v = spawnSync('tshark', ['--version']);
  if (v.error || v.status !== 0) {
    t.skip('tshark is not installed (scripts/ensure-tools.sh installs it as root: apt-get install tshark)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), `tfc-dissector-cbpf-${process.pid}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const records = fc.sample(recordArb(SOCK), { numRuns: 150, seed: 15 });
  // The headline's values often enough that it selects something.
  records.forEach((r, i) => {
    if (i % 4 === 0) Object.assign(r, { family: '2', protocol: '6' });
  });
  const jsonl = join(dir, 'r.jsonl');
  writeFileSync(jsonl, records.map((r) => JSON.stringify(r)).join('\n'));
  const pcap = join(dir, 'sock.pcapng');
  const lua = join(dir, 'tfc_trace.lua');
  for (const args of [
    ['encap', ...EVENT, '--records', jsonl, '-o', pcap, '--pcapng'],
    ['dissector', ...EVENT, '-o', lua],
  ]) {
    const io = memoryIo();
    assert.equal(await main(args, io), 0, io.stderr());
  }
  const cap = readCapture(new Uint8Array(readFileSync(pcap)));
  assert.ok(cap.ok);
  const frames = cap.capture.records.map((r) => r.data);
  assert.equal(frames.length, records.length);
  const values = new Map(FIELDS.map((f) => [f, [...new Set(records.map((r) => String(r[f])))]]));
  const cases = [
    {
      k: 'family == 2 && protocol == 6',
      d: `${displayName('family')} == 2 && ${displayName('protocol')} == 6`,
    },
    ...fc.sample(filterArb(values), { numRuns: 11, seed: 16 }),
  ];
  let selected = 0;
  for (const c of cases) {
    const prog = compile({ filter: c.k, event: SOCK, target: 'cbpf', ctx: 'trace-frame', nrCpuIds: 2 });
    assert.ok(prog.ok, `${c.k}: ${prog.ok ? '' : prog.diagnostics.map((d) => d.message).join('; ')}`);
    if (!prog.ok) return;
    const want = frames
      .map((f, i) => ({ r: cbpf.run(prog.program.insns as cbpf.RawInsn[], f), n: i + 1 }))
      .filter(({ r }) => !('error' in r) && r.result !== 0)
      .map(({ n }) => n);
    const r = spawnSync(
      'tshark',
      ['-X', `lua_script:${lua}`, '-r', pcap, '-Y', c.d, '-T', 'fields', '-e', 'frame.number'],
      { encoding: 'utf8', cwd: dir },
    );
    assert.equal(r.status, 0, r.stderr);
    const got = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
    assert.deepEqual(got, want, `cBPF for '${c.k}' vs display filter '${c.d}'`);
    selected += want.length;
  }
  t.diagnostic(
    `${frames.length} frames from tfc encap, ${cases.length} filters, ${selected} frames selected by both`,
  );
});
