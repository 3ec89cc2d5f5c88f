// `--json` (json-output.ts, compile-json.ts): every printing command's JSON shape as docs/cli.md documents it,
// deterministic (two runs are byte-equal), one line; a rejected filter is {"ok":false,...,"diagnostics":[...]}
// with code, message and position on stdout and exit 1 — the same decision and position as the text output.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

const here = new URL('.', import.meta.url).pathname;
const EV = ['--event', 'sock/inet_sock_set_state', '--source', 'bundled'];

async function tfc(args: string[], files: Record<string, string> = {}) {
  const io = memoryIo(files);
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** Runs twice (determinism), checks one line of JSON, returns the value. */
async function json(args: string[], files: Record<string, string> = {}) {
  const a = await tfc(args, files);
  const b = await tfc(args, files);
  assert.equal(a.out, b.out, `deterministic: ${args.join(' ')}`);
  assert.ok(a.out.endsWith('\n'), args.join(' '));
  return { code: a.code, value: JSON.parse(a.out) as Record<string, unknown>, err: a.err, out: a.out };
}

test('check --json: accepted and rejected, the kernel position as the text rendering shows it', async () => {
  const ok = await json(['check', 'family == 2', ...EV, '--json']);
  assert.equal(ok.code, 0);
  assert.deepEqual(ok.value, { ok: true, event: 'sock/inet_sock_set_state', filterFile: 'family == 2\n' });
  assert.equal(ok.out.split('\n').length, 2, 'one line');
  const bad = await json(['check', 'famly == 2', ...EV, '--json']);
  assert.equal(bad.code, 1);
  const text = await tfc(['check', 'famly == 2', ...EV]);
  assert.equal(bad.value.filterFile, text.out);
  const caret = (text.out.split('\n')[1] as string).indexOf('^');
  assert.deepEqual(bad.value.diagnostics, [
    { code: 'field-not-found', message: 'Field not found', position: { start: caret, end: caret + 1 } },
  ]);
  assert.equal(bad.value.errno, 'EINVAL');
  const fleet = await json(['check', 'family == 2', ...EV, '--kernel', 'all', '--json']);
  assert.equal(fleet.value.ok, true);
  assert.ok(Array.isArray(fleet.value.kernels) && fleet.value.kernels.length > 5);
});

test('eval --json: verdicts in record order, with counts', async () => {
  const recs = '{"family":2,"protocol":6}\n{"family":10,"protocol":6}\n';
  const r = await json(['eval', 'family == 2', ...EV, '--records', 'r.jsonl', '--json'], { 'r.jsonl': recs });
  assert.equal(r.code, 0);
  assert.deepEqual(r.value, {
    ok: true,
    event: 'sock/inet_sock_set_state',
    records: 2,
    accepted: 1,
    verdicts: [1, 0],
  });
  const bad = await json(['eval', 'family = 2', ...EV, '--records', 'r.jsonl', '--json'], {
    'r.jsonl': recs,
  });
  assert.equal(bad.code, 1);
  assert.equal(bad.value.ok, false);
  assert.equal((bad.value.diagnostics as { code: string }[])[0]?.code, 'invalid-op');
});

test('events and format --json', async () => {
  const ev = await json(['events', 'sock/', '--json']);
  assert.equal(ev.code, 0);
  const listed = (await tfc(['events', 'sock/'])).out.trimEnd().split('\n');
  assert.deepEqual(ev.value.events, listed);
  const none = await json(['events', 'zzz/', '--json']);
  assert.equal(none.code, 1);
  assert.deepEqual(none.value.events, []);
  const f = await json(['format', 'sock/inet_sock_set_state', '--source', 'bundled', '--json']);
  const fields = f.value.fields as {
    name: string;
    offset: number;
    size: number;
    signed: boolean;
    kind: string;
  }[];
  assert.equal(f.value.event, 'sock/inet_sock_set_state');
  assert.ok(fields.some((x) => x.name === 'family' && x.size === 2 && typeof x.signed === 'boolean'));
  assert.deepEqual(Object.keys(fields[0] ?? {}), ['name', 'type', 'offset', 'size', 'signed', 'kind']);
});

test('compile --json: tc batches as one object with the same commands as the text batch', async () => {
  for (const args of [
    ['--lang', 'pcap', 'tcp dst port 80', '--target', 'flower', '--dev', 'eth0'],
    ['--lang', 'pcap', 'ip6 and tcp port 443', '--target', 'u32', '--dev', 'eth0', '--clsact'],
    ['family == 2 && protocol == 6', ...EV, '--target', 'u32'],
    ['family == 2 && protocol == 6', ...EV, '--target', 'tc-bpf', '--dev', 'eth0'],
    ['family==2 && protocol==6', '--source', 'bundled', '--target', 'tc'],
  ]) {
    const text = await tfc(['compile', ...args]);
    const r = await json(['compile', ...args, '--json']);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
    assert.equal(r.value.ok, true);
    assert.deepEqual(r.value.commands, text.out.trimEnd().split('\n'), args.join(' '));
    for (const k of ['target', 'backend', 'why', 'dev', 'direction', 'prio', 'notes'])
      assert.ok(k in r.value, `${k}: ${args.join(' ')}`);
  }
});

test('compile --json: other targets print their JSON emit forms; another --emit is refused', async () => {
  const c = await tfc(['compile', '--lang', 'pcap', 'tcp', '--json']);
  assert.deepEqual(c, await tfc(['compile', '--lang', 'pcap', 'tcp', '--emit', 'json']));
  const p4 = await tfc(['compile', '--lang', 'pcap', 'tcp', '--target', 'p4', '--json']);
  assert.deepEqual(
    p4,
    await tfc(['compile', '--lang', 'pcap', 'tcp', '--target', 'p4', '--emit', 'entries-json']),
  );
  const clash = await tfc(['compile', '--lang', 'pcap', 'tcp', '--json', '--emit', 'd']);
  assert.equal(clash.code, 2);
});

test('compile --json: rejected filters give code, message and position, exit 1', async () => {
  const parse = await json(['compile', '--lang', 'pcap', 'tcp dst prt 80', '--json']);
  assert.equal(parse.code, 1);
  const [d] = parse.value.diagnostics as {
    code: string;
    message: string;
    position: { start: number; end: number };
  }[];
  assert.equal(d?.code, 'parse');
  assert.equal('tcp dst prt 80'.slice(d?.position.start, d?.position.end), '80');
  const p4 = await json(['compile', '--lang', 'pcap', 'ip[2:2] + 1 > 100', '--target', 'p4', '--json']);
  assert.equal(p4.code, 1);
  const [q] = p4.value.diagnostics as { code: string; message: string }[];
  assert.equal(q?.code, 'p4-arith');
  assert.doesNotMatch(q?.message ?? '', /\(load|u2be|\(gt /, 'no IR text');
  const kernel = await json(['compile', 'famly == 2', ...EV, '--json']);
  assert.equal(kernel.code, 1);
  assert.equal((kernel.value.diagnostics as { code: string }[])[0]?.code, 'field-not-found');
  assert.equal(kernel.err, '', 'the kernel rendering is in the JSON, not on stderr');
});

test('run --json: one verdict per packet', async () => {
  const prog = join(here, 'fixtures/bpf/ipv4-tcp.bpf');
  const hex = '00112233445500112233445508004500001c0001000040067cd90a0000010a000002';
  const r = await json(['run', prog, '--packet', hex, '--packet', '00', '--json']);
  assert.equal(r.code, 0);
  const v = r.value.verdicts as { packet: number; kind: string; accepted: number }[];
  assert.equal(v.length, 2);
  assert.equal(v[0]?.packet, 1);
  assert.equal(v[0]?.kind, 'cbpf');
  const text = await tfc(['run', prog, '--packet', hex, '--packet', '00']);
  assert.match(text.out, new RegExp(`^1: accept ${v[0]?.accepted} of`));
});
