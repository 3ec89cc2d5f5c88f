// One call from IR to every P4-family output: the decision list, entries-json, the P4_16 program,
// P4Runtime updates (proto3 JSON and text), the p4info and BMv2 CLI commands.
// Invariants: pure and deterministic; diagnostics from the decision list are passed through unchanged.
import type { Filter, IrDiagnostic } from '@tfc/ir';
import { buildDecisionList, type DecisionList, type DecisionListOptions } from './decision-list.ts';
import { emitEntriesJson } from './entries-json.ts';
import { emitP4Program } from './p4-program.ts';
import { emitBmv2Commands, p4Table } from './p4-table.ts';
import {
  emitP4Info,
  emitWriteRequestJson,
  emitWriteRequestText,
  type P4RuntimeOptions,
} from './p4runtime.ts';

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
  | { readonly ok: false; readonly diagnostics: readonly IrDiagnostic[] } {
  const r = buildDecisionList(ir, opts);
  if (!r.ok) return r;
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
