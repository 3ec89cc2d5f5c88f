/*
 * compileTc(): trace event filters (carried as trace frames) and libpcap filters → tc rules as a `tc -b` batch:
 * u32 knodes from the decision list the P4 backend shares, or a classic cls_bpf program; `tc` picks the best
 * backend that can express the filter and says why.
 * Invariants: pure and deterministic; never touches the kernel. A trace filter given several events applies, as a
 * subsystem filter does, to every event that accepts it (kernel-exact parse), each with its own field offsets, the
 * rules keyed on the frame's event id; u32 rules decide what the IR decides for well-formed trace frames (EtherType,
 * event id, and a frame that holds the record's fixed part) and for packets whose keys lie in whole 32-bit words;
 * cls_bpf rules carry the full frame guard (record-length field included). Failures are values naming the stage.
 */
import { compileBpf, type ProgramSpec } from '@tfc/codegen-bpf';
import { type P4Outputs, compileP4 as p4FromIr } from '@tfc/codegen-p4';
import {
  type FlowerProfile,
  type FlowerRule,
  flowerBatch,
  flowerFromList,
  refusalReason,
  TC_BPF_HINT,
  type TcDirection,
  tcBpfBatch,
  type U32Rules,
  u32Batch,
  u32FromList,
  u32LinkFromIr,
  u32Stats,
} from '@tfc/codegen-tc';
import { buildDecisionList } from '@tfc/decision-list';
import * as ir from '@tfc/ir';
import { compilePcap } from '@tfc/pcap';
import {
  type EventFormat,
  type FilterError,
  FRAME_HEADER,
  lowerFilter,
  type Filter as ParsedFilter,
  parseFilter,
  parseSubsystemFilter,
  type SymbolLookup,
  TRACE_ETHERTYPE,
  TRACE_RECORD_OFFSET,
} from '@tfc/tracefs';
import type { Diagnostic } from './compile.ts';

/** Where a batch's rules go: the request's device, direction, prio and action text. */
function batchPlace(req: TcRequest) {
  return {
    dev: req.dev,
    direction: req.direction,
    prio: req.prio,
    ...(req.action !== undefined ? { action: req.action } : {}),
  };
}

/** A target's diagnostics as the pipeline's code-generation diagnostics. */
function asCodegen(ds: readonly { readonly message: string }[]): Diagnostic[] {
  return ds.map((d) => ({ stage: 'codegen', message: d.message }));
}

export type TcTarget = 'tc' | 'u32' | 'tc-bpf' | 'flower';
export type TcBackend = 'u32' | 'tc-bpf' | 'flower';

export type TcSource =
  | {
      readonly lang: 'tracefs';
      readonly filter: string;
      /** One event (--event), or the candidates of the no-event mode (snapshot, live tracefs, --subsystem). */
      readonly events: readonly EventFormat[];
      /** True when the events are candidates: cover those that accept the filter (subsystem semantics). */
      readonly anyEvent?: boolean;
      readonly nrCpuIds: number;
      readonly lookupSymbol?: SymbolLookup;
    }
  | { readonly lang: 'pcap'; readonly filter: string };

export interface TcRequest {
  readonly source: TcSource;
  readonly target: TcTarget;
  readonly dev: string;
  readonly direction: TcDirection;
  readonly prio: number;
  /** Appended to each matching rule. */
  readonly action?: string;
  /** flower: limit keys to what a driver offloads (default portable). */
  readonly flowerProfile?: FlowerProfile;
}

/** `--target tc` prefers one cls_bpf program over more u32 rules than this. */
export const TC_U32_RULE_LIMIT = 32;

/** Most events one set of rules may cover. */
export const MAX_TC_EVENTS = 256;

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

type IrOk = {
  readonly ok: true;
  readonly ir: ir.Filter;
  readonly covered: readonly EventFormat[];
  readonly minFrameLength: number;
};
type IrResult =
  | IrOk
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly filterError?: FilterError };

const name = (e: EventFormat): string => `${e.system}/${e.name}`;

function fixedRecordSize(event: EventFormat): number {
  return Math.max(0, ...event.fields.map((f) => f.offset + f.size));
}

