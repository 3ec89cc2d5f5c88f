// Raw tracepoint programs (compileRaw, tp_btf) against the kernel, live. For every covered event: a window in which
// the same hits are seen by a private tracefs instance without a filter (A, the kernel's records), a second one
// with FILTER (J, the kernel's interpreter), and tfc's raw program for FILTER in verdict mode (a record for every
// hit, built from the tracepoint's arguments, with its verdict). A and J are enabled before the program is attached
// and disabled after it is detached, so every hit the program saw is in A (and, if the kernel accepts it, in J).
// Judged, per record key (the length and the bytes of every covered field, a string's bytes included):
//  - records: every record the program built is one of A's (multiset inclusion: byte for byte on covered fields, a
//    covered string's __data_loc word and its bytes included);
//  - verdicts: for each key, the program's accepted records ≤ J's and its rejected ones ≤ A's − J's (a wrong verdict
//    on any hit with a distinct key is a disagreement);
//  - refusals: a filter the kernel refuses is refused by compileRaw with the kernel's error; a filter reading an
//    uncovered field is refused with raw-field (the record path's job: counted as a fallback, not judged).
// Filters: for syscalls/sys_enter_lseek the live differential's generator (generators.ts: lseekCase, its hits made by
// the firer), for the other events @tfc/testkit's filterArb over the live format (integer fields, cpu, common_pid).
// tfc apply's counting program (mode count) must count exactly the firer's hits its filter keeps.
// A window with lost events is run again (up to three times). Sizes: TFC_RAW_FILTERS filters per event (default 6),
// TFC_SEED. Skips with the reason without root, tracefs, BPF or BTF.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { linkMaps, type RawEventLayout } from '@tfc/codegen-bpf';
import { compileRaw, rawFallback, resolveRawLayout } from '@tfc/compiler';
import {
  FirerProcess,
  loadKoffiSyscalls,
  nrCpuIds,
  openRawSession,
  parseBtf,
  probeFeatures,
  type RawBtfView,
  RawCounter,
  type RawTraceRecord,
  rawBtfView,
  type Syscalls,
} from '@tfc/kernel';
import { locateTracefs, readEventFormatText, type TimedRecord, TracefsInstance } from '@tfc/kernel/tracefs';
import { filterArb, liveDialect } from '@tfc/testkit';
import { type EventFormat, type FilterDialect, parseFormat } from '@tfc/tracefs';
import fc from 'fast-check';
import { type Case, lseekCase } from './generators.ts';
import { openTraffic, type Traffic } from './raw-traffic.ts';

const FILTERS = Number(process.env.TFC_RAW_FILTERS ?? 6);
const SEED = Number(process.env.TFC_SEED ?? 20261206);

interface Live {
  readonly sys: Syscalls;
  readonly root: string;
  readonly btf: RawBtfView;
  readonly dialect: FilterDialect;
  readonly firer: FirerProcess;
  /** The private network namespace's traffic, or why there is none (the network events are then skipped). */
  readonly traffic: Traffic | string;
}

/** Events whose hits need packets dropped (retransmits): the namespace's lossy round. */
const LOSSY = new Set([
  'tcp/tcp_retransmit_skb',
  'tcp/tcp_retransmit_synack',
  'tcp/tcp_cong_state_set',
  // tcp_current_ssthresh() while the window is being reduced (CWR, Recovery)
  'tcp/tcp_probe',
]);
/** The event whose hits need the namespace's ping round (a full ICMP socket receive queue). */
const PING_EVENT = 'sock/sock_rcvqueue_full';
/** The events whose hits need the namespace's hash round (TCP-MD5 on one side, SYNs with a wrong checksum). */
const HASH_EVENTS = new Set([
  'tcp/tcp_bad_csum',
  'tcp/tcp_hash_md5_required',
  'tcp/tcp_hash_md5_unexpected',
  'tcp/tcp_hash_md5_mismatch',
]);

