// `tfc apply --target tc|u32|flower|tc-bpf` never leaves a half-installed rule set: random (mostly valid) apply
// invocations with hostile actions, prios, directions and filters run against real tc on a veth inside a private
// network namespace; after each call the device's qdiscs and filters are compared with the state before it —
// unchanged when the call failed, and unchanged again after `tfc unapply` of the prio when it succeeded. A prio that
// already holds rules (prio 5, installed first) must be refused. Needs root; the namespace is deleted afterwards.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { deleteClsact, filterShow, qdiscShow } from '@tfc/iproute2';
import { createTcLab } from '@tfc/tc-test';
import fc from 'fast-check';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { STACK_TEXT } from './robustness-known.ts';

const here = new URL('.', import.meta.url).pathname;
const RUNS = Number(process.env.TFC_FUZZ_RUNS ?? 30);
const SEED = Number(process.env.TFC_FUZZ_SEED ?? Date.now() % 2 ** 31);
const FORMAT = join(here, 'fixtures/uprobe-pv.format');

async function tfc(argv: readonly string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('tfc apply is all or nothing under hostile options; unapply removes exactly what it installed', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces and tc)');
  const made = await createTcLab(`tfc-robust-${process.pid}`, { dev: 'rb0', peer: 'rb1' });
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const ns = lab.ns.name;
  const where = ['--netns', ns, '--dev', lab.dev];

  const state = async () => {
    const q = await qdiscShow(ns, lab.dev);
    const fi = await filterShow(ns, lab.dev, 'ingress');
    const fe = await filterShow(ns, lab.dev, 'egress');
    assert.ok(q.ok && fi.ok && fe.ok, 'tc show');
    const f = (xs: typeof fi.value) => xs.map((x) => `${x.pref}/${x.kind}/${x.protocol}/${x.handle}`).sort();
    return {
      clsact: q.value.some((x) => x.kind === 'clsact'),
      filters: [...f(fi.value).map((s) => `in ${s}`), ...f(fe.value).map((s) => `out ${s}`)],
    };
  };

  // A prio that already holds rules: every apply at prio 5 must be refused, and nothing may remove these.
  const taken = await tfc(['apply', '--lang', 'pcap', 'udp', '--target', 'u32', '--prio', '5', ...where]);
  assert.equal(taken.code, 0, taken.err);

  const filter = fc.oneof(
    fc
      .constantFrom(
        'family == 2 && protocol == 6',
        'sport >= 1024 && !(dport == 80)',
        'family == 2',
        'protocol = 6',
      )
      .map((f) => [f, '--event', 'sock/inet_sock_set_state', '--source', 'bundled']),
    fc
      .constantFrom('a8 == 1', 'a8 == 1 && str ~ "x*"', 'a64 > 5 || s8 < 0')
      .map((f) => [f, '--format', FORMAT]),
    fc.constantFrom('dport == 443', 'family == 10').map((f) => [f, '--subsystem', 'sock']),
    fc
      .constantFrom(
        'tcp',
        'ip and tcp port 80',
        'ip6 and udp',
        'vlan and tcp',
        'ip[0] & 0xf > 5',
        'ether[0] = 1',
        'and',
      )
      .map((f) => ['--lang', 'pcap', f]),
  );
  const action = fc.constantFrom(
    [],
    ['--action', 'classid 1:1'],
    ['--action', lab.countAction],
    ['--action', 'action mirred egress mirror dev nosuchdev0'],
    ['--action', 'action gact bogus'],
    ['--action', 'action drop'],
    ['--action', ''],
    ['--action', 'x\nqdisc del dev rb0 clsact'],
  );
  const call = fc.record({
    target: fc.constantFrom('tc', 'u32', 'flower', 'tc-bpf', 'tc', 'u32'),
    filter,
    action,
    prio: fc.constantFrom(
      ['--prio', '1'],
      ['--prio', '2'],
      ['--prio', '5'],
      ['--prio', '65535'],
      ['--prio', '0'],
      [],
    ),
    direction: fc.constantFrom<string[]>(
      [],
      [],
      ['--ingress'],
      ['--egress'],
      ['--egress'],
      ['--ingress', '--egress'],
    ),
    profile: fc.constantFrom([], [], [], [], ['--flower-profile', 'mlx5'], ['--flower-profile', 'nosuch']),
    /** keep: clsact with the prio-5 rules; none: a device without clsact (apply must add it, or leave none). */
    device: fc.constantFrom('keep', 'keep', 'none'),
  });

  let installed = 0;
  const codes = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(call, async (c) => {
      const now = await state();
      if (c.device === 'none') {
        if (now.clsact) assert.ok((await deleteClsact(ns, lab.dev)).ok);
      } else if (!now.filters.some((f) => f.startsWith('in 5/'))) {
        const re = await tfc(['apply', '--lang', 'pcap', 'udp', '--target', 'u32', '--prio', '5', ...where]);
        assert.equal(re.code, 0, re.err);
      }
      const before = await state();
      const argv = [
        'apply',
        ...c.filter,
        '--target',
        c.target,
        ...c.action,
        ...c.prio,
        ...c.direction,
        ...c.profile,
        ...where,
      ];
      const r = await tfc(argv);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      if (process.env.TFC_FUZZ_VERBOSE)
        t.diagnostic(`${r.code} ${JSON.stringify(argv.slice(0, -4))}: ${r.err.split('\n')[0]}`);
      const shown = JSON.stringify(argv);
      assert.ok([0, 1, 2].includes(r.code), `${shown}: exit ${r.code}: ${r.err}`);
      assert.doesNotMatch(`${r.err}${r.out}`, STACK_TEXT, shown);
      const afterCall = await state();
      if (r.code !== 0) {
        assert.deepEqual(
          afterCall,
          before,
          `${shown} failed (exit ${r.code}: ${r.err.trim()}) but changed the device`,
        );
        return;
      }
      const prio = c.prio[1] ?? '1';
      const dirWord = c.direction.includes('--egress') ? 'out' : 'in';
      assert.ok(
        !before.filters.some((f) => f.startsWith(`${dirWord} ${prio}/`)),
        `${shown}: a prio that already held rules was not refused`,
      );
      if (/nothing to install/.test(r.err)) {
        assert.deepEqual(afterCall.filters, before.filters, shown);
        return;
      }
      installed++;
      assert.ok(afterCall.filters.length > before.filters.length, `${shown}: exit 0 but no rule installed`);
      const dir = c.direction.includes('--egress') ? '--egress' : '--ingress';
      const un = await tfc(['unapply', '--prio', prio, dir, ...where]);
      assert.equal(un.code, 0, `unapply after ${shown}: ${un.err}`);
      const cleaned = await state();
      assert.deepEqual(cleaned.filters, before.filters, `${shown}: unapply did not restore the filters`);
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
  t.diagnostic(
    `${RUNS} applies (seed ${SEED}), ${installed} installed and removed; exit codes ${[...codes].map(([k, n]) => `${k}:${n}`).join(' ')}`,
  );
});
