// The places a capture program can sit, read from BTF (sys/btf.ts): tp_btf tracepoints whose arguments include a
// `struct sk_buff *` (the five named in STABLE_TRACEPOINTS first) and kernel functions with such an argument (fentry).
// Invariants: pure over a parsed BtfTable; argument indexes count the program's context slots (a tp_btf
// typedef's leading `void *` is dropped); a hook name is `SYS/NAME` for a tracepoint, `fentry/FUNC` for a
// function (a bare FUNC resolves as fentry); unknown names are an error value naming close matches.
import {
  type BtfTable,
  btfNamed as findType,
  btfPointsToStruct as isPointerToStruct,
  BTF_KIND as KIND,
  resolveBtf as resolve,
} from '../sys/btf.ts';

export type HookKind = 'tp_btf' | 'fentry';

export interface Hook {
  /** `skb/kfree_skb`, `fentry/ip_rcv`. */
  readonly name: string;
  readonly kind: HookKind;
  /** The raw tracepoint name (`kfree_skb`) or the function name. */
  readonly target: string;
  /** attach_btf_id: the btf_trace_<tp> typedef or the FUNC. */
  readonly btfId: number;
  /** Index of the `struct sk_buff *` in the program's context (u64 slots). */
  readonly skbArg: number;
  /** Index of an `enum skb_drop_reason` argument, when there is one. */
  readonly reasonArg?: number;
  /** Index of the `void *location` argument (skb:kfree_skb, skb:consume_skb). */
  readonly locationArg?: number;
  /** Number of context slots. */
  readonly argCount: number;
}

/** The tracepoints `tfc capture` names in its help, with their tracefs subsystems. */
export const STABLE_TRACEPOINTS: readonly { readonly system: string; readonly name: string }[] = [
  { system: 'skb', name: 'kfree_skb' },
  { system: 'skb', name: 'consume_skb' },
  { system: 'net', name: 'netif_receive_skb' },
  { system: 'net', name: 'net_dev_queue' },
  { system: 'net', name: 'net_dev_xmit' },
];

/** Tracepoints whose second argument is the caller's address (`location`). */
const LOCATION_TRACEPOINTS: ReadonlySet<string> = new Set(['kfree_skb', 'consume_skb']);

function argsOf(table: BtfTable, protoId: number): readonly number[] | undefined {
  const proto = resolve(table, protoId);
  if (proto?.kind !== KIND.FUNC_PROTO) return undefined;
  return proto.members.map((p) => p.type);
}

function isDropReason(table: BtfTable, id: number): boolean {
  const t = resolve(table, id);
  return t !== undefined && (t.kind === KIND.ENUM || t.kind === KIND.ENUM64) && t.name === 'skb_drop_reason';
}

function describe(
  table: BtfTable,
  name: string,
  kind: HookKind,
  target: string,
  btfId: number,
  args: readonly number[],
): Hook | undefined {
  const skbArg = args.findIndex((a) => isPointerToStruct(table, a, 'sk_buff'));
  if (skbArg < 0) return undefined;
  const reasonArg = args.findIndex((a) => isDropReason(table, a));
  const loc = kind === 'tp_btf' && LOCATION_TRACEPOINTS.has(target) ? 1 : -1;
  return {
    name,
    kind,
    target,
    btfId,
    skbArg,
    ...(reasonArg >= 0 ? { reasonArg } : {}),
    ...(loc >= 0 ? { locationArg: loc } : {}),
    argCount: args.length,
  };
}

/** The tp_btf hook for raw tracepoint `tp` (named `system/tp`), or undefined when BTF lacks it or no skb arg. */
export function tracepointHook(table: BtfTable, system: string, tp: string): Hook | undefined {
  const td = findType(table, `btf_trace_${tp}`, KIND.TYPEDEF);
  if (td === undefined) return undefined;
  const ptr = resolve(table, td.sizeOrType);
  if (ptr?.kind !== KIND.PTR) return undefined;
  const args = argsOf(table, ptr.sizeOrType);
  if (args === undefined || args.length === 0) return undefined;
  return describe(table, `${system}/${tp}`, 'tp_btf', tp, td.id, args.slice(1));
}

/** The fentry hook for kernel function `fn`, or undefined when BTF has no such FUNC with an skb argument. */
export function functionHook(table: BtfTable, fn: string): Hook | undefined {
  const f = findType(table, fn, KIND.FUNC);
  if (f === undefined) return undefined;
  const args = argsOf(table, f.sizeOrType);
  if (args === undefined) return undefined;
  return describe(table, `fentry/${fn}`, 'fentry', fn, f.id, args);
}

/**
 * Every hook BTF offers: tracepoints with an skb argument (`systems` maps a tracepoint name to its tracefs
 * subsystem; unknown ones are named `tp_btf/NAME`) and, with `functions`, every FUNC with an skb argument.
 */
export function listHooks(
  table: BtfTable,
  options: { readonly systems?: ReadonlyMap<string, string>; readonly functions?: boolean } = {},
): Hook[] {
  const out: Hook[] = [];
  const seen = new Set<string>();
  for (const t of table.types) {
    if (t === undefined || t.name === '') continue;
    if (t.kind === KIND.TYPEDEF && t.name.startsWith('btf_trace_')) {
      const tp = t.name.slice('btf_trace_'.length);
      const stable = STABLE_TRACEPOINTS.find((s) => s.name === tp);
      const system = stable?.system ?? options.systems?.get(tp) ?? 'tp_btf';
      const h = tracepointHook(table, system, tp);
      if (h !== undefined && !seen.has(h.name)) {
        seen.add(h.name);
        out.push(h);
      }
    } else if (options.functions === true && t.kind === KIND.FUNC) {
      const name = `fentry/${t.name}`;
      if (seen.has(name)) continue;
      const h = functionHook(table, t.name);
      if (h !== undefined) {
        seen.add(name);
        out.push(h);
      }
    }
  }
  return out;
}

export type HookLookup =
  | { readonly ok: true; readonly hook: Hook }
  | { readonly ok: false; readonly error: string };

/** Resolves a user's hook name: `SYS/NAME` (tracepoint), `tp_btf/NAME`, `fentry/FUNC` or a bare `FUNC`. */
export function resolveHook(table: BtfTable, spec: string): HookLookup {
  const slash = spec.indexOf('/');
  if (slash < 0 || spec.startsWith('fentry/')) {
    const fn = slash < 0 ? spec : spec.slice('fentry/'.length);
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(fn)) return { ok: false, error: `'${spec}' is not a hook name` };
    const h = functionHook(table, fn);
    if (h !== undefined) return { ok: true, hook: h };
    const f = findType(table, fn, KIND.FUNC);
    return {
      ok: false,
      error:
        f === undefined
          ? `no kernel function '${fn}' in BTF (tfc capture --list-hooks lists the hooks)`
          : `kernel function '${fn}' has no struct sk_buff * argument`,
    };
  }
  const system = spec.slice(0, slash);
  const tp = spec.slice(slash + 1);
  if (!/^[A-Za-z0-9_]+$/.test(system) || !/^[A-Za-z0-9_]+$/.test(tp))
    return { ok: false, error: `'${spec}' is not a hook name` };
  const h = tracepointHook(table, system, tp);
  if (h !== undefined) return { ok: true, hook: h };
  return {
    ok: false,
    error:
      findType(table, `btf_trace_${tp}`, KIND.TYPEDEF) === undefined
        ? `no tracepoint '${tp}' in BTF (tfc capture --list-hooks lists the hooks)`
        : `tracepoint '${tp}' has no struct sk_buff * argument`,
  };
}