/** Makes the event's hits (besides whatever else the machine does in the window). */
async function workload(live: Live, ev: EventFormat, c: Case | undefined): Promise<void> {
  if (ev.system === 'syscalls') {
    for (const h of c?.hits ?? []) if (h.kind === 'lseek') await live.firer.lseek(h);
    if (c === undefined)
      for (let i = 0; i < 6; i++) await live.firer.lseek({ fd: 3 + i, offset: i * 7, whence: i % 3 });
  } else if (ev.name.startsWith('sched_process_')) {
    for (let i = 0; i < 3; i++) execFileSync('true');
  } else if (typeof live.traffic !== 'string') {
    const name = `${ev.system}/${ev.name}`;
    const mode = LOSSY.has(name)
      ? 'lossy'
      : name === PING_EVENT
        ? 'ping'
        : HASH_EVENTS.has(name)
          ? 'hash'
          : 'plain';
    const code = await live.traffic.round(mode);
    assert.equal(code, 0, 'the traffic child exits cleanly');
  }
  await new Promise((r) => setTimeout(r, 30));
}

/** The key a record is compared by: the covered fields' bytes (strings: the bytes pointed at) and its length,
 *  unless a string is not covered (the program's record then lacks its bytes). */
function keyOf(ev: EventFormat, L: RawEventLayout, rec: Uint8Array): string {
  const hex = (a: number, b: number) => Buffer.from(rec.subarray(a, b)).toString('hex');
  const parts = L.fields.map((f) => {
    const bytes = hex(f.offset, f.offset + f.size);
    if (f.source.kind !== 'string' || rec.length < f.offset + 4) return bytes;
    // a __data_loc string: the word, then the bytes it points at (NUL included)
    const loc = new DataView(rec.buffer, rec.byteOffset + f.offset, 4).getUint32(0, true);
    return `${bytes}=${hex(loc & 0xffff, (loc & 0xffff) + (loc >>> 16))}`;
  });
  const covered = new Set(L.fields.map((f) => f.name));
  const sized = ev.fields.every((f) => !/^__(data|rel)_loc\b/.test(f.type) || covered.has(f.name));
  return `${sized ? rec.length : ''}:${parts.join('.')}`;
}

/** Fields another task writes while the tracepoint runs: the kernel's probe and tfc's program read them moments
 *  apart. sched_switch's prev_state folds in prev->exit_state, which the parent reaping the exiting task on another
 *  CPU turns from EXIT_ZOMBIE into EXIT_DEAD (wait_task_zombie's cmpxchg) — so a record of a dying task may carry
 *  either (0x20 or 0x10). A record that differs from one of the kernel's only there, both values among these, is
 *  counted as raced (reported), not judged; any other difference is a disagreement. */
const RACES: Readonly<Record<string, { field: string; values: readonly string[] }>> = {
  'sched/sched_switch': { field: 'prev_state', values: ['1000000000000000', '2000000000000000'] },
};

/** Whether `ours` differs from a key of `kernel` only in the event's racy field, both values racy ones. */
function raced(
  ev: EventFormat,
  L: RawEventLayout,
  ours: string,
  kernel: ReadonlyMap<string, number>,
): boolean {
  const race = RACES[`${ev.system}/${ev.name}`];
  const i = L.fields.findIndex((f) => f.name === race?.field);
  if (race === undefined || i < 0) return false;
  const split = (k: string) => ({
    len: k.slice(0, k.indexOf(':')),
    parts: k.slice(k.indexOf(':') + 1).split('.'),
  });
  const o = split(ours);
  if (!race.values.includes(o.parts[i] ?? '')) return false;
  for (const k of kernel.keys()) {
    const t = split(k);
    if (
      t.len === o.len &&
      race.values.includes(t.parts[i] ?? '') &&
      t.parts.every((p, j) => j === i || p === o.parts[j])
    )
      return true;
  }
  return false;
}

