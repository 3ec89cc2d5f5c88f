// Live trace frames filtered by the network's machinery: `tfc trace --event syscalls/sys_enter_lseek --dev trace0`
// (a child in a private network namespace) delivers every lseek of a firer process as a trace frame on a TAP
// device; for random filters from the live differential's generator, tfc's u32 and cls_bpf rules are installed on
// trace0's ingress with a mirror to a viewer veth, the firer makes six hits with chosen arguments and CPUs, and the
// frames the viewer receives must be exactly the events a second private tracefs instance keeps with the same
// filter (the kernel's interpreter is the judge). Filters on comm (and on the per-instance common_flags and
// common_preempt_count) are left out: the kernel engine fills a frame's
// comm from /proc when it reads the event, which can lag a task that renames itself (documented in docs/tracing.md).
// Skips with the reason without root, tracefs, TUN, namespaces or gcc. Sizes: TFC_TRACE_RULES_FILTERS (default 30).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileTc } from '@tfc/compiler';
import { addClsact, applyBatch, createNamespace, filterDel, linkIndex, run } from '@tfc/iproute2';
import { FirerProcess, type Hit, nrCpuIds } from '@tfc/kernel';
import { loadKoffiSyscalls, openPacketSocket } from '@tfc/kernel/sys';
import { locateTracefs, readEventFormatText, TraceSession } from '@tfc/kernel/tracefs';
import { liveDialect } from '@tfc/testkit';
import { decodeTraceFrame, parseFormat } from '@tfc/tracefs';
import fc from 'fast-check';
import { lseekCase } from './generators.ts';

const FILTERS = Number(process.env.TFC_TRACE_RULES_FILTERS ?? 30);
const SEED = Number(process.env.TFC_SEED ?? 20261206);
const bin = fileURLToPath(new URL('../../tfc/src/cli/bin.ts', import.meta.url));
/**
 * A record as compared: common_flags and common_preempt_count (bytes 2–3) are computed for each instance the event
 * is written to and can differ between the trace's instance and the judge's (a reschedule flag set in between).
 */
const hex = (b: Uint8Array): string => {
  const c = new Uint8Array(b);
  c.fill(0, 2, 4);
  return Buffer.from(c).toString('hex');
};

