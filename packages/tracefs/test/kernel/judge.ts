// Comparison of one kernel judgement with tfc's front end, reference interpreter and IR. Invariants:
// the kernel is the reference; a disagreement is thrown as an Error whose message names the filter,
// the record (values and exact kernel bytes), both verdicts or both filter-file / error renderings;
// records are evaluated on the exact bytes the kernel built, with the CPU they were recorded on and
// the task name the kernel saw: by the reference interpreter, and by the IR lowered for records (before
// and after the passes, always exact) and for trace frames (the record in a frame with 256 zero bytes
// after it: exact unless a read leaves the frame, counted as an abort); callers append the final
// (shrunk) disagreement to DISAGREEMENTS_FILE.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { evaluateOutcome, runPasses } from '@tfc/ir';
import type { EventRef, Judgement, Unavailable } from '@tfc/kernel/tracefs';
import { stripLogTimestamps } from '@tfc/kernel/tracefs';

export { liveDialect } from '@tfc/testkit';

import {
  type EventFormat,
  encodeTraceFrame,
  evaluate,
  type Filter,
  type FilterEnv,
  lowerFilter,
  parseFilter,
  parseFormat,
  renderAcceptedFilterFile,
  renderErrorLog,
  renderFilterFile,
} from '@tfc/tracefs';

/**
 * An oracle that started, released in t.after, with its live event format parsed by tfc; null after t.skip (with
 * the oracle's reason) when it could not start.
 */
export function started<
  O extends { readonly format: string; readonly event: EventRef; dispose(): Promise<void> },
>(t: TestContext, o: O | Unavailable): { oracle: O; event: EventFormat } | null {
  if ('ok' in o) {
    t.skip(o.reason);
    return null;
  }
  t.after(() => o.dispose());
  const parsed = parseFormat(o.format, { system: o.event.group, name: o.event.event });
  assert.ok(parsed.ok, `tfc parses the live ${o.event.group}:${o.event.event} format`);
  return { oracle: o, event: parsed.event };
}

export const DISAGREEMENTS_FILE = '/tmp/tracefs-disagreements.txt';

export type Stats = {
  accepted: number;
  rejected: number;
  records: number;
  kept: number;
  /** Records the lowered IR was compared on (record and frame lowering), frame outcomes that aborted. */
  ir: number;
  frameAborts: number;
};

export const newStats = (): Stats => ({
  accepted: 0,
  rejected: 0,
  records: 0,
  kept: 0,
  ir: 0,
  frameAborts: 0,
});

/** Raw and optimised IR of a filter lowered for `ctx`, or the lowering's diagnostic. */
function lowerBoth(filter: Filter, event: EventFormat, nrCpuIds: number, ctx: 'record' | 'trace-frame') {
  const r = lowerFilter(filter, event, { ctx, nrCpuIds });
  if (!r.ok) return r.diagnostics.map((d) => d.message).join('; ');
  const o = runPasses(r.ir, { verifyEach: true });
  if (!o.ok) return `runPasses: ${o.diagnostics.map((d) => d.message).join('; ')}`;
  return [r.ir, o.ir] as const;
}

const FRAME_PAD = 256;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const commonPidOf = (rec: Uint8Array): number =>
  rec.length >= 8 ? Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength).readInt32LE(4) : 0;

export function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (x instanceof Uint8Array) return `bytes:${Buffer.from(x).toString('latin1')}`;
    return x;
  });
}

/** Appends a (shrunk) disagreement report to DISAGREEMENTS_FILE. */
export function logDisagreement(text: string): void {
  appendFileSync(DISAGREEMENTS_FILE, `${new Date().toISOString()} ${text}\n\n`);
}

export type CommOf = (record: Uint8Array) => Uint8Array;

/**
 * Throws (and logs) if tfc disagrees with the kernel on `filter` + the judged records.
 * `inputs` are the records as generated (for the report).
 */
