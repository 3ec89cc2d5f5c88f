// lowerFilter: a parsed tracefs filter (ast.ts) → an IR filter (@tfc/ir) with the same verdict on
// every record, for tracepoint-side evaluation (ctx 'record') or for trace frames (ctx 'trace-frame',
// docs/trace-over-ethernet.md). Invariants: pure and deterministic; never throws; the tree is walked
// with an explicit stack (10,000-deep input costs memory, not JS stack); and/or are built n-ary with
// all their terms at once; double negations cancel; the result passed verify() (IR diagnostics, e.g.
// nesting beyond MAX_DEPTH after flattening, come back as diagnostics); a null filter (cleared, `0`)
// is constant true.
// trace-frame guard (option frameGuard, default true): the body runs only on frames that carry this
// event completely — EtherType 0x88B5, header event id == the format's ID, and frame length ≥ 54 +
// the header's record length; any other frame (also one cut short) is rejected. Loads past the end
// of the frame abort (reject), where the record context would read zero bytes.

import type { Filter as IrFilter, Pred } from '@tfc/ir';
import { and, arith, cmp, filter as irFilter, konst, LEN, load, MAX_DEPTH, not, or, verify } from '@tfc/ir';
import type { Filter, FilterNode } from '../ast.ts';
import { FRAME_HEADER, TRACE_ETHERTYPE } from '../frame.ts';
import type { EventFormat } from '../types.ts';
import { type LeafEnv, type LowerCtx, type LowerDiagnostic, lowerPredicate } from './leaf.ts';

export interface LowerOptions {
  readonly ctx: LowerCtx;
  /** nr_cpu_ids of the machine the filter will run on (must equal the one the filter was parsed for). */
  readonly nrCpuIds: number;
  /**
   * How header fields are read in ctx 'record' (ignored for 'trace-frame', where the record is
   * whole): 'record' (default) loads them from record bytes 0–7, as the kernel's interpreter does;
   * 'pseudo' is for tracepoint programs, which cannot read those bytes: common_pid becomes the `pid`
   * pseudo-field (current's pid), common_type the event id constant, and common_flags /
   * common_preempt_count are diagnostics.
   */
  readonly commonFields?: 'record' | 'pseudo';
  /** ctx 'trace-frame': prefix the frame checks described in the module header (default true). */
  readonly frameGuard?: boolean;
}

export type LowerResult =
  | { readonly ok: true; readonly ir: IrFilter }
  | { readonly ok: false; readonly diagnostics: readonly LowerDiagnostic[] };

interface Frame {
  readonly node: FilterNode;
  next: number;
  readonly out: Pred[];
}

function combine(node: FilterNode, args: Pred[]): Pred {
  if (node.type === 'and') return and(...args);
  if (node.type === 'or') return or(...args);
  const a = args[0]!;
  return a.kind === 'not' ? a.arg : not(a);
}

function children(node: FilterNode): readonly FilterNode[] {
  if (node.type === 'pred') return [];
  if (node.type === 'not') return [node.operand];
  return node.operands;
}

/** The frame checks for ctx 'trace-frame' (see the module header). */
export function frameGuard(event: EventFormat): Pred {
  return and(
    cmp('eq', 2, false, load('packet', FRAME_HEADER.ethertype, 2, 'be'), TRACE_ETHERTYPE),
    cmp('eq', 2, false, load('packet', FRAME_HEADER.eventId, 2, 'be'), BigInt(event.id)),
    cmp('ge', 4, false, LEN, 54),
    cmp('le', 4, false, load('packet', FRAME_HEADER.recordLength, 4, 'be'), arith('-', LEN, konst(54))),
  );
}

export function lowerFilter(filter: Filter | null, event: EventFormat, opts: LowerOptions): LowerResult {
  const env: LeafEnv = {
    ctx: opts.ctx,
    nrCpuIds: opts.nrCpuIds,
    commonFields: opts.commonFields ?? 'record',
    event,
  };
  const guard = opts.ctx === 'trace-frame' && opts.frameGuard !== false;
  if (filter === null) {
    const body: Pred = guard ? frameGuard(event) : { kind: 'true' };
    return { ok: true, ir: irFilter(body) };
  }
  const leaves: Pred[] = [];
  const diagnostics: LowerDiagnostic[] = [];
  for (const p of filter.preds) {
    const r = lowerPredicate(p, env);
    if (r.ok) leaves.push(r.pred);
    else {
      diagnostics.push(r.diagnostic);
      leaves.push({ kind: 'false' });
    }
  }
  if (diagnostics.length > 0) return { ok: false, diagnostics };

  // Post-order walk with an explicit stack.
  const stack: Frame[] = [{ node: filter.tree, next: 0, out: [] }];
  let result: Pred | undefined;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const kids = children(top.node);
    if (top.node.type !== 'pred' && top.next < kids.length) {
      stack.push({ node: kids[top.next++]!, next: 0, out: [] });
      continue;
    }
    stack.pop();
    const value =
      top.node.type === 'pred' ? (leaves[top.node.index] ?? { kind: 'false' }) : combine(top.node, top.out);
    const parent = stack[stack.length - 1];
    if (parent) parent.out.push(value);
    else result = value;
  }
  const body = result ?? { kind: 'true' };
  const ir = irFilter(guard ? and(frameGuard(event), body) : body);
  const bad = verify(ir);
  if (bad.length > 0) {
    return {
      ok: false,
      diagnostics: bad.map((d) => ({
        message:
          d.code === 'depth'
            ? `the filter nests and/or/not too deeply for the IR (limit ${MAX_DEPTH} levels after flattening): ${d.message}`
            : `internal: lowered IR fails verify (${d.code} at ${d.at}): ${d.message}`,
      })),
    };
  }
  return { ok: true, ir };
}
