/*
 * `--target tc` and the single tc targets: which tc backend takes the filter — flower (pcap only), then u32, then
 * one cls_bpf program — and why the better ones were not used, as a batch for the request's device, direction,
 * prio and action.
 * Invariants: the IR was optimised once before selection (`tables`, what flower and u32 read); the cls_bpf
 * fallback reads `classic`, computed only when reached (for packets the same optimised IR, for trace frames the
 * full-guard IR of the same lowering); `why` lists one reason per backend tried, in order, without the tc-bpf
 * hint; a single target (u32, flower, tc-bpf) returns that backend's own diagnostics.
 */
import type { ProgramSpec } from '@tfc/codegen-bpf';
import {
  type FlowerProfile,
  type FlowerRule,
  flowerBatch,
  TC_BPF_HINT,
  type TcDirection,
  tcBpfBatch,
  type U32Rules,
  u32Batch,
  u32Stats,
} from '@tfc/codegen-tc';
import type * as ir from '@tfc/ir';
import type { FilterError } from '@tfc/tracefs';
import type { Diagnostic, StageResult } from '../diagnostic.ts';
import { flowerTarget } from './flower.ts';
import { tcBpfTarget } from './tc-bpf.ts';
import type { TcInput } from './tc-input.ts';
import { u32Target } from './u32.ts';

export type TcTarget = 'tc' | 'u32' | 'tc-bpf' | 'flower';
export type TcBackend = 'u32' | 'tc-bpf' | 'flower';

/** `--target tc` prefers one cls_bpf program over more u32 rules than this. */
export const TC_U32_RULE_LIMIT = 32;

export interface TcPlace {
  readonly dev: string;
  readonly direction: TcDirection;
  readonly prio: number;
  /** Appended to each matching rule. */
  readonly action?: string;
  /** `classid MAJ:MIN` of each matching rule (before the action). */
  readonly classid?: string;
  /** A classful qdisc or class the rules attach to instead of clsact (`1:`). */
  readonly parent?: string;
}

export type TcResult =
  | {
      readonly ok: true;
      readonly backend: TcBackend;
      /** Why this backend (for `--target tc`: why the better ones were not used). */
      readonly why: readonly string[];
      readonly lines: readonly string[];
      /** Events the rules cover, as sys/name (trace filters). */
      readonly covered: readonly string[];
      /** Caveats worth a line on stderr. */
      readonly notes: readonly string[];
      readonly u32?: U32Rules;
      readonly flower?: readonly FlowerRule[];
      readonly program?: ProgramSpec;
      readonly stats: string;
    }
  | {
      readonly ok: false;
      readonly diagnostics: readonly Diagnostic[];
      /** The kernel rejects the filter (one event): render with renderFilterFile. */
      readonly filterError?: FilterError;
    };

export interface Selection {
  readonly target: TcTarget;
  readonly lang: 'tracefs' | 'pcap';
  readonly place: TcPlace;
  readonly flowerProfile: FlowerProfile;
  /** Events covered, as sys/name. */
  readonly covered: readonly string[];
  /** The optimised IR flower and u32 read. */
  readonly tables: () => StageResult<TcInput>;
  /** The optimised IR the cls_bpf program is generated from. */
  readonly classic: () => StageResult<ir.Filter>;
}

const FLOWER_TRACE =
  'flower: trace frames carry no header the flow dissector knows (no flower keys for record fields)';

const codegen = (ds: readonly { readonly message: string }[]): Diagnostic[] =>
  ds.map((d) => ({ stage: 'codegen', message: d.message }));

function batchPlace(p: TcPlace) {
  return {
    dev: p.dev,
    direction: p.direction,
    prio: p.prio,
    ...(p.action !== undefined ? { action: p.action } : {}),
    ...(p.classid !== undefined ? { classid: p.classid } : {}),
    ...(p.parent !== undefined ? { parent: p.parent } : {}),
  };
}

