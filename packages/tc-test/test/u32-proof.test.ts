// The u32 target against the real kernel, in a namespace this test creates (and always deletes): random trace event
// filters over real event formats (sock/inet_sock_set_state, sched/sched_switch and two events drawn at random from
// the bundled snapshot) and the libpcap corpus filters u32 can express, compiled to u32 knodes, installed one
// filter per prio on v0's clsact ingress, each hit counted by a `mirred … continue` action (a miss rule aborts only
// its own prio, so "counted at least once" is the prio's first-match verdict); frames sent one at a time from the
// peer with AF_PACKET. Every kernel verdict must equal tfc's cls_u32 model (evaluateU32), and the model must equal
// the reference interpreter / libpcap on every frame that holds each key's whole 32-bit word (frames ending inside
// a word are counted and reported). Also: an out-of-bounds read aborts the whole prio (targets-spec §1.9).
// The seed is printed and can be fixed with TFC_SEED.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateU32, type U32Rules } from '@tfc/codegen-tc';
import { compileTc } from '@tfc/compiler';
import { applyBatch, filterDel } from '@tfc/iproute2';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import { filterArb, recordArb } from '@tfc/testkit';
import {
  bundledEvent,
  bundledEventNames,
  type EventFormat,
  encodeTraceFrame,
  evaluate,
  parseFilter,
  recordFromJson,
} from '@tfc/tracefs';
import fc from 'fast-check';
import { createTcLab, LAB_DEV, prioCounts, type TcLab } from '../src/index.ts';
import { corpusFilters, corpusFrames } from './corpus.ts';
import { ipFrames } from './ip-frames.ts';

