/*
 * The skb context's facts from the running kernel's BTF (/sys/kernel/btf/vmlinux): the sk_buff / net_device / net
 * member offsets the compiler's skb programs read (an SkbLayout, plain data), and a hook (`tp_btf/NAME` or
 * `fentry/FUNC`) resolved to the index of its `struct sk_buff *` argument (and kfree_skb's reason and location).
 * Invariants: reads the BTF file once per call site that asks (callers keep the table); every failure is an error
 * value with a sentence (no BTF, no such hook, no sk_buff argument), never a throw; the layout's `source` names the
 * kernel release it was read from.
 */
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { SkbField, SkbHook, SkbLayout } from '@tfc/codegen-bpf';
import { functionHook, type Hook, tracepointHook } from '@tfc/kernel/skb';
import { type BtfTable, btfField, btfHookParams, parseBtf } from '@tfc/kernel/sys';

/** Where the running kernel's BTF is. */
export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

/** A fact read from the machine, or why it could not be read. */
export type Fact<T> =
  | {
      /** The fact was read. */
      readonly ok: true;
      /** The fact. */
      readonly value: T;
    }
  | {
      /** The fact could not be read. */
      readonly ok: false;
      /** Why, as a sentence. */
      readonly error: string;
    };

/** The running kernel's BTF type table. */
export function readKernelBtf(path = VMLINUX_BTF): Fact<BtfTable> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    return { ok: false, error: `cannot read ${path} (a kernel without BTF?): ${(e as Error).message}` };
  }
  const t = parseBtf(bytes);
  return t.ok ? { ok: true, value: t.table } : { ok: false, error: `${path}: ${t.error}` };
}

const SKB: Readonly<Record<keyof SkbLayout['skb'], readonly string[]>> = {
  head: ['head'],
  data: ['data'],
  len: ['len'],
  macHeader: ['mac_header'],
  networkHeader: ['network_header'],
  tail: ['tail'],
  dev: ['dev'],
  protocol: ['protocol'],
  pktType: ['pkt_type'],
  mark: ['mark'],
  vlanTci: ['vlan_tci'],
  vlanProto: ['vlan_proto'],
};

/** The sk_buff layout from BTF. */
export function skbLayoutFromBtf(
  table: BtfTable,
  source = `BTF of the running kernel ${release()}`,
): Fact<SkbLayout> {
  const errors: string[] = [];
  const field = (struct: string, path: readonly string[]): SkbField => {
    const r = btfField(table, struct, path);
    if (!r.ok) {
      errors.push(r.error);
      return { offset: 0, size: 0 };
    }
    const f = r.field;
    return f.bit ? { offset: f.offset, size: f.size, bit: f.bit } : { offset: f.offset, size: f.size };
  };
  const skb = Object.fromEntries(
    Object.entries(SKB).map(([k, path]) => [k, field('sk_buff', path)]),
  ) as unknown as SkbLayout['skb'];
  const layout: SkbLayout = {
    source,
    skb,
    dev: {
      ifindex: field('net_device', ['ifindex']),
      type: field('net_device', ['type']),
      ndNet: field('net_device', ['nd_net', 'net']),
    },
    net: { inum: field('net', ['ns', 'inum']) },
  };
  return errors.length > 0
    ? { ok: false, error: `sk_buff layout from BTF: ${errors.join('; ')}` }
    : { ok: true, value: layout };
}

/** A hook of the capture tool (`@tfc/kernel/skb`, read from BTF) as the compiler's skb context names it. */
export function skbHookOf(h: Hook): SkbHook {
  return {
    kind: h.kind,
    name: h.target,
    skbArg: h.skbArg,
    ...(h.reasonArg !== undefined ? { reasonArg: h.reasonArg } : {}),
    ...(h.locationArg !== undefined ? { locationArg: h.locationArg } : {}),
  };
}

/** `tp_btf/NAME` or `fentry/FUNC` → the hook with its sk_buff argument (the first `struct sk_buff *` parameter),
 *  found by the capture tool's hook reader (`@tfc/kernel/skb`). */
export function resolveSkbHook(table: BtfTable, spec: string): Fact<SkbHook> {
  const m = /^(tp_btf|fentry)\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(spec);
  if (m === null)
    return { ok: false, error: `--attach wants tp_btf/TRACEPOINT or fentry/FUNCTION, not '${spec}'` };
  const kind = m[1] as 'tp_btf' | 'fentry';
  // tp_btf/skb/kfree_skb style (with the subsystem) is accepted by the caller stripping it; here NAME only
  const name = m[2] as string;
  const h = kind === 'fentry' ? functionHook(table, name) : tracepointHook(table, 'tp_btf', name);
  if (h !== undefined) return { ok: true, value: skbHookOf(h) };
  const p = btfHookParams(table, { kind, name });
  if (!p.ok) return p;
  return {
    ok: false,
    error: `${spec} has no struct sk_buff * argument (${p.params.map((x) => x.type).join(', ') || 'no arguments'})`,
  };
}

/** `tp_btf/skb/kfree_skb` (tracepoint with its subsystem, as tracefs names it) → `tp_btf/kfree_skb`. */
export function normalizeHookSpec(spec: string): string {
  const m = /^tp_btf\/[A-Za-z0-9_]+\/([A-Za-z0-9_]+)$/.exec(spec);
  return m === null ? spec : `tp_btf/${m[1]}`;
}