/** Identifiers of the filter text (field-name candidates). */
function identifiers(text: string): Set<string> {
  return new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The events that come closest to defining the filter's fields (named fields first, then near misses). */
export function closestEvents(text: string, events: readonly EventFormat[], n = 5): string[] {
  const ids = [...identifiers(text)].filter((x) => x.length > 1);
  const scored = events
    .map((e) => {
      let score = 0;
      const near: string[] = [];
      for (const id of ids) {
        const names = e.fields.map((f) => f.name).filter((f) => !f.startsWith('common_'));
        if (names.includes(id)) score += 2;
        else {
          const close = names.find((f) => editDistance(f, id) <= Math.min(2, id.length - 1));
          if (close !== undefined) {
            score += 1;
            near.push(`${close} for ${id}?`);
          }
        }
      }
      return { e, score, near };
    })
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || name(a.e).localeCompare(name(b.e)));
  return scored.slice(0, n).map((x) => `${name(x.e)}${x.near.length > 0 ? ` (${x.near.join(', ')})` : ''}`);
}

/** The events a trace filter covers, parsed (kernel-exact). */
function parseFor(
  src: Extract<TcSource, { lang: 'tracefs' }>,
): { ok: true; parsed: { event: EventFormat; filter: ParsedFilter | null }[] } | { ok: false; r: IrResult } {
  const env = { nrCpuIds: src.nrCpuIds, ...(src.lookupSymbol ? { lookupSymbol: src.lookupSymbol } : {}) };
  if (src.anyEvent !== true) {
    const [event] = src.events;
    if (event === undefined || src.events.length !== 1)
      return {
        ok: false,
        r: { ok: false, diagnostics: [{ stage: 'parse', message: 'one event is needed' }] },
      };
    const p = parseFilter(src.filter, event, env);
    if (!p.ok)
      return {
        ok: false,
        r: { ok: false, filterError: p.error, diagnostics: [{ stage: 'parse', message: p.error.message }] },
      };
    return { ok: true, parsed: [{ event, filter: p.filter }] };
  }
  const s = parseSubsystemFilter(src.filter, src.events, env);
  const parsed = s.events.flatMap((x) =>
    x.error === undefined ? [{ event: x.event, filter: x.filter }] : [],
  );
  if (parsed.length === 0) {
    const close = closestEvents(src.filter, src.events);
    return {
      ok: false,
      r: {
        ok: false,
        diagnostics: [
          {
            stage: 'parse',
            message:
              `no event defines every field the filter names` +
              (close.length > 0 ? `; closest: ${close.join(', ')}` : ' (no event has any of them)'),
          },
        ],
      },
    };
  }
  if (parsed.length > MAX_TC_EVENTS)
    return {
      ok: false,
      r: {
        ok: false,
        diagnostics: [
          {
            stage: 'parse',
            message: `the filter applies to ${parsed.length} events, more than ${MAX_TC_EVENTS}; narrow it with --subsystem SYS or --event`,
          },
        ],
      },
    };
  return { ok: true, parsed };
}

/**
 * The IR of a trace filter over trace frames of its events: `keys` guards each event by EtherType and event id
 * only (what u32 keys can say; the frame holding the record's fixed part is the contract), `full` by the whole
 * frame guard (the record-length field included).
 */