const SEED = Number(process.env.TFC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FILTERS = 12;
const RECORDS = 8;
const root = process.getuid?.() === 0;

function event(sys: string, name: string): EventFormat {
  const e = bundledEvent(sys, name);
  assert.ok(e, `${sys}/${name}`);
  return e;
}

/** Two bundled events with at least three integer fields, drawn with the seed. */
function randomEvents(seed: number): EventFormat[] {
  const names = bundledEventNames();
  const out: EventFormat[] = [];
  let x = seed >>> 0;
  for (let tries = 0; out.length < 2 && tries < 500; tries++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const [sys, name] = (names[x % names.length] ?? '').split('/');
    const e = sys && name ? bundledEvent(sys, name) : undefined;
    const ints = e?.fields.filter(
      (f) => !f.name.startsWith('common_') && [1, 2, 4, 8].includes(f.size) && !f.type.includes('['),
    );
    if (e && ints && ints.length >= 3 && !out.some((o) => o.id === e.id)) out.push(e);
  }
  return out;
}

interface Installed {
  readonly label: string;
  readonly prio: number;
  readonly rules: U32Rules;
}

interface Judged {
  readonly data: Uint8Array;
  readonly why: string;
  /** Reference verdict per installed filter; undefined: outside the u32 contract (model only). */
  readonly want: readonly (boolean | undefined)[];
  /** The reference verdict where `want` is undefined (reported, not asserted). */
  readonly ref?: readonly boolean[];
}

/** Installs, sends every frame, and checks kernel ≡ model (always) and model ≡ reference (where given). */
async function judge(
  lab: TcLab,
  installed: readonly Installed[],
  lines: readonly string[],
  frames: readonly Judged[],
  tally: { kernel: number; reference: number; slack: number; slackDiffer: number; hits: number },
): Promise<void> {
  const applied = await applyBatch(lab.ns.name, lines, { timeoutMs: 60_000 });
  assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
  try {
    let before = await prioCounts(lab);
    for (const f of frames) {
      const s = lab.send(f.data);
      assert.ok(s.ok, s.ok ? '' : s.error);
      const after = await prioCounts(lab);
      installed.forEach((x, i) => {
        const got = (after.get(x.prio) ?? 0n) - (before.get(x.prio) ?? 0n) > 0n;
        const model = evaluateU32(x.rules, f.data) === 'hit';
        assert.equal(
          got,
          model,
          `seed ${SEED}: u32 rules of ${x.label} on ${f.why}: kernel ${got ? 'matched' : 'did not match'}, tfc's cls_u32 model says ${model}`,
        );
        tally.kernel++;
        if (got) tally.hits++;
        const want = f.want[i];
        if (want === undefined) {
          tally.slack++;
          if (f.ref !== undefined && f.ref[i] !== model) tally.slackDiffer++;
        } else {
          assert.equal(model, want, `seed ${SEED}: ${x.label} on ${f.why}: u32 ${model}, reference ${want}`);
          tally.reference++;
        }
      });
      before = after;
    }
  } finally {
    const d = await filterDel(lab.ns.name, LAB_DEV, 'ingress');
    assert.ok(d.ok, d.ok ? '' : d.error.message);
  }
}

/**
 * The u32 contract: cls_u32 reads whole 32-bit words, so a frame that ends inside a key's word can be rejected where
 * a byte-exact reader would not. A frame is inside the contract when three more bytes at its end would not change
 * the rules' verdict (the word rounding does not decide it) and, for rules through a linked table, it holds every
 * fixed word (contractMin).
 */
function inContract(rules: U32Rules, frame: Uint8Array): boolean {
  if (frame.length < (rules.contractMin ?? 0)) return false;
  const padded = new Uint8Array(frame.length + 3);
  padded.set(frame);
  return evaluateU32(rules, frame) === evaluateU32(rules, padded);
}

test(`u32 rules match on real tc as the reference interpreter and libpcap (seed ${SEED})`, async (t) => {
  if (!root) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const made = await createTcLab('tfc-u32');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const tally = { kernel: 0, reference: 0, slack: 0, slackDiffer: 0, hits: 0 };
  const skipped: string[] = [];

  // Trace events.
  const events = [
    event('sock', 'inet_sock_set_state'),
    event('sched', 'sched_switch'),
    ...randomEvents(SEED),
  ];
  for (const [ei, ev] of events.entries()) {
    const other = events[(ei + 1) % events.length] as EventFormat;
    const texts = fc.sample(filterArb(ev, { strings: false }), { seed: SEED + ei, numRuns: FILTERS * 4 });
    const installed: (Installed & { parsed: ReturnType<typeof parseFilter> })[] = [];
    const lines: string[] = [];
    for (const text of texts) {
      if (installed.length === FILTERS) break;
      const parsed = parseFilter(text, ev, { nrCpuIds: 2 });
      if (!parsed.ok) continue;
      const prio = 1 + installed.length;
      const r = compileTc({
        source: { lang: 'tracefs', filter: text, events: [ev], nrCpuIds: 2 },
        target: 'u32',
        dev: LAB_DEV,
        direction: 'ingress',
        prio,
        action: lab.countAction,
      });
      if (!r.ok || r.u32 === undefined) {
        skipped.push(`${text}: ${r.ok ? r.backend : r.diagnostics[0]?.message}`);
        continue;
      }
      installed.push({ label: `'${text}' (${ev.system}/${ev.name})`, prio, rules: r.u32, parsed });
      lines.push(...r.lines);
    }
    assert.ok(installed.length >= FILTERS / 2, `${ev.name}: too few u32 filters (${installed.length})`);
    const frames: Judged[] = [];
    for (const json of fc.sample(recordArb(ev), { seed: SEED + 100 + ei, numRuns: RECORDS })) {
      const rec = recordFromJson(ev, json);
      assert.ok(rec.ok, rec.ok ? '' : rec.error);
      const data = encodeTraceFrame(rec.record, { eventId: ev.id, cpu: rec.ctx.cpu, comm: rec.ctx.comm });
      frames.push({
        data,
        why: JSON.stringify(json),
        ref: installed.map((x) => x.parsed.ok && evaluate(x.parsed.filter, rec.record, rec.ctx)),
        want: installed.map((x) =>
          inContract(x.rules, data) && x.parsed.ok
            ? evaluate(x.parsed.filter, rec.record, rec.ctx)
            : undefined,
        ),
      });
    }
    const o = recordFromJson(other, {});
    assert.ok(o.ok);
    const od = encodeTraceFrame(o.record, { eventId: other.id, cpu: 0, comm: 'sh' });
    frames.push({ data: od, why: `a ${other.name} record`, want: installed.map(() => false) });
    await judge(lab, installed, lines, frames, tally);
  }

  // libpcap corpus: filters u32 expresses, frames the kernel delivers unchanged to tc (no 802.1Q/802.1ad tag: the
  // receive path strips it before the ingress hook; at least an Ethernet header).
  const all = corpusFrames();
  const sendable = all.filter((f) => {
    if (f.bytes.length < 14) return false;
    const et = (f.bytes[12]! << 8) | f.bytes[13]!;
    return et !== 0x8100 && et !== 0x88a8;
  });
  const pcapInstalled: (Installed & { filter: string; verdicts: readonly number[] })[] = [];
  const pcapLines: string[] = [];
  let notExpressible = 0;
  for (const c of corpusFilters()) {
    if (c.v1_10_3_opt === null) continue;
    const prio = 1 + pcapInstalled.length;
    const r = compileTc({
      source: { lang: 'pcap', filter: c.filter },
      target: 'u32',
      dev: LAB_DEV,
      direction: 'ingress',
      prio,
      action: lab.countAction,
    });
    if (!r.ok || r.u32 === undefined) {
      notExpressible++;
      continue;
    }
    pcapInstalled.push({
      label: `pcap '${c.filter}'`,
      prio,
      rules: r.u32,
      filter: c.filter,
      verdicts: c.v1_10_3_opt,
    });
    pcapLines.push(...r.lines);
  }
  assert.ok(pcapInstalled.length >= 20, `only ${pcapInstalled.length} corpus filters as u32`);
  const pcapFrames: Judged[] = sendable.map((f) => ({
    data: f.bytes,
    why: `corpus frame ${f.n} (${f.desc})`,
    want: pcapInstalled.map((x) => (inContract(x.rules, f.bytes) ? x.verdicts[f.n - 1] === 1 : undefined)),
    ref: pcapInstalled.map((x) => x.verdicts[f.n - 1] === 1),
  }));
  // Random frames of every IPv4 header length (options, IHL < 5, truncations), judged by libpcap's own interpreter
  // running libpcap's unoptimized program (which tfc's IR follows; the optimizer may drop or move loads): the
  // linked-table rules must follow the IHL as libpcap does.
  const pcap = loadLibpcap();
  assert.ok(pcap.ok, pcap.ok ? '' : pcap.reason);
  const programs = (() => {
    using cc = pcap.value.compiler(DLT.EN10MB);
    return pcapInstalled.map((x) => {
      const p = cc.compile(x.filter, { optimize: false });
      assert.ok(p.ok, p.ok ? '' : p.error);
      return p.program;
    });
  })();
  for (const f of ipFrames(SEED, 120)) {
    const ref = programs.map((p) => pcap.value.filter(p, f.bytes) !== 0);
    pcapFrames.push({
      data: f.bytes,
      why: `random frame ${Buffer.from(f.bytes).toString('hex')} (${f.desc})`,
      want: pcapInstalled.map((x, i) => (inContract(x.rules, f.bytes) ? ref[i] : undefined)),
      ref,
    });
  }
  const linked = pcapInstalled.filter((x) => (x.rules.tables ?? []).length > 0).length;
  assert.ok(linked >= 10, `only ${linked} corpus filters through a linked table`);
  await judge(lab, pcapInstalled, pcapLines, pcapFrames, tally);

  t.diagnostic(
    `seed ${SEED}: ${tally.kernel} (filter, frame) pairs through real tc u32 (${tally.hits} matches); ${tally.reference} also judged against the reference/libpcap, ${tally.slack} frames where the word rounding decides (model only; ${tally.slackDiffer} of them differ from the reference); trace filters not u32: ${skipped.length}; corpus filters: ${pcapInstalled.length} as u32 (${linked} through a linked table), ${notExpressible} not expressible; ${linked * pcapFrames.length} pairs on linked rule sets`,
  );
  assert.ok(tally.kernel >= 300, `${tally.kernel} pairs`);
  assert.ok(tally.hits > 0 && tally.hits < tally.kernel, 'both verdicts occur');
});

test('u32: a read past the packet aborts the whole prio; the next prio still runs (targets-spec §1.9)', async (t) => {
  if (!root) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const made = await createTcLab('tfc-u32oob');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const head = `filter add dev ${LAB_DEV} ingress protocol all`;
  const lines = [
    `${head} prio 7 handle ::1 u32 match u32 0 0 at 200 ${lab.countAction}`,
    `${head} prio 7 handle ::2 u32 match u32 0 0 at -4 ${lab.countAction}`,
    `${head} prio 8 handle ::1 u32 match u32 0 0 at -4 ${lab.countAction}`,
  ];
  const applied = await applyBatch(lab.ns.name, lines);
  assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
  const frame = new Uint8Array(60);
  frame.set([0x02, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5]);
  const before = await prioCounts(lab);
  assert.ok(lab.send(frame).ok);
  const after = await prioCounts(lab);
  assert.deepEqual(
    [7, 8].map((p) => (after.get(p) ?? 0n) - (before.get(p) ?? 0n)),
    [0n, 1n],
    'prio 7 (an out-of-bounds knode first) counts nothing, prio 8 counts the frame',
  );
  // The model agrees: a rule set whose first knode reads out of bounds rejects the frame.
  const rules: U32Rules = {
    protocol: 'all',
    linkOffset: 14,
    wordSlack: 0,
    wordEnd: 218,
    knodes: [
      { kind: 'hit', keys: [{ value: 0, mask: 0, at: 200 }] },
      { kind: 'hit', keys: [] },
    ],
  };
  assert.equal(evaluateU32(rules, frame), 'miss');
});

test(`u32 rules without --event: every sock event that has the fields, each with its own offsets (seed ${SEED})`, async (t) => {
  if (!root) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const sock = bundledEventNames()
    .filter((n) => n.startsWith('sock/'))
    .map((n) => event('sock', n.slice(5)));
  const made = await createTcLab('tfc-u32any');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const texts = [
    'family == 2 && protocol == 6',
    'family == 10 || protocol != 6',
    '!(family == 2) && protocol < 17',
  ];
  const installed: (Installed & { text: string; covered: readonly string[] })[] = [];
  const lines: string[] = [];
  for (const [i, text] of texts.entries()) {
    const r = compileTc({
      source: { lang: 'tracefs', filter: text, events: sock, anyEvent: true, nrCpuIds: 2 },
      target: 'u32',
      dev: LAB_DEV,
      direction: 'ingress',
      prio: i + 1,
      action: lab.countAction,
    });
    assert.ok(r.ok && r.u32, r.ok ? r.backend : r.diagnostics[0]?.message);
    assert.ok(r.covered.includes('sock/inet_sock_set_state') && r.covered.includes('sock/sk_data_ready'));
    installed.push({ label: `'${text}' (no --event)`, prio: i + 1, rules: r.u32, text, covered: r.covered });
    lines.push(...r.lines);
  }
  const frames: Judged[] = [];
  const meta = new Map<
    Judged,
    { ev: EventFormat; rec: Extract<ReturnType<typeof recordFromJson>, { ok: true }> }
  >();
  for (const ev of sock) {
    for (const json of fc.sample(recordArb(ev), { seed: SEED + ev.id, numRuns: 4 })) {
      for (const [family, protocol] of [
        [2, 6],
        [10, 17],
      ] as const) {
        const j = { ...json, ...(ev.fields.some((f) => f.name === 'family') ? { family, protocol } : {}) };
        const rec = recordFromJson(ev, j);
        if (!rec.ok) continue;
        const data = encodeTraceFrame(rec.record, { eventId: ev.id, cpu: rec.ctx.cpu, comm: rec.ctx.comm });
        const judged: Judged = {
          data,
          why: `${ev.name} ${JSON.stringify(j)}`,
          want: installed.map((x) => {
            if (!x.covered.includes(`sock/${ev.name}`)) return false; // the subsystem filter leaves it unfiltered: no rule
            const p = parseFilter(x.text, ev, { nrCpuIds: 2 });
            assert.ok(p.ok);
            return inContract(x.rules, data) ? evaluate(p.filter, rec.record, rec.ctx) : undefined;
          }),
        };
        frames.push(judged);
        meta.set(judged, { ev, rec });
      }
    }
  }
  const tally = { kernel: 0, reference: 0, slack: 0, slackDiffer: 0, hits: 0 };
  await judge(lab, installed, lines, frames, tally);
  t.diagnostic(`seed ${SEED}: ${tally.kernel} pairs over ${sock.length} sock events, ${tally.hits} matches`);
  assert.ok(tally.hits > 0 && tally.reference > 0);

  // The same filters as one cls_bpf program each (every event's own offsets, keyed on the event id, with the full
  // frame guard): exact on every frame.
  const bpfLines: string[] = [];
  for (const [i, text] of texts.entries()) {
    const r = compileTc({
      source: { lang: 'tracefs', filter: text, events: sock, anyEvent: true, nrCpuIds: 2 },
      target: 'tc-bpf',
      dev: LAB_DEV,
      direction: 'ingress',
      prio: 100 + i,
      action: lab.countAction,
    });
    assert.ok(r.ok && r.backend === 'tc-bpf', r.ok ? r.backend : r.diagnostics[0]?.message);
    bpfLines.push(...r.lines);
  }
  const applied = await applyBatch(lab.ns.name, bpfLines);
  assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
  let before = await prioCounts(lab);
  let bpfPairs = 0;
  for (const f of frames) {
    assert.ok(lab.send(f.data).ok);
    const after = await prioCounts(lab);
    const m = meta.get(f);
    assert.ok(m);
    const { ev, rec } = m;
    texts.forEach((text, i) => {
      const got = (after.get(100 + i) ?? 0n) - (before.get(100 + i) ?? 0n) > 0n;
      const covered = installed[i]!.covered.includes(`sock/${ev.name}`);
      const p = parseFilter(text, ev, { nrCpuIds: 2 });
      const want = covered && p.ok && evaluate(p.filter, rec.record, rec.ctx);
      assert.equal(got, want, `seed ${SEED}: cls_bpf '${text}' (no --event) on ${f.why}`);
      bpfPairs++;
    });
    before = after;
  }
  assert.ok((await filterDel(lab.ns.name, LAB_DEV, 'ingress')).ok);
  t.diagnostic(`seed ${SEED}: ${bpfPairs} pairs through cls_bpf (no --event)`);
});