export function compare(
  label: string,
  event: EventFormat,
  env: FilterEnv,
  filter: string,
  inputs: readonly unknown[],
  k: Judgement,
  commOf: CommOf,
  stats: Stats,
): void {
  const { nrCpuIds } = env;
  const p = parseFilter(filter, event, env);
  const fail = (what: string): never => {
    throw new Error(`[${label}] ${what}\n  filter: ${JSON.stringify(filter)}\n`);
  };
  if (k.errno === null) {
    stats.accepted++;
    if (!p.ok) {
      fail(
        `kernel ACCEPTED, tfc rejected: ${p.error.errno} ${JSON.stringify(renderFilterFile(p.error))}\n  kernel filter file: ${JSON.stringify(k.filterFile)}`,
      );
      return;
    }
    const shown = renderAcceptedFilterFile(p.filter);
    if (shown !== k.filterFile)
      fail(
        `filter file differs:\n  kernel: ${JSON.stringify(k.filterFile)}\n  tfc:    ${JSON.stringify(shown)}`,
      );
    const filterIr = p.filter;
    let cache: { record: ReturnType<typeof lowerBoth>; frame: ReturnType<typeof lowerBoth> } | undefined;
    const lowered = () => {
      if (cache === undefined && filterIr !== null)
        cache = {
          record: lowerBoth(filterIr, event, nrCpuIds, 'record'),
          frame: lowerBoth(filterIr, event, nrCpuIds, 'trace-frame'),
        };
      return cache ?? { record: 'no filter', frame: 'no filter' };
    };
    for (const [i, rec] of k.records.entries()) {
      stats.records++;
      const kernel = k.accepted[i] ?? false;
      if (kernel) stats.kept++;
      const ctx = { cpu: k.cpus[i] ?? 0, comm: commOf(rec) };
      const where = () =>
        `  record input: ${show(inputs[i])}\n  cpu: ${ctx.cpu} comm: ${JSON.stringify(Buffer.from(ctx.comm).toString('latin1'))}\n` +
        `  kernel bytes: ${hex(rec)}`;
      const tfc = evaluate(p.filter, rec, ctx);
      if (tfc !== kernel) {
        fail(
          `verdicts differ on record ${i}: kernel ${kernel ? 'KEEPS' : 'drops'}, tfc ${tfc ? 'keeps' : 'drops'}\n${where()}`,
        );
      }
      if (p.filter === null) continue;
      const want = kernel ? 'accept' : 'reject';
      const irs = lowered();
      if (typeof irs.record === 'string') fail(`lowering for records failed: ${irs.record}`);
      if (typeof irs.frame === 'string') fail(`lowering for trace frames failed: ${irs.frame}`);
      if (typeof irs.record === 'string' || typeof irs.frame === 'string') continue;
      stats.ir++;
      const input = { record: rec, cpu: ctx.cpu, comm: ctx.comm, pid: commonPidOf(rec) };
      for (const [n, ir] of irs.record.entries()) {
        const got = evaluateOutcome(ir, input);
        if (got !== want)
          fail(
            `IR (record, ${n ? 'after passes' : 'lowered'}) ${got}, kernel ${want}s record ${i}\n${where()}`,
          );
      }
      const framed = new Uint8Array(rec.length + FRAME_PAD);
      framed.set(rec);
      const frame = encodeTraceFrame(framed, { eventId: event.id, cpu: ctx.cpu, comm: ctx.comm });
      for (const [n, ir] of irs.frame.entries()) {
        const got = evaluateOutcome(ir, { packet: frame });
        if (got === 'abort') stats.frameAborts++;
        else if (got !== want)
          fail(
            `IR (trace frame, ${n ? 'after passes' : 'lowered'}) ${got}, kernel ${want}s record ${i}\n${where()}`,
          );
      }
    }
    return;
  }
  stats.rejected++;
  if (p.ok) {
    fail(`kernel REJECTED (${k.errno}), tfc accepted\n  kernel filter file: ${JSON.stringify(k.filterFile)}`);
    return;
  }
  const e = p.error;
  if (e.errno !== k.errno)
    fail(
      `errno differs: kernel ${k.errno}, tfc ${e.errno}\n  kernel filter file: ${JSON.stringify(k.filterFile)}`,
    );
  if (e.tooLong) return; // the kernel keeps showing the previous filter; nothing is logged
  const ff = renderFilterFile(e);
  if (ff !== k.filterFile)
    fail(`filter file differs:\n  kernel: ${JSON.stringify(k.filterFile)}\n  tfc:    ${JSON.stringify(ff)}`);
  const kl = stripLogTimestamps(k.errorLog);
  const tl = renderErrorLog(e);
  if (kl !== tl) fail(`error_log differs:\n  kernel: ${JSON.stringify(kl)}\n  tfc:    ${JSON.stringify(tl)}`);
}
