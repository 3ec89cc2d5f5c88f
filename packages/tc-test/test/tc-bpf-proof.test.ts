// The cls_bpf target against the real kernel: random trace event filters over sock/inet_sock_set_state and
// sched/sched_switch, compiled to classic bytecode and to eBPF objects, installed with the generated tc batch on the
// clsact egress of v1 and the clsact ingress of its peer v0, inside a namespace this test creates (and always
// deletes); trace frames sent one at a time out of v1 with AF_PACKET; each filter's `mirred … continue` counter says whether it matched, and every
// verdict must equal the reference interpreter's. Direct-action objects (TC_ACT_SHOT on match, TC_ACT_UNSPEC on
// miss) are judged through the clsact drop counter and a catch-all counter behind them. The seed is printed and
// can be fixed with TFC_SEED.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ProgramSpec } from '@tfc/codegen-bpf';
import { clsactLine, compileOptionsFor, type TcBpfMode, tcBpfBatch } from '@tfc/codegen-tc';
import { compile, emit, tcBpfOutput } from '@tfc/compiler';
import { applyBatch, filterDel, filterShow, qdiscShow } from '@tfc/iproute2';
import { filterArb, recordArb } from '@tfc/testkit';
import {
  bundledEvent,
  type EventFormat,
  encodeTraceFrame,
  evaluate,
  type Filter,
  parseFilter,
  recordFromJson,
} from '@tfc/tracefs';
import fc from 'fast-check';
import { createTcLab, LAB_DEV, LAB_PEER, type TcLab } from '../src/index.ts';