test('live trace frames on trace0: tfc’s u32 and cls_bpf rules keep exactly what the kernel’s filter keeps', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (tracefs, TAP devices, namespaces, tc)');
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return t.skip(root.reason);
  if (!existsSync('/dev/net/tun')) return t.skip('no /dev/net/tun');
  const text = readEventFormatText('syscalls', 'sys_enter_lseek', { root: root.path });
  if (!text.ok) return t.skip(text.error);
  const ev = parseFormat(text.text, { system: 'syscalls', name: 'sys_enter_lseek' });
  assert.ok(ev.ok);
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) return t.skip(sysLoad.reason);
  const dialect = await liveDialect();
  assert.ok(dialect.ok, dialect.ok ? '' : dialect.reason);
  const firer = await FirerProcess.start();
  if ('ok' in firer) return t.skip(firer.reason);
  t.after(() => firer.dispose());
  const ns = await createNamespace('tfc-rules');
  if (!ns.ok) return t.skip(`cannot create a network namespace: ${ns.error.message}`);
  t.after(() => ns.value.dispose());
  const nsName = ns.value.name;
  for (const args of [
    ['link', 'add', 'viewer0', 'type', 'veth', 'peer', 'name', 'viewer1'],
    ['link', 'set', 'viewer0', 'up'],
    ['link', 'set', 'viewer1', 'up'],
  ]) {
    const r = await run('ip', ['-n', nsName, ...args]);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
  }
  const child = spawn(
    'ip',
    [
      ...[
        'netns',
        'exec',
        nsName,
        process.execPath,
        '--import',
        'tsx',
        bin,
        'trace',
        `common_pid == ${firer.pid}`,
      ],
      ...['--event', 'syscalls/sys_enter_lseek', '--dev', 'trace0', '-d', '900'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  t.after(async () => {
    child.kill('SIGINT');
    await exited;
  });
  let ready = false;
  for (let i = 0; i < 300 && !ready; i++) {
    ready = stderr.includes('tfc: trace: recording') && (await linkIndex(nsName, 'trace0')).ok;
    if (!ready) await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(ready, `trace0 never appeared: ${stderr}`);
  assert.ok((await addClsact(nsName, 'trace0')).ok);
  const viewer = await linkIndex(nsName, 'viewer1');
  assert.ok(viewer.ok);
  const sock = openPacketSocket(sysLoad.value, {
    ifindex: viewer.value,
    netnsPath: ns.value.path,
    protocol: 0x88b5,
  });
  assert.ok(sock.ok, sock.ok ? '' : sock.error.message);
  t.after(() => sock.value.dispose());
  const received = (): string[] => {
    const out: string[] = [];
    for (;;) {
      const f = sock.value.receive();
      if (!f.ok || f.value === undefined) return out;
      const d = decodeTraceFrame(f.value);
      if (d.ok && d.eventId === ev.event.id) out.push(hex(d.record));
    }
  };

  const nr = nrCpuIds();
  const env = { pid: firer.pid, tid: firer.threadTid, eventId: ev.event.id, nrCpus: nr };
  const cases = fc
    .sample(lseekCase(env), { numRuns: FILTERS * 3, seed: SEED })
    .filter((c) => !/comm|COMM|common_flags|common_preempt_count/.test(c.filter));
  const stats = { judged: 0, events: 0, kept: 0, refusedByBoth: 0, refusedByTarget: 0 };
  const problems: string[] = [];
  /** Rules for `ruleFilter` on trace0, the kernel's filter `kernelFilter` on a judge instance, `hits` fired. */
  const judgeOnce = async (
    ruleFilter: string,
    kernelFilter: string,
    target: 'u32' | 'tc-bpf',
    hits: readonly Hit[],
  ): Promise<{ viewer: string[]; kernel: string[] } | string> => {
    const r = compileTc({
      source: {
        lang: 'tracefs',
        filter: ruleFilter,
        events: [ev.event],
        nrCpuIds: nr,
        dialect: dialect.dialect,
      },
      target,
      dev: 'trace0',
      direction: 'ingress',
      prio: 10,
      action: 'action mirred egress mirror dev viewer0',
    });
    const judge = TraceSession.start(root.path, {
      events: [{ group: 'syscalls', event: 'sys_enter_lseek' }],
      filter: kernelFilter,
      bufferKb: 64,
      hazard: { trailingOperator: dialect.dialect.trailingOperator },
    });
    if (!judge.ok) {
      if ('rejected' in judge && !r.ok && r.filterError !== undefined) return 'refused-by-both';
      return `kernel: ${judge.reason}; tfc ${r.ok ? 'compiled it' : 'refused it'}`;
    }
    try {
      if (!r.ok) return r.filterError !== undefined ? 'tfc refuses what the kernel takes' : 'not-expressible';
      const applied = await applyBatch(nsName, r.lines);
      assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
      try {
        received();
        judge.session.read();
        for (const h of hits) if (h.kind === 'lseek') await firer.lseek(h);
        const viewer: string[] = [];
        const kernel: string[] = [];
        for (let i = 0; i < 40; i++) {
          await new Promise((res) => setTimeout(res, 25));
          viewer.push(...received());
          for (const x of judge.session.read().records)
            if (
              x.data.length >= 8 &&
              new DataView(x.data.buffer, x.data.byteOffset).getInt32(4, true) === firer.pid
            )
              kernel.push(hex(x.data));
          if (i >= 8 && viewer.length >= kernel.length) break;
        }
        return { viewer, kernel };
      } finally {
        await filterDel(nsName, 'trace0', 'ingress', 10);
      }
    } finally {
      judge.session.dispose();
    }
  };
  const same = (a: readonly string[], b: readonly string[]): boolean =>
    JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  for (const c of cases.slice(0, FILTERS)) {
    for (const target of ['u32', 'tc-bpf'] as const) {
      const o = await judgeOnce(c.filter, c.filter, target, c.hits);
      if (o === 'refused-by-both') stats.refusedByBoth++;
      else if (o === 'not-expressible') stats.refusedByTarget++;
      else if (typeof o === 'string') problems.push(`${target} ${c.filter}: ${o}`);
      else {
        stats.judged++;
        stats.events += c.hits.length;
        stats.kept += o.kernel.length;
        if (!same(o.viewer, o.kernel))
          problems.push(
            `${target} ${c.filter}: viewer received ${o.viewer.length} frames, the kernel kept ${o.kernel.length}`,
          );
      }
    }
  }
  // Control: rules for another filter than the judge's disagree, and the comparison sees it.
  const hits: Hit[] = [0, 1, 0, 1].map((w, i) => ({ kind: 'lseek', fd: 3, offset: 10 + i, whence: w }));
  const control = await judgeOnce('whence == 0', 'whence == 1', 'u32', hits);
  assert.ok(typeof control !== 'string' && control.viewer.length === 2 && control.kernel.length === 2);
  assert.ok(!same(control.viewer, control.kernel), 'the control disagreement is seen');
  t.diagnostic(
    `trace0 rules: ${stats.judged} filter×target pairs judged on ${stats.events} live events (${stats.kept} kept by the kernel), ${stats.refusedByBoth} refused by both, ${stats.refusedByTarget} not expressible by the target; ${problems.length} problems`,
  );
  assert.deepEqual(problems, []);
  assert.ok(stats.judged >= FILTERS, `only ${stats.judged} pairs judged`);
});