export function selectTc(s: Selection): TcResult {
  const why: string[] = [];
  const { target, place, covered } = s;
  if (target === 'flower' && s.lang === 'tracefs')
    return {
      ok: false,
      diagnostics: [{ stage: 'codegen', message: `${FLOWER_TRACE}; use --target u32 or tc-bpf` }],
    };
  if (target === 'tc' && s.lang === 'tracefs') why.push(FLOWER_TRACE);
  if ((target === 'tc' || target === 'flower') && s.lang === 'pcap') {
    const x = s.tables();
    if (!x.ok) return x;
    const f = flowerTarget.run(x.value.ir, s.flowerProfile);
    const b = f.ok ? flowerBatch(f.value, batchPlace(place)) : undefined;
    // Under --parent, flower's stop rules would pick a class: --target tc goes on to u32.
    const placeRefused =
      b !== undefined && !b.ok && target === 'tc' && b.diagnostics.every((d) => d.code === 'parent');
    if (b !== undefined && !b.ok && !placeRefused) return { ok: false, diagnostics: codegen(b.diagnostics) };
    if (f.ok && b?.ok === true) {
      if (target === 'tc')
        why.push(
          `flower: ${f.value.length} filter(s) at prios ${place.prio}…${place.prio + Math.max(0, f.value.length - 1)}`,
        );
      return {
        ok: true,
        backend: 'flower',
        why,
        lines: b.lines,
        covered,
        notes: [
          'flower rules decide as libpcap for frames of at least 60 bytes without VLAN tags, IPv4 headers with IHL ≥ 5 and not fragmented (flower sees no ports in any fragment), IPv6 without extension headers',
        ],
        flower: f.value,
        stats: `flower: ${f.value.length} filters`,
      };
    }
    if (!f.ok && target === 'flower') return f;
    const refusals = f.ok ? (b !== undefined && !b.ok ? b.diagnostics : []) : f.diagnostics;
    why.push(
      `flower: ${[...new Set(refusals.map((d) => d.message.replace(/; use --target.*$/, '')))].join('; ')}`,
    );
  }
  if (target === 'tc' || target === 'u32') {
    const x = s.tables();
    if (!x.ok) return x;
    const u = u32Target.run(x.value.ir, x.value);
    const big = u.ok && target === 'tc' && u.value.rules.knodes.length > TC_U32_RULE_LIMIT;
    if (u.ok && big)
      why.push(
        `u32: ${u.value.rules.knodes.length} rules (more than ${TC_U32_RULE_LIMIT}; one cls_bpf program is smaller)`,
      );
    if (u.ok && !big) {
      const { rules, notes } = u.value;
      const b = u32Batch(rules, batchPlace(place));
      if (!b.ok) return { ok: false, diagnostics: codegen(b.diagnostics) };
      const st = u32Stats(rules);
      if (target === 'tc') why.push(`u32: expressible as ${st.rules} rule(s) with ${st.keys} key(s)`);
      return {
        ok: true,
        backend: 'u32',
        why,
        lines: b.lines,
        covered,
        notes,
        u32: rules,
        stats: `u32: ${st.rules} rules, ${st.keys} keys, protocol ${rules.protocol}`,
      };
    }
    if (target === 'u32' && !u.ok) return u;
    if (!u.ok) {
      const reasons = new Set(u.diagnostics.map((d) => d.message.replace(`; ${TC_BPF_HINT}`, '')));
      why.push(`u32: ${[...reasons].join('; ')}`);
    }
  }
  const classic = s.classic();
  if (!classic.ok) return classic;
  const p = tcBpfTarget.run(classic.value, s.lang === 'tracefs' ? 'trace-frame' : 'packet');
  if (!p.ok) return p;
  const program = p.value;
  const b = tcBpfBatch(program, batchPlace(place));
  if (!b.ok) return { ok: false, diagnostics: codegen(b.diagnostics) };
  if (target === 'tc') why.push(`tc-bpf: a classic BPF program of ${program.insns.length} instructions`);
  return {
    ok: true,
    backend: 'tc-bpf',
    why,
    lines: b.lines,
    covered,
    notes: [],
    program,
    stats: `tc-bpf: ${program.insns.length} classic instructions`,
  };
}