function count(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

type Outcome =
  | { kind: 'judged'; records: number; accepted: number; raced: number }
  | { kind: 'both-refuse' }
  | { kind: 'fallback'; why: string }
  | { kind: 'lossy' }
  | { kind: 'problem'; message: string };

/** One window: A, J (filter) and the raw program (verdict mode) on the same hits. */
async function runWindow(
  live: Live,
  ev: EventFormat,
  L: RawEventLayout,
  btfId: number,
  filter: string,
  c: Case | undefined,
  rawFilter = filter,
): Promise<Outcome> {
  const ref = { group: ev.system, event: ev.name };
  const A = TracefsInstance.create(live.root, `tfc_rawA_${process.pid}`);
  assert.ok(A instanceof TracefsInstance, A instanceof TracefsInstance ? '' : A.reason);
  const J = TracefsInstance.create(live.root, `tfc_rawJ_${process.pid}`);
  try {
    assert.ok(J instanceof TracefsInstance, J instanceof TracefsInstance ? '' : J.reason);
    A.setBufferSizeKb(8192);
    J.setBufferSizeKb(8192);
    const judgeErr = filter === '' ? null : J.writeFilter(ref, filter);
    const compiled = compileRaw({
      filter: rawFilter,
      event: ev,
      layout: L,
      nrCpuIds: nrCpuIds(),
      dialect: live.dialect,
      mode: 'verdict',
    });
    if (judgeErr !== null)
      return compiled.ok || compiled.filterError === undefined
        ? { kind: 'problem', message: `the kernel refuses (${judgeErr}), compileRaw does not` }
        : { kind: 'both-refuse' };
    if (!compiled.ok) {
      const why = rawFallback(compiled);
      if (why !== undefined) return { kind: 'fallback', why };
      return {
        kind: 'problem',
        message: `compileRaw refuses: ${compiled.diagnostics.map((d) => d.message).join('; ')}`,
      };
    }
    const spec = compiled.program;
    assert.equal(spec.target, 'ebpf');
    if (spec.target !== 'ebpf') return { kind: 'problem', message: 'not eBPF' };
    assert.equal(A.setEnabled(ref, true), null);
    assert.equal(J.setEnabled(ref, true), null);
    let raw: RawTraceRecord[] = [];
    let lost = 0n;
    const opened = openRawSession(live.sys, {
      ringSize: 1 << 24,
      programs: [
        {
          tracepoint: L.tracepoint,
          btfId,
          link: (m) => {
            const l = linkMaps(
              spec.insns,
              new Map([
                [spec.raw?.ringbuf ?? '', m.ringbuf],
                [spec.raw?.lost ?? '', m.lost],
              ]),
            );
            return l.ok ? { ok: true, insns: l.bytes } : { ok: false, error: l.message };
          },
        },
      ],
    });
    if (!opened.ok)
      return { kind: 'problem', message: `load: ${opened.error}\n${opened.log ?? ''}\n${spec.listing}` };
    try {
      await workload(live, ev, c);
      raw = opened.session.drain();
      lost = opened.session.lost();
    } finally {
      opened.session.dispose();
    }
    A.setEnabled(ref, false);
    J.setEnabled(ref, false);
    const drain = (i: TracefsInstance): TimedRecord[] => {
      const out: TimedRecord[] = [];
      for (let k = 0; k < 3; k++) for (const r of i.drainTimed().records) out.push(r);
      return out;
    };
    const a = drain(A);
    const j = drain(J);
    if (lost > 0n || a.some((r) => r.lostBefore > 0) || j.some((r) => r.lostBefore > 0))
      return { kind: 'lossy' };
    const mine = (r: { data: Uint8Array }) =>
      r.data.length >= 2 && (r.data[0]! | (r.data[1]! << 8)) === ev.id;
    const aKeys = count(a.filter(mine).map((r) => keyOf(ev, L, r.data)));
    const jKeys = count(j.filter(mine).map((r) => keyOf(ev, L, r.data)));
    const accepted = new Map<string, number>();
    const rejected = new Map<string, number>();
    for (const r of raw) {
      const k = keyOf(ev, L, r.data);
      const m = r.verdict === 1 ? accepted : rejected;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    let racedRecords = 0;
    for (const [k, n] of count(raw.map((r) => keyOf(ev, L, r.data))))
      if ((aKeys.get(k) ?? 0) < n) {
        if (!raced(ev, L, k, aKeys))
          return { kind: 'problem', message: `a record the kernel did not write (${n}×): ${k}` };
        // a raced record has no kernel twin to pair verdicts with
        racedRecords += n;
        accepted.delete(k);
        rejected.delete(k);
      }
    for (const [k, n] of accepted)
      if ((jKeys.get(k) ?? 0) < n) return { kind: 'problem', message: `accepted, the kernel rejects: ${k}` };
    for (const [k, n] of rejected)
      if ((aKeys.get(k) ?? 0) - (jKeys.get(k) ?? 0) < n)
        return { kind: 'problem', message: `rejected, the kernel accepts: ${k}` };
    let acc = 0;
    for (const n of accepted.values()) acc += n;
    return { kind: 'judged', records: raw.length, accepted: acc, raced: racedRecords };
  } finally {
    if (J instanceof TracefsInstance) J.dispose();
    A.dispose();
  }
}

async function setup(t: TestContext): Promise<Live | undefined> {
  if (process.getuid?.() !== 0) return void t.skip('needs root (tracefs instances, BPF)');
  const f = probeFeatures();
  if (!f.bpf.ok) return void t.skip(f.bpf.reason);
  const root = await locateTracefs({ mount: true });
  if (!root.ok) return void t.skip(root.reason);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux'));
  } catch {
    return void t.skip('no kernel BTF (/sys/kernel/btf/vmlinux)');
  }
  const table = parseBtf(bytes);
  if (!table.ok) return void t.skip(`kernel BTF: ${table.error}`);
  const sys = loadKoffiSyscalls();
  if (!sys.ok) return void t.skip(sys.reason);
  const dialect = await liveDialect();
  if (!dialect.ok) return void t.skip(`cannot probe the kernel's filter dialect: ${dialect.reason}`);
  const firer = await FirerProcess.start();
  if ('ok' in firer) return void t.skip(firer.reason);
  t.after(() => firer.dispose());
  const traffic = await openTraffic();
  if (typeof traffic !== 'string') t.after(() => traffic.dispose());
  return {
    sys: sys.value,
    root: root.path,
    btf: rawBtfView(table.table, 'BTF of the running kernel'),
    dialect: dialect.dialect,
    firer,
    traffic,
  };
}

const EVENTS = [
  'syscalls/sys_enter_lseek',
  'syscalls/sys_exit_lseek',
  'sock/inet_sock_set_state',
  'tcp/tcp_destroy_sock',
  'tcp/tcp_receive_reset',
  'tcp/tcp_rcv_space_adjust',
  'tcp/tcp_retransmit_skb',
  'tcp/tcp_send_reset',
  'tcp/tcp_retransmit_synack',
  'tcp/tcp_cong_state_set',
  'tcp/tcp_probe',
  'tcp/tcp_rcvbuf_grow',
  'tcp/tcp_sendmsg_locked',
  'tcp/tcp_bad_csum',
  'tcp/tcp_hash_md5_required',
  'tcp/tcp_hash_md5_unexpected',
  'tcp/tcp_hash_md5_mismatch',
  'sock/inet_sk_error_report',
  'sock/sock_recv_length',
  'sock/sock_send_length',
  'sock/sk_data_ready',
  'sock/sock_rcvqueue_full',
  'skb/kfree_skb',
  'skb/consume_skb',
  'skb/skb_copy_datagram_iovec',
  'net/net_dev_queue',
  'net/net_dev_xmit',
  'net/net_dev_start_xmit',
  'net/netif_rx_entry',
  'net/netif_rx_exit',
  'net/napi_gro_receive_entry',
  'net/napi_gro_receive_exit',
  'net/netif_receive_skb',
  'net/netif_rx',
  'sched/sched_switch',
  'sched/sched_wakeup',
  'sched/sched_waking',
  'sched/sched_process_exec',
  'sched/sched_process_fork',
  'sched/sched_process_exit',
  'sched/sched_process_free',
];

type Totals = Record<
  'events' | 'filters' | 'judged' | 'refused' | 'fallbacks' | 'records' | 'fields' | 'accepted' | 'raced',
  number
>;

/** Why the event cannot be proven here (skipped with a diagnostic), or undefined. */
function skipReason(live: Live, name: string): string | undefined {
  const system = name.split('/')[0] ?? '';
  if (!['syscalls', 'sched'].includes(system) && typeof live.traffic === 'string') return live.traffic;
  if (
    (name === PING_EVENT || HASH_EVENTS.has(name)) &&
    typeof live.traffic !== 'string' &&
    live.traffic.ping !== true
  )
    return live.traffic.ping;
  if (name.startsWith('net/napi_gro_') && typeof live.traffic !== 'string' && live.traffic.gro !== true)
    return live.traffic.gro;
  return undefined;
}

/** Every filter's window for one event (`SYS/NAME`): totals and disagreements added up; its records counted. */
async function proveEvent(t: TestContext, live: Live, name: string, totals: Totals, problems: string[]) {
  const [system, event] = name.split('/') as [string, string];
  const text = readEventFormatText(system, event, { root: live.root });
  if (!text.ok) return void t.diagnostic(`${name}: not on this kernel (${text.error})`);
  const parsed = parseFormat(text.text, { system, name: event });
  assert.ok(parsed.ok);
  const ev = parsed.event;
  const r = resolveRawLayout(ev, live.btf);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  const btfId = live.btf.btfId(r.layout.tracepoint);
  assert.ok(btfId !== undefined);
  totals.events++;
  const cases: { filter: string; c?: Case }[] = [{ filter: '' }];
  if (name === 'syscalls/sys_enter_lseek') {
    const env = { pid: live.firer.pid, tid: live.firer.threadTid, eventId: ev.id, nrCpus: nrCpuIds() };
    for (const c of fc.sample(lseekCase(env), { numRuns: FILTERS, seed: SEED }))
      cases.push({ filter: c.filter, c });
  } else
    for (const f of fc.sample(filterArb(ev, { strings: false }), { numRuns: FILTERS, seed: SEED }))
      cases.push({ filter: f });
  let eventRecords = 0;
  for (const { filter, c } of cases) {
    totals.filters++;
    let o: Outcome = { kind: 'lossy' };
    for (let attempt = 0; attempt < 3 && o.kind === 'lossy'; attempt++)
      o = await runWindow(live, ev, r.layout, btfId as number, filter, c);
    if (o.kind === 'judged') {
      totals.judged++;
      totals.records += o.records;
      totals.fields += (o.records - o.raced) * r.layout.fields.length;
      totals.accepted += o.accepted;
      totals.raced += o.raced;
      if (o.raced > 0) t.diagnostic(`${name}: ${o.raced} record(s) raced another task's write: ${filter}`);
      eventRecords += o.records;
    } else if (o.kind === 'both-refuse') totals.refused++;
    else if (o.kind === 'fallback') {
      totals.fallbacks++;
      t.diagnostic(`${name}: falls back to the record path: ${filter}: ${o.why}`);
    } else if (o.kind === 'lossy') t.diagnostic(`${name}: lost events three times: ${filter}`);
    else {
      problems.push(`${name}: ${filter || '(no filter)'}: ${o.message}`);
      t.diagnostic(`disagreement: ${problems[problems.length - 1]}`);
    }
  }
  const uncovered = r.layout.uncovered.map((u) => u.name).join(', ');
  t.diagnostic(
    `${name}: ${r.layout.fields.length} covered fields (uncovered: ${uncovered || 'none'}), ${eventRecords} records`,
  );
  assert.ok(eventRecords > 0, `${name}: the program built no records`);
}

test('raw tracepoint programs build the kernel records and give the kernel interpreter verdicts', async (t) => {
  const live = await setup(t);
  if (live === undefined) return;
  const totals: Totals = {
    events: 0,
    filters: 0,
    judged: 0,
    refused: 0,
    fallbacks: 0,
    records: 0,
    fields: 0,
    accepted: 0,
    raced: 0,
  };
  const problems: string[] = [];
  const only = process.env.TFC_RAW_EVENTS?.split(',');
  for (const name of EVENTS) {
    if (only !== undefined && !only.some((o) => name.includes(o))) continue;
    const skip = skipReason(live, name);
    if (skip !== undefined) t.diagnostic(`${name}: skipped: ${skip}`);
    else await proveEvent(t, live, name, totals, problems);
  }
  t.diagnostic(
    `raw tracepoints: ${totals.events} events, ${totals.filters} filters (${totals.judged} judged, ${totals.refused} refused by the kernel and compileRaw, ${totals.fallbacks} fall back to the record path), ${totals.records} records built (${totals.accepted} accepted), ${totals.fields} fields compared byte for byte, ${totals.raced} raced (RACES), ${problems.length} disagreements`,
  );
  assert.deepEqual(problems, []);
  // Controls: a layout with two argument registers swapped builds records the kernel never wrote, and a program
  // given another filter than the judge's disagrees on verdicts; both must be seen.
  const text = readEventFormatText('syscalls', 'sys_enter_lseek', { root: live.root });
  assert.ok(text.ok);
  const parsed = parseFormat(text.text, { system: 'syscalls', name: 'sys_enter_lseek' });
  assert.ok(parsed.ok);
  const r = resolveRawLayout(parsed.event, live.btf);
  assert.ok(r.ok);
  if (!r.ok) return;
  const btfId = live.btf.btfId(r.layout.tracepoint) as number;
  const fd = r.layout.fields.find((f) => f.name === 'fd');
  const off = r.layout.fields.find((f) => f.name === 'offset');
  assert.ok(fd !== undefined && off !== undefined);
  const swapped = {
    ...r.layout,
    fields: r.layout.fields.map((f) =>
      f === fd ? { ...f, source: off.source } : f === off ? { ...f, source: fd.source } : f,
    ),
  };
  const bad = await runWindow(live, parsed.event, swapped, btfId, '', undefined);
  assert.equal(bad.kind, 'problem', 'the control with swapped registers is seen');
  const pid = live.firer.pid;
  // tfc apply's counting program (mode count): of the firer's six hits, the ones the filter keeps are counted
  const pidFilter = `common_pid == ${live.firer.pid} && whence == 1`;
  const counted = compileRaw({
    filter: pidFilter,
    event: parsed.event,
    layout: r.layout,
    nrCpuIds: nrCpuIds(),
    mode: 'count',
  });
  assert.ok(counted.ok && counted.program.target === 'ebpf');
  if (!counted.ok || counted.program.target !== 'ebpf') return;
  const spec = counted.program;
  const att = RawCounter.attach(live.sys, {
    tracepoint: 'sys_enter',
    btfId,
    link: (fd) => {
      const l = linkMaps(spec.insns, new Map([[spec.raw?.count ?? '', fd]]));
      return l.ok ? { ok: true, insns: l.bytes } : { ok: false, error: l.message };
    },
  });
  assert.ok(att.ok, att.ok ? '' : att.error);
  if (!att.ok) return;
  try {
    for (const w of [0, 1, 2, 1, 1, 0]) await live.firer.lseek({ fd: 3, offset: 5, whence: w });
    const c = att.counter.counts();
    assert.equal(c.accepted, 3n, 'the count program accepts the three whence == 1 hits of the firer');
    assert.ok(c.seen >= 6n, `seen ${c.seen} < 6`);
    t.diagnostic(`raw count mode: ${c.seen} lseeks seen, ${c.accepted} of the firer's accepted (3 expected)`);
  } finally {
    att.counter.dispose();
  }
  const other = await runWindow(
    live,
    parsed.event,
    r.layout,
    btfId,
    `common_pid == ${pid} && whence == 1`,
    undefined,
    `common_pid == ${pid} && whence == 0`,
  );
  assert.equal(other.kind, 'problem', 'the control with another filter is seen');
});