export function traceFrameIr(src: Extract<TcSource, { lang: 'tracefs' }>, guard: 'keys' | 'full'): IrResult {
  const p = parseFor(src);
  if (!p.ok) return p.r;
  const bodies: ir.Pred[] = [];
  for (const { event, filter } of p.parsed) {
    const lowered = lowerFilter(filter, event, {
      ctx: 'trace-frame',
      nrCpuIds: src.nrCpuIds,
      frameGuard: guard === 'full',
    });
    if (!lowered.ok)
      return {
        ok: false,
        diagnostics: lowered.diagnostics.map((d) => ({
          stage: 'lower',
          message: `${name(event)}: ${d.message}`,
        })),
      };
    const body = ir.inline(lowered.ir).body;
    bodies.push(
      guard === 'full'
        ? body
        : ir.and(
            ir.cmp(
              'eq',
              2,
              false,
              ir.load('packet', FRAME_HEADER.ethertype, 2, 'be', false),
              BigInt(TRACE_ETHERTYPE),
            ),
            ir.cmp('eq', 2, false, ir.load('packet', FRAME_HEADER.eventId, 2, 'be', false), BigInt(event.id)),
            body,
          ),
    );
  }
  const combined = ir.filter(bodies.length === 1 ? bodies[0]! : ir.or(...bodies));
  const optimized = ir.runPasses(combined);
  if (!optimized.ok)
    return {
      ok: false,
      diagnostics: optimized.diagnostics.map((d) => ({ stage: 'passes', message: d.message })),
    };
  const events = p.parsed.map((x) => x.event);
  return {
    ok: true,
    ir: optimized.ir,
    covered: events,
    minFrameLength: Math.min(...events.map((e) => Math.max(60, TRACE_RECORD_OFFSET + fixedRecordSize(e)))),
  };
}

/** Frame offset of the IPv4 header's version/IHL byte (Ethernet). */
const IHL_BYTE = 14;

const isIhlLoad = (e: ir.Expr): boolean =>
  e.kind === 'load' && e.base === 'packet' && e.offset === IHL_BYTE && e.width === 1;

/** `e` with every `ihl-byte & m` (m ⊆ 0x0f) replaced by `v & m`, folded; undefined when another use of the byte
 *  (or a non-constant part) remains. */
