// One call from IR to every P4-family output: the decision list, entries-json, the P4_16 program,
// P4Runtime updates (proto3 JSON and text), the p4info and BMv2 CLI commands.
// Invariants: pure and deterministic; the decision list's refusals are worded by refusal-words.ts, in order.
import { buildDecisionList, type DecisionList, type DecisionListOptions } from '@tfc/decision-list';
import type { Filter } from '@tfc/ir';
import { emitEntriesJson } from './entries-json.ts';
import { emitP4Program } from './p4-program.ts';
import { emitBmv2Commands, p4Table } from './p4-table.ts';
import {
  emitP4Info,
  emitWriteRequestJson,
  emitWriteRequestText,
  type P4RuntimeOptions,
} from './p4runtime.ts';
import { type P4Diagnostic, p4Diagnostic } from './refusal-words.ts';

export interface P4Outputs {
  readonly list: DecisionList;
  readonly entriesJson: string;
  readonly p4: string;
  readonly p4info: string;
  readonly writeRequestJson: string;
  readonly writeRequestText: string;
  readonly bmv2: string;
}

export interface P4CompileOptions extends DecisionListOptions {
  readonly title?: string;
  readonly p4runtime?: P4RuntimeOptions;
}

export function compileP4(
  ir: Filter,
  opts: P4CompileOptions = {},
):
  | { readonly ok: true; readonly outputs: P4Outputs }
  | { readonly ok: false; readonly diagnostics: readonly P4Diagnostic[] } {
  const r = buildDecisionList(ir, opts);
  if (!r.ok) return { ok: false, diagnostics: r.refusals.map(p4Diagnostic) };
  const table = p4Table(r.list);
  return {
    ok: true,
    outputs: {
      list: r.list,
      entriesJson: emitEntriesJson(r.list),
      p4: emitP4Program(r.list, table, opts.title),
      p4info: emitP4Info(table),
      writeRequestJson: emitWriteRequestJson(table, opts.p4runtime),
      writeRequestText: emitWriteRequestText(table, opts.p4runtime),
      bmv2: emitBmv2Commands(table),
    },
  };
}