const SEED = Number(process.env.TFC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FILTERS = 20;
const RECORDS = 10;
const DA_FILTERS = 8;

function event(sys: string, name: string): EventFormat {
  const e = bundledEvent(sys, name);
  assert.ok(e, `${sys}/${name}`);
  return e;
}
const EVENTS = [event('sock', 'inet_sock_set_state'), event('sched', 'sched_switch')];

interface Frame {
  readonly data: Uint8Array;
  readonly why: string;
  /** Reference verdict per filter (index as in the filter list). */
  readonly want: readonly boolean[];
}

interface Case {
  readonly text: string;
  readonly parsed: Filter | null;
}

function compileFor(ev: EventFormat, text: string, mode: TcBpfMode): ProgramSpec {
  const r = compile({
    filter: text,
    event: ev,
    target: mode === 'classic' ? 'cbpf' : 'ebpf',
    ctx: 'trace-frame',
    progType: 'tc',
    nrCpuIds: 2,
    ...compileOptionsFor(mode, { onMatch: 'shot', onMiss: 'unspec' }),
  });
  assert.ok(r.ok, r.ok ? '' : `${text}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.program;
}

function objectFile(dir: string, name: string, p: ProgramSpec): string {
  const e = emit(p, 'elf');
  assert.ok(e.ok && e.data instanceof Uint8Array, e.ok ? 'not bytes' : e.message);
  const path = join(dir, `${name}.o`);
  writeFileSync(path, e.data);
  return path;
}

function makeCases(ev: EventFormat, other: EventFormat, seed: number): { cases: Case[]; frames: Frame[] } {
  const texts = fc.sample(filterArb(ev), { seed, numRuns: FILTERS * 4 });
  const cases: Case[] = [];
  for (const text of texts) {
    const p = parseFilter(text, ev, { nrCpuIds: 2 });
    if (p.ok && !cases.some((c) => c.text === text)) cases.push({ text, parsed: p.filter });
    if (cases.length === FILTERS) break;
  }
  const frames: Frame[] = [];
  for (const json of fc.sample(recordArb(ev), { seed: seed + 1, numRuns: RECORDS })) {
    const rec = recordFromJson(ev, json);
    assert.ok(rec.ok, rec.ok ? '' : rec.error);
    const data = encodeTraceFrame(rec.record, { eventId: ev.id, cpu: rec.ctx.cpu, comm: rec.ctx.comm });
    frames.push({
      data,
      why: JSON.stringify(json),
      want: cases.map((c) => evaluate(c.parsed, rec.record, rec.ctx)),
    });
  }
  // A record of another event, and a frame cut inside the record: no filter of this event may match them.
  const o = recordFromJson(other, {});
  assert.ok(o.ok);
  frames.push({
    data: encodeTraceFrame(o.record, { eventId: other.id, cpu: 0, comm: 'sh' }),
    why: `a ${other.name} record`,
    want: cases.map(() => false),
  });
  const first = frames[0];
  assert.ok(first);
  const cut = first.data.slice(0, 54 + Math.max(0, new DataView(first.data.buffer).getUint32(30) - 1));
  frames.push({
    data: cut.length < 60 ? first.data.slice(0, 60) : cut,
    why: 'a cut frame',
    want: cases.map(() => false),
  });
  return { cases, frames };
}

async function counters(
  lab: TcLab,
  dev = LAB_DEV,
  dir: 'ingress' | 'egress' = 'ingress',
): Promise<Map<number, bigint>> {
  const s = await filterShow(lab.ns.name, dev, dir);
  assert.ok(s.ok, s.ok ? '' : s.error.message);
  return new Map(s.value.map((f) => [f.pref, f.actions.reduce((n, a) => n + a.packets, 0n)]));
}

const root = process.getuid?.() === 0;

test(`cls_bpf classic bytecode and eBPF objects match as the reference interpreter (seed ${SEED})`, async (t) => {
  if (!root) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const made = await createTcLab('tfc-tcbpf');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  const dir = mkdtempSync(join(tmpdir(), `tfc-tcbpf-${process.pid}-`));
  t.after(async () => {
    await lab.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const tally = { classic: 0, obj: 0, objDa: 0, matches: 0 };
  for (const [ei, ev] of EVENTS.entries()) {
    const other = EVENTS[(ei + 1) % EVENTS.length] as EventFormat;
    const { cases, frames } = makeCases(ev, other, SEED + ei * 1000);
    assert.ok(cases.length >= FILTERS / 2, `too few parsable filters (${cases.length})`);
    // Classic bytecode at prio 1…K, eBPF classid-mode objects at prio 101…100+K, all counting through mirred, on
    // v1 egress and v0 ingress (every frame passes both hooks).
    const HOOKS = [
      { dev: LAB_PEER, dir: 'egress' },
      { dev: LAB_DEV, dir: 'ingress' },
    ] as const;
    const lines: string[] = [];
    cases.forEach((c, i) => {
      for (const mode of ['classic', 'obj'] as const) {
        const p = compileFor(ev, c.text, mode);
        const objectPath = join(dir, `${ev.name}-${i}.o`);
        for (const h of HOOKS) {
          const out = tcBpfOutput(p, {
            dev: h.dev,
            direction: h.dir,
            prio: (mode === 'classic' ? 1 : 101) + i,
            action: lab.countAction,
            ...(mode === 'obj' ? { objectPath, classidMode: true } : {}),
          });
          assert.ok(out.ok, out.ok ? '' : out.diagnostics.map((d) => d.message).join('; '));
          assert.equal(out.object !== undefined, mode === 'obj');
          if (out.object) writeFileSync(objectPath, out.object);
          lines.push(...out.batch.trimEnd().split('\n'));
        }
      }
    });
    const applied = await applyBatch(lab.ns.name, lines, { timeoutMs: 60_000 });
    assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
    const readAll = () => Promise.all(HOOKS.map((h) => counters(lab, h.dev, h.dir)));
    let before = await readAll();
    for (const f of frames) {
      const s = lab.send(f.data);
      assert.ok(s.ok, s.ok ? '' : s.error);
      const after = await readAll();
      HOOKS.forEach((h, hi) => {
        cases.forEach((c, i) => {
          for (const [mode, prio] of [
            ['classic', 1 + i],
            ['obj', 101 + i],
          ] as const) {
            const got = (after[hi]?.get(prio) ?? 0n) - (before[hi]?.get(prio) ?? 0n);
            assert.equal(
              got,
              f.want[i] ? 1n : 0n,
              `seed ${SEED}: ${mode} filter '${c.text}' at ${h.dev} ${h.dir} on ${f.why}: kernel counted ${got}, reference says ${f.want[i]}`,
            );
            tally[mode === 'classic' ? 'classic' : 'obj']++;
            if (f.want[i]) tally.matches++;
          }
        });
      });
      before = after;
    }
    assert.ok((await filterDel(lab.ns.name, LAB_PEER, 'egress')).ok);
    const del = await filterDel(lab.ns.name, LAB_DEV, 'ingress');
    assert.ok(del.ok, del.ok ? '' : del.error.message);

    // Direct action: prio 1 drops matches (TC_ACT_SHOT) and continues on a miss (TC_ACT_UNSPEC) to the prio 2
    // catch-all counter.
    for (const [i, c] of cases.slice(0, DA_FILTERS).entries()) {
      const p = compileFor(ev, c.text, 'obj-da');
      const b = tcBpfBatch(p, {
        dev: LAB_DEV,
        direction: 'ingress',
        prio: 1,
        objectPath: objectFile(dir, `${ev.name}-da-${i}`, p),
      });
      assert.ok(b.ok && b.mode === 'obj-da', b.ok ? b.mode : b.diagnostics.map((d) => d.message).join('; '));
      const all = await applyBatch(lab.ns.name, [
        ...b.lines,
        `filter add dev ${LAB_DEV} ingress protocol all prio 2 bpf bytecode '1,6 0 0 4294967295' ${lab.countAction}`,
      ]);
      assert.ok(all.ok, all.ok ? '' : all.failure.error.message);
      const drops = async (): Promise<bigint> => {
        const q = await qdiscShow(lab.ns.name, LAB_DEV);
        assert.ok(q.ok);
        return q.value.find((x) => x.kind === 'clsact')?.drops ?? -1n;
      };
      let d0 = await drops();
      let c0 = (await counters(lab)).get(2) ?? 0n;
      for (const f of frames) {
        assert.ok(lab.send(f.data).ok);
        const d1 = await drops();
        const c1 = (await counters(lab)).get(2) ?? 0n;
        const want = f.want[i] === true;
        assert.deepEqual(
          [d1 - d0, c1 - c0],
          want ? [1n, 0n] : [0n, 1n],
          `seed ${SEED}: da filter '${c.text}' on ${f.why}: [dropped, passed on], reference says ${want}`,
        );
        tally.objDa++;
        d0 = d1;
        c0 = c1;
      }
      assert.ok((await filterDel(lab.ns.name, LAB_DEV, 'ingress')).ok);
    }
  }
  t.diagnostic(
    `seed ${SEED}: (filter, frame) pairs judged by the kernel: classic ${tally.classic}, eBPF obj ${tally.obj}, eBPF da ${tally.objDa}; reference matches ${tally.matches}`,
  );
  assert.ok(tally.classic + tally.obj + tally.objDa >= 300);
  assert.ok(tally.matches > 0 && tally.matches < tally.classic + tally.obj, 'both verdicts occur');
  assert.equal(clsactLine(LAB_DEV), `qdisc add dev ${LAB_DEV} clsact`);
});