function offsetFor(e: ir.Expr, v: number): bigint | undefined {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'arith': {
      if (e.op === '&' && isIhlLoad(e.left) && e.right.kind === 'const' && (e.right.value & ~0xfn) === 0n)
        return BigInt(v) & e.right.value;
      const a = offsetFor(e.left, v);
      const b = offsetFor(e.right, v);
      if (a === undefined || b === undefined) return undefined;
      const m = 0xffffffffn;
      switch (e.op) {
        case '+':
          return (a + b) & m;
        case '-':
          return (a - b) & m;
        case '*':
          return (a * b) & m;
        case '<<':
          return b < 32n ? (a << b) & m : undefined;
        case '>>':
          return b < 32n ? a >> b : undefined;
        case '&':
          return a & b;
        case '|':
          return a | b;
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

function mapLoads(p: ir.Pred, f: (e: ir.Expr) => ir.Expr | undefined): ir.Pred | undefined {
  let failed = false;
  const ex = (e: ir.Expr): ir.Expr => {
    switch (e.kind) {
      case 'load': {
        if (typeof e.offset === 'number') return e;
        const r = f(e);
        if (r === undefined) {
          failed = true;
          return e;
        }
        return r;
      }
      case 'arith':
        return { ...e, left: ex(e.left), right: ex(e.right) };
      case 'neg':
        return { ...e, arg: ex(e.arg) };
      default:
        return e;
    }
  };
  const pr = (q: ir.Pred): ir.Pred => {
    switch (q.kind) {
      case 'cmp':
        return { ...q, left: ex(q.left), right: ex(q.right) };
      case 'in':
        return { ...q, value: ex(q.value) };
      case 'and':
        return { kind: 'and', args: q.args.map(pr) };
      case 'or':
        return { kind: 'or', args: q.args.map(pr) };
      case 'not':
        return { kind: 'not', arg: pr(q.arg) };
      default:
        return q;
    }
  };
  const out = pr(p);
  return failed ? undefined : out;
}

function usesIhl(e: ir.Expr): boolean {
  if (isIhlLoad(e)) return true;
  if (e.kind === 'arith') return usesIhl(e.left) || usesIhl(e.right);
  if (e.kind === 'neg') return usesIhl(e.arg);
  return false;
}

/**
 * Loads behind the variable-length IPv4 header (offset 14 + 4·IHL + k, libpcap's transport header) as one case per
 * IHL value: `∨_v (ihl & 15 == v ∧ body[offsets at v])`, and other constant-valued computed offsets folded, so
 * every load sits at a fixed offset u32 can key on. Exact for frames of at least 15 bytes (the case split reads the
 * IHL byte first; loads are pure). Undefined when the IR has other computed offsets.
 */
export function expandIhl(filter: ir.Filter): ir.Filter | undefined {
  const f = ir.inline(filter);
  let computed = false;
  let dependent = false;
  const probe = mapLoads(f.body, (e) => {
    computed = true;
    if (e.kind !== 'load' || typeof e.offset === 'number') return e;
    if (usesIhl(e.offset)) dependent = true;
    return offsetFor(e.offset, 5) !== undefined ? e : undefined;
  });
  if (!computed) return filter;
  if (probe === undefined) return undefined;
  const at = (v: number) =>
    mapLoads(f.body, (e) => {
      if (e.kind !== 'load' || typeof e.offset === 'number') return e;
      const o = offsetFor(e.offset, v);
      if (o === undefined || o > 0xffffn) return undefined;
      return { ...e, offset: Number(o) };
    });
  if (!dependent) {
    const body = at(0);
    return body === undefined ? undefined : ir.filter(body);
  }
  const cases: ir.Pred[] = [];
  for (let v = 0; v < 16; v++) {
    const body = at(v);
    if (body === undefined) return undefined;
    cases.push(
      ir.and(
        ir.cmp(
          'eq',
          1,
          false,
          ir.arith('&', ir.load('packet', IHL_BYTE, 1, 'be', false), ir.konst(15)),
          BigInt(v),
        ),
        body,
      ),
    );
  }
  return ir.filter(ir.or(...cases));
}

function pcapIr(filter: string): IrResult {
  const front = compilePcap(filter, { linktype: 'ethernet' });
  if (!front.ok)
    return {
      ok: false,
      diagnostics: front.diagnostics.map((d) => ({
        stage: 'parse' as const,
        message: d.message,
        span: d.span,
      })),
    };
  const r = ir.runPasses(front.ir);
  if (!r.ok)
    return { ok: false, diagnostics: r.diagnostics.map((d) => ({ stage: 'passes', message: d.message })) };
  return { ok: true, ir: r.ir, covered: [], minFrameLength: 0 };
}

function keyNames(events: readonly EventFormat[]): ReadonlyMap<number, string> {
  const names = new Map<number, string>([
    [FRAME_HEADER.ethertype, 'ethertype'],
    [FRAME_HEADER.eventId, 'event_id'],
    [FRAME_HEADER.cpu, 'cpu'],
    [FRAME_HEADER.comm, 'comm'],
  ]);
  if (events.length === 1)
    for (const f of events[0]!.fields)
      if (!names.has(TRACE_RECORD_OFFSET + f.offset)) names.set(TRACE_RECORD_OFFSET + f.offset, f.name);
  return names;
}

type Built =
  | { ok: true; rules: U32Rules; notes: string[] }
  | { ok: false; diagnostics: readonly Diagnostic[] };

function buildU32(x0: IrOk): Built {
  let x = x0;
  const notes: string[] = [];
  if (x.covered.length === 0) {
    // pcap: transport-header loads behind IHL through a linked table (link + offset), else one case per IHL value.
    const e = expandIhl(x.ir);
    if (e !== undefined && e !== x.ir) {
      const linked = u32LinkFromIr(x.ir);
      if (linked.ok) return { ok: true, rules: linked.rules, notes: [linked.note] };
      const o = ir.runPasses(e);
      if (o.ok) {
        x = { ...x, ir: o.ir };
        notes.push(
          `transport-header keys behind the IPv4 header are expanded over the 16 IHL values (exact for frames of at least 15 bytes; no linked table: ${linked.reason})`,
        );
      }
    }
  }
  const list = buildDecisionList(x.ir, {
    ranges: false,
    minFrameLength: x.minFrameLength,
    keyNames: keyNames(x.covered),
  });
  if (!list.ok)
    return {
      ok: false,
      diagnostics: [...new Set(list.refusals.map((r) => `${refusalReason(r, 'u32')}; ${TC_BPF_HINT}`))].map(
        (message) => ({ stage: 'codegen' as const, message }),
      ),
    };
  const u = u32FromList(list.list);
  if (!u.ok) return { ok: false, diagnostics: asCodegen(u.diagnostics) };
  if (x.covered.length === 1 && u.rules.wordEnd > x.minFrameLength)
    notes.push(
      `u32 reads whole 32-bit words: frames shorter than ${u.rules.wordEnd} bytes (the record's fixed part ends at ${x.minFrameLength}) are not matched`,
    );
  return { ok: true, rules: u.rules, notes };
}

function buildFlower(
  x: IrOk,
  profile: FlowerProfile,
): { ok: true; rules: readonly FlowerRule[] } | { ok: false; diagnostics: readonly Diagnostic[] } {
  const list = buildDecisionList(x.ir, { ranges: false, minFrameLength: 60 });
  if (!list.ok)
    return {
      ok: false,
      diagnostics: [
        ...new Set(list.refusals.map((r) => `${refusalReason(r, 'flower')}; ${TC_BPF_HINT}`)),
      ].map((message) => ({ stage: 'codegen' as const, message })),
    };
  const f = flowerFromList(list.list, profile);
  if (!f.ok) return { ok: false, diagnostics: asCodegen(f.diagnostics) };
  return { ok: true, rules: f.rules };
}

function buildTcBpf(
  req: TcRequest,
):
  | { ok: true; program: ProgramSpec }
  | { ok: false; diagnostics: readonly Diagnostic[]; filterError?: FilterError } {
  let filter: ir.Filter;
  if (req.source.lang === 'tracefs') {
    const x = traceFrameIr(req.source, 'full');
    if (!x.ok) return x;
    filter = x.ir;
  } else {
    const x = pcapIr(req.source.filter);
    if (!x.ok) return x;
    filter = x.ir;
  }
  const code = compileBpf(filter, {
    target: 'cbpf',
    ctx: req.source.lang === 'tracefs' ? 'trace-frame' : 'packet',
    progType: 'tc',
    optimize: false,
    order: 'cost',
    onMatch: 0xffffffff,
    onMiss: 0,
  });
  if (!code.ok)
    return {
      ok: false,
      diagnostics: code.diagnostics.map((d) => ({ stage: 'codegen', message: `${d.message} [${d.code}]` })),
    };
  return { ok: true, program: code.program };
}

export function compileTc(req: TcRequest): TcResult {
  const why: string[] = [];
  const x = req.source.lang === 'tracefs' ? traceFrameIr(req.source, 'keys') : pcapIr(req.source.filter);
  if (!x.ok) return x;
  const covered = x.covered.map(name);
  const FLOWER_TRACE =
    'flower: trace frames carry no header the flow dissector knows (no flower keys for record fields)';
  if (req.target === 'flower' && req.source.lang === 'tracefs')
    return {
      ok: false,
      diagnostics: [{ stage: 'codegen', message: `${FLOWER_TRACE}; use --target u32 or tc-bpf` }],
    };
  if (req.target === 'tc' && req.source.lang === 'tracefs') why.push(FLOWER_TRACE);
  if ((req.target === 'tc' || req.target === 'flower') && req.source.lang === 'pcap') {
    const f = buildFlower(x, req.flowerProfile ?? 'portable');
    if (f.ok) {
      const b = flowerBatch(f.rules, batchPlace(req));
      if (!b.ok)
        return {
          ok: false,
          diagnostics: asCodegen(b.diagnostics),
        };
      if (req.target === 'tc')
        why.push(
          `flower: ${f.rules.length} filter(s) at prios ${req.prio}…${req.prio + Math.max(0, f.rules.length - 1)}`,
        );
      return {
        ok: true,
        backend: 'flower',
        why,
        lines: b.lines,
        covered,
        notes: [
          'flower rules decide as libpcap for frames of at least 60 bytes without VLAN tags, IPv4 headers with IHL ≥ 5 and not fragmented, IPv6 without extension headers',
        ],
        flower: f.rules,
        stats: `flower: ${f.rules.length} filters`,
      };
    }
    if (req.target === 'flower') return f;
    why.push(
      `flower: ${[...new Set(f.diagnostics.map((d) => d.message.replace(/; use --target.*$/, '')))].join('; ')}`,
    );
  }
  if (req.target === 'tc' || req.target === 'u32') {
    const u = buildU32(x);
    const big = u.ok && req.target === 'tc' && u.rules.knodes.length > TC_U32_RULE_LIMIT;
    if (u.ok && big)
      why.push(
        `u32: ${u.rules.knodes.length} rules (more than ${TC_U32_RULE_LIMIT}; one cls_bpf program is smaller)`,
      );
    if (u.ok && !big) {
      const b = u32Batch(u.rules, batchPlace(req));
      if (!b.ok)
        return {
          ok: false,
          diagnostics: asCodegen(b.diagnostics),
        };
      const s = u32Stats(u.rules);
      if (req.target === 'tc') why.push(`u32: expressible as ${s.rules} rule(s) with ${s.keys} key(s)`);
      return {
        ok: true,
        backend: 'u32',
        why,
        lines: b.lines,
        covered,
        notes: u.notes,
        u32: u.rules,
        stats: `u32: ${s.rules} rules, ${s.keys} keys, protocol ${u.rules.protocol}`,
      };
    }
    if (req.target === 'u32' && !u.ok) return u;
    if (!u.ok) {
      const reasons = new Set(u.diagnostics.map((d) => d.message.replace(`; ${TC_BPF_HINT}`, '')));
      why.push(`u32: ${[...reasons].join('; ')}`);
    }
  }
  const p = buildTcBpf(req);
  if (!p.ok) return p;
  const b = tcBpfBatch(p.program, batchPlace(req));
  if (!b.ok) return { ok: false, diagnostics: asCodegen(b.diagnostics) };
  if (req.target === 'tc')
    why.push(`tc-bpf: a classic BPF program of ${p.program.insns.length} instructions`);
  return {
    ok: true,
    backend: 'tc-bpf',
    why,
    lines: b.lines,
    covered,
    notes: [],
    program: p.program,
    stats: `tc-bpf: ${p.program.insns.length} classic instructions`,
  };
}

/** A trace filter over trace frames of its events as a BPF program (the no-event mode of cbpf/ebpf). */
export function compileTraceFrameBpf(
  src: Extract<TcSource, { lang: 'tracefs' }>,
  o: {
    readonly target: 'cbpf' | 'ebpf';
    readonly progType?: 'socket' | 'tc' | 'xdp';
    readonly onMatch?: number;
    readonly onMiss?: number;
  },
):
  | { readonly ok: true; readonly program: ProgramSpec; readonly covered: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly filterError?: FilterError } {
  const x = traceFrameIr(src, 'full');
  if (!x.ok) return x;
  const code = compileBpf(x.ir, {
    target: o.target,
    ctx: 'trace-frame',
    optimize: false,
    order: 'cost',
    ...(o.progType ? { progType: o.progType } : {}),
    ...(o.onMatch !== undefined ? { onMatch: o.onMatch } : {}),
    ...(o.onMiss !== undefined ? { onMiss: o.onMiss } : {}),
  });
  if (!code.ok)
    return {
      ok: false,
      diagnostics: code.diagnostics.map((d) => ({ stage: 'codegen', message: `${d.message} [${d.code}]` })),
    };
  return { ok: true, program: code.program, covered: x.covered.map(name) };
}

/** A trace filter over trace frames of its events as TCAM entries and P4 (the no-event mode of p4). */
export function compileP4Frames(
  src: Extract<TcSource, { lang: 'tracefs' }>,
  o: { readonly ranges: boolean },
):
  | { readonly ok: true; readonly outputs: P4Outputs; readonly covered: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly filterError?: FilterError } {
  const x = traceFrameIr(src, 'keys');
  if (!x.ok) return x;
  const r = p4FromIr(x.ir, {
    keyNames: keyNames(x.covered),
    minFrameLength: x.minFrameLength,
    ranges: o.ranges,
    title: `${x.covered.length === 1 ? name(x.covered[0]!) : `${x.covered.length} events`}: ${src.filter.trim()}`,
  });
  if (!r.ok)
    return {
      ok: false,
      diagnostics: r.diagnostics.map((d) => ({ stage: 'codegen', message: `${d.message} [${d.code}]` })),
    };
  return { ok: true, outputs: r.outputs, covered: x.covered.map(name) };
}
