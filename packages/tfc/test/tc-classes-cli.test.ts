// `--classid` and `--parent` at the command line (no kernel): the rules name the class and attach to the classful
// qdisc; a handle tc would misread is exit 2 with a caret under the offending character; --parent needs a class of
// its own qdisc; --target tc leaves flower for u32 when flower's stop rules would pick a class; unapply takes
// --parent. The live proof is trace-classes.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

async function tfc(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const LSEEK = ['--event', 'syscalls/sys_enter_lseek', '--source', 'bundled'];

test('compile --parent 1: --classid 1:10: u32 and cls_bpf rules on the classful qdisc, matches to the class', async () => {
  const u = await tfc([
    'compile',
    'whence == 1',
    ...LSEEK,
    '--target',
    'u32',
    '--dev',
    'veth0',
    '--parent',
    '1:',
    '--classid',
    '01:0A',
  ]);
  assert.equal(u.code, 0, u.err);
  assert.match(
    u.out,
    /^filter add dev veth0 parent 1: protocol 0x88b5 prio 1 handle ::1 u32 .* classid 1:a\n$/,
  );
  const b = await tfc([
    'compile',
    'whence == 1',
    ...LSEEK,
    '--target',
    'tc-bpf',
    '--dev',
    'veth0',
    '--parent',
    '1:',
    '--classid',
    '1:10',
  ]);
  assert.equal(b.code, 0, b.err);
  assert.match(
    b.out,
    /^filter add dev veth0 parent 1: protocol all prio 1 bpf bytecode '[^']*' classid 1:10\n$/,
  );
  const any = await tfc([
    'compile',
    'whence == 1',
    '--source',
    'bundled',
    '--subsystem',
    'syscalls',
    '--target',
    'tc',
    '--parent',
    '1:',
    '--classid',
    '1:10',
  ]);
  assert.equal(any.code, 0, any.err);
  assert.ok(
    any.out
      .split('\n')
      .filter(Boolean)
      .every((l) => l.startsWith('filter add dev trace0 parent 1: ')),
  );
});

test('bad handles: exit 2, a caret under the character, the reason', async () => {
  const r = await tfc([
    'compile',
    'whence == 1',
    ...LSEEK,
    '--target',
    'u32',
    '--dev',
    'veth0',
    '--parent',
    '1:',
    '--classid',
    '1:1g',
  ]);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  const [line, caret] = r.err.split('\n') as [string, string];
  assert.equal(line, 'tfc: --classid 1:1g');
  assert.equal(line[caret.indexOf('^')], 'g');
  for (const [args, why] of [
    [['--parent', '1:'], /--parent 1: needs --classid 1:MIN/],
    [['--parent', '1:', '--classid', '2:10'], /--classid 2:10 is not a class of qdisc 1:/],
    [['--parent', '0:', '--classid', '1:10'], /major 0 names no qdisc/],
    [['--parent', 'ffff:', '--classid', 'ffff:1'], /use --ingress or --egress/],
    [['--parent', '1:', '--classid', '1:10', '--egress'], /no --ingress\/--egress with it/],
    [['--parent', '1:', '--classid', '1:10', '--clsact'], /--clsact adds the clsact hook/],
    [['--classid', '1:0'], /minor 0 names the qdisc 1: itself/],
  ] as const) {
    const e = await tfc(['compile', 'whence == 1', ...LSEEK, '--target', 'u32', '--dev', 'veth0', ...args]);
    assert.equal(e.code, 2, `${args.join(' ')}: ${e.err}`);
    assert.match(e.err, why);
  }
  const p4 = await tfc(['compile', 'whence == 1', ...LSEEK, '--target', 'p4', '--classid', '1:10']);
  assert.equal(p4.code, 2);
  assert.match(p4.err, /--classid applies to --target tc, u32, flower and tc-bpf/);
  const pcap = await tfc(['compile', '--lang', 'pcap', 'tcp', '--classid', '1:10']);
  assert.equal(pcap.code, 2);
});

test('a class id on clsact only ends classification: a note says how to classify', async () => {
  const r = await tfc([
    'compile',
    'whence == 1',
    ...LSEEK,
    '--target',
    'u32',
    '--dev',
    'veth0',
    '--egress',
    '--classid',
    '1:10',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, / egress protocol .* classid 1:10\n$/);
  assert.match(r.err, /note: on the clsact hook classid 1:10 only ends classification; .* --parent 1:/);
});

test('--target tc under --parent: flower stop rules would pick a class, so u32 is chosen and the reason said', async () => {
  const r = await tfc([
    'compile',
    '--lang',
    'pcap',
    'ip and not tcp',
    '--target',
    'tc',
    '--dev',
    'eth0',
    '--parent',
    '1:',
    '--classid',
    '1:10',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /tfc: tc: u32 \(flower: flower's stop rules .* --parent 1: would select a class; u32: /,
  );
  assert.ok(
    r.out
      .split('\n')
      .filter(Boolean)
      .every((l) => l.startsWith('filter add dev eth0 parent 1: ')),
  );
  const f = await tfc([
    'compile',
    '--lang',
    'pcap',
    'ip and not tcp',
    '--target',
    'flower',
    '--dev',
    'eth0',
    '--parent',
    '1:',
    '--classid',
    '1:10',
  ]);
  assert.equal(f.code, 1);
  assert.match(f.err, /stop rules/);
});

test('unapply --parent: checked like apply, exclusive with --ingress/--egress', async () => {
  const r = await tfc(['unapply', '--dev', 'veth0', '--parent', '1:1g']);
  assert.equal(r.code, 2);
  assert.match(r.err, /\^ the minor number \(a class\) must be hexadecimal/);
  const both = await tfc(['unapply', '--dev', 'veth0', '--parent', '1:', '--egress']);
  assert.equal(both.code, 2);
  assert.match(both.err, /no --ingress\/--egress with it/);
  const help = await tfc(['unapply', '--help']);
  assert.match(help.out, /--parent MAJ:/);
});
