// Records the front-end inputs of listings.golden.test.ts: the libpcap corpus filters (both link types), a
// fixed-seed sample of the pcap filter generator, and fixed-seed samples of the trace-filter generator over bundled
// events with every string field kind, each lowered to the IR and written as IR JSON (filterToJson). Run by hand
// (`node --import tsx packages/codegen-bpf/test/golden/make-inputs.mjs`) only when the inputs themselves must change;
// the test reads the JSON, so @tfc/codegen-bpf's tests never import a front end.
// Invariants: deterministic (fixed seeds, sorted corpus); rejected front-end inputs are skipped, not recorded.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { filterToJson } from '../../../ir/src/index.ts';
import { compilePcap } from '../../../pcap/src/index.ts';
import { filterText } from '../../../pcap/test/filters.ts';
import { filterArb } from '../../../testkit/src/index.ts';
import { bundledEvent, lowerFilter, parseFilter } from '../../../tracefs/src/index.ts';

const corpus = new URL('../../../../../shared/corpus/pcap-libpcap-1.10.3/', import.meta.url);
const cases = [];
const seen = new Set();
const pcapCase = (name, text, linktype) => {
  const key = `${linktype} ${text}`;
  if (seen.has(key)) return;
  seen.add(key);
  const r = compilePcap(text, { linktype });
  if (!r.ok) return;
  cases.push({ name: `${name} [${linktype}] ${text}`, kind: 'pcap', ir: filterToJson(r.ir) });
};
const rows = JSON.parse(readFileSync(new URL('index.json', corpus), 'utf8')).rows;
const verdicts = JSON.parse(readFileSync(new URL('semantic/verdicts.json', corpus), 'utf8')).filters;
for (const lt of ['ethernet', 'raw']) {
  for (const r of rows) pcapCase(`corpus ${r.id}`, r.filter, lt);
  for (const v of verdicts) pcapCase(`semantic ${v.n}`, v.filter, lt);
}
for (const [i, t] of fc.sample(filterText, { seed: 20261206, numRuns: 200 }).entries())
  pcapCase(`pcap-gen ${i}`, t, 'ethernet');

const EVENTS = [
  'syscalls/sys_enter_lseek',
  'sched/sched_switch',
  'sched/sched_process_exec',
  'syscalls/sys_enter_openat',
  'sched/sched_wakeup',
];
const HAND = [
  'filename == "/bin/sh"',
  'filename ~ "/bin/*"',
  'filename ~ "*sh"',
  'filename ~ "*bin*"',
  'filename ~ "/b?n/[a-z]*"',
  'filename != "x" && comm == "bash"',
  'comm ~ "b*sh"',
  'comm ~ "*a*"',
  'common_pid == 7 || cpu == 1',
  'prev_comm ~ "*sh" || next_comm == "zsh"',
  'prev_pid > 100 && prev_prio < 120',
  'pid == 1 && comm ~ "[!a-c]*"',
];
for (const name of EVENTS) {
  const [sys, ev] = name.split('/');
  const event = bundledEvent(sys, ev);
  if (event === undefined) throw new Error(`no bundled event ${name}`);
  const texts = [...HAND, ...fc.sample(filterArb(event), { seed: 1206 + name.length, numRuns: 60 })];
  texts.forEach((text, i) => {
    const parsed = parseFilter(text, event, { nrCpuIds: 4 });
    if (!parsed.ok) return;
    for (const ctx of ['tracepoint', 'trace-frame']) {
      const lowered = lowerFilter(parsed.filter, event, {
        ctx: ctx === 'tracepoint' ? 'record' : 'trace-frame',
        nrCpuIds: 4,
        ...(ctx === 'tracepoint' ? { commonFields: 'pseudo' } : {}),
      });
      if (!lowered.ok) continue;
      cases.push({
        name: `trace ${name} #${i} ${ctx}: ${text}`,
        kind: ctx,
        record: { commonType: event.id, event: name },
        ir: filterToJson(lowered.ir),
      });
    }
  });
}
const out = new URL('inputs.json.gz', import.meta.url);
writeFileSync(out, gzipSync(`${JSON.stringify(cases, null, 1)}\n`, { level: 9 }));
console.log(`${cases.length} cases → ${out.pathname}`);
