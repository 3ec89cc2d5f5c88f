// `--bpf-loops` (src/cli/bpf-loops-option.ts), the library's `bpfFeatures` and runningBpfFeatures (src/host/
// bpf-features.ts): unrolled programs hold no may_goto and may_goto ones do (pcap protochain, trace-frame glob);
// a frame glob without may_goto is refused by name (exit 1), with --event and without (the all-events program); bad values and cBPF are usage errors (exit 2); auto
// follows a --kernel profile's release (6.1: unrolled, 6.12: may_goto) and, with nothing named, the running kernel's
// probe (as root: the Host's probe answers, and the CLI's program equals the library's for what it found).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { probeFeatures } from '@tfc/kernel/sys';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { runningBpfFeatures } from '../src/host/bpf-features.ts';
import { compile, TfcOptionError } from '../src/index.ts';

const FORMAT = new URL('../../../examples/uprobe.format', import.meta.url).pathname;
const CHAIN = 'ip6 protochain 6 or protochain 17';

async function tfc(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const mayGotos = (listing: string) => listing.split('\n').filter((l) => /\bmay_goto\b/.test(l)).length;

test('--bpf-loops: pcap protochain as a may_goto loop or unrolled; cBPF and unknown values are usage errors', async () => {
  const loop = await tfc(['compile', '--lang', 'pcap', '--target', 'ebpf', '--bpf-loops', 'may_goto', CHAIN]);
  const flat = await tfc(['compile', '--lang', 'pcap', '--target', 'ebpf', '--bpf-loops', 'unrolled', CHAIN]);
  assert.equal(loop.code, 0, loop.err);
  assert.equal(flat.code, 0, flat.err);
  assert.ok(mayGotos(loop.out) >= 2, loop.out);
  assert.equal(mayGotos(flat.out), 0);
  const tc = await tfc([
    'compile',
    '--lang',
    'pcap',
    '--target',
    'ebpf',
    '--prog-type',
    'tc',
    '--bpf-loops',
    'unrolled',
    CHAIN,
  ]);
  assert.equal(tc.code, 0, tc.err);
  assert.equal(mayGotos(tc.out), 0);
  const cbpf = await tfc(['compile', '--lang', 'pcap', '--target', 'cbpf', '--bpf-loops', 'unrolled', CHAIN]);
  assert.equal(cbpf.code, 2);
  assert.equal(cbpf.err, 'tfc: --bpf-loops applies to --target ebpf\n');
  const bad = await tfc(['compile', '--lang', 'pcap', '--target', 'ebpf', '--bpf-loops', 'loops', CHAIN]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--bpf-loops must be one of auto, may_goto, unrolled, got 'loops'/);
  const p4 = await tfc(['compile', '--lang', 'pcap', '--target', 'p4', '--bpf-loops', 'unrolled', 'tcp']);
  assert.equal(p4.code, 2);
});

test('--bpf-loops: a trace-frame glob needs may_goto (exit 1, named); auto follows a --kernel profile', async () => {
  const base = ['compile', '--format', FORMAT, '--ctx', 'trace-frame', '--target', 'ebpf', 'str ~ "*ab*"'];
  const ok = await tfc([...base, '--bpf-loops', 'may_goto']);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(mayGotos(ok.out) > 0);
  const no = await tfc([...base, '--bpf-loops', 'unrolled']);
  assert.equal(no.code, 1);
  assert.match(no.err, /needs may_goto \(Linux 6\.9\+\).*\[needs-may-goto\]/);
  const old = await tfc([...base, '--kernel', '6.1']);
  assert.equal(old.code, 1, 'profile 6.1 has no may_goto');
  assert.match(old.err, /needs-may-goto/);
  const newer = await tfc([...base, '--kernel', '6.12']);
  assert.equal(newer.code, 0, newer.err);
  const front = await tfc([...base.slice(0, -1), 'str ~ "ab*"', '--kernel', '6.1']);
  assert.equal(front.code, 0, 'a front match has no loop');
  // without --event: the filter over every event of a subsystem that has the field, one program
  const all = [
    'compile',
    '--subsystem',
    'sched',
    '--ctx',
    'trace-frame',
    '--target',
    'ebpf',
    "comm ~ '*sh*'",
  ];
  const allLoop = await tfc([...all, '--bpf-loops', 'may_goto']);
  assert.equal(allLoop.code, 0, allLoop.err);
  assert.ok(mayGotos(allLoop.out) > 0);
  const allFlat = await tfc([...all, '--bpf-loops', 'unrolled']);
  assert.equal(allFlat.code, 1, 'a __data_loc glob has no bounded form');
  assert.match(allFlat.err, /\[needs-may-goto\]/);
  const allOld = await tfc([...all, '--kernel', '6.1']);
  assert.equal(allOld.code, 1, 'auto follows the profile without --event too');
  const allFixed = await tfc([...all.slice(0, -1), "prev_comm ~ '*sh*'", '--bpf-loops', 'unrolled']);
  assert.equal(allFixed.code, 0, allFixed.err);
  assert.equal(mayGotos(allFixed.out), 0, 'a char[16] glob needs no loop');
});

test('library: bpfFeatures chooses the walk (pcap) and follows a kernel profile (trace); cBPF refuses it', () => {
  const loop = compile(CHAIN, { lang: 'pcap', target: 'ebpf' });
  const flat = compile(CHAIN, { lang: 'pcap', target: 'ebpf', bpfFeatures: { mayGoto: false } });
  assert.ok(loop.ok && flat.ok);
  assert.ok(mayGotos(loop.output as string) >= 2);
  assert.equal(mayGotos(flat.output as string), 0);
  assert.throws(
    () => compile(CHAIN, { lang: 'pcap', target: 'cbpf', bpfFeatures: { mayGoto: false } }),
    TfcOptionError,
  );
  const glob = (kernel: string) =>
    compile('str ~ "*ab*"', {
      format: readFileSync(FORMAT, 'utf8'),
      target: 'ebpf',
      ctx: 'trace-frame',
      kernel,
    });
  assert.equal(glob('6.1').ok, false);
  assert.equal(glob('6.18').ok, true);
});

test('runningBpfFeatures: the probe first, else the release, else nothing', () => {
  const no = () => ({ ok: false, reason: 'no bpf(2)' }) as const;
  assert.deepEqual(runningBpfFeatures(() => ({ ok: true, mayGoto: false, how: 'h' }), '6.18.0')?.features, {
    mayGoto: false,
  });
  assert.deepEqual(runningBpfFeatures(no, '6.1.0-28-amd64')?.features, { mayGoto: false });
  assert.deepEqual(runningBpfFeatures(no, '6.9.0')?.features, { mayGoto: true });
  assert.match(runningBpfFeatures(no, '6.9.0')?.origin ?? '', /release 6\.9\.0 \(probe: no bpf\(2\)\)/);
  assert.equal(runningBpfFeatures(no, 'custom'), undefined);
});

const F = probeFeatures();
test('--bpf-loops auto on this machine: the probe answers, and the CLI compiles what the library does with it', {
  skip: F.bpf.ok ? false : F.bpf.reason,
}, async () => {
  const found = runningBpfFeatures();
  assert.ok(found?.origin.startsWith('probed:'), found?.origin);
  if (found === undefined) return;
  const cli = await tfc(['compile', '--lang', 'pcap', '--target', 'ebpf', CHAIN]);
  assert.equal(cli.code, 0, cli.err);
  const lib = compile(CHAIN, { lang: 'pcap', target: 'ebpf', bpfFeatures: found.features });
  assert.ok(lib.ok);
  assert.equal(cli.out, lib.output);
  console.log(`# --bpf-loops auto here: mayGoto ${found.features.mayGoto} (${found.origin})`);
});
