/*
 * `tfc compile --lang pcap EXPR --target ebpf --ctx skb --attach tp_btf/NAME|fentry/FUNC`: a libpcap filter as a
 * TRACING program for a kernel hook with a `struct sk_buff *` argument (compileSkbCapture): the packet found from the
 * sk_buff, the capture record written to a ring buffer for every accepted packet. Prints the listing (or json/bin).
 * Invariants: the sk_buff layout comes from the running kernel's BTF (`--layout live`, the default), or from the
 * labelled snapshot of one kernel build (`--layout snapshot`, also used with a note when BTF is unreadable for a
 * tp_btf hook); fentry hooks need BTF (their argument lists are not in the snapshot); diagnostics on stderr; exit 1
 * when the filter cannot be compiled, 2 for usage errors.
 */
import type { BpfFeatures, EmitForm } from '@tfc/codegen-bpf';
import {
  DEFAULT_SNAPLEN,
  MAX_SNAPLEN,
  SKB_HOOKS_SNAPSHOT,
  SKB_LAYOUT_SNAPSHOT,
  type SkbHook,
  type SkbLayout,
} from '@tfc/codegen-bpf';
import { compileSkbCapture, emit, type PcapEnv, type PcapVersion } from '@tfc/compiler';
import { normalizeHookSpec, readKernelBtf, resolveSkbHook, skbLayoutFromBtf } from '../../host/skb-layout.ts';
import { flag, type Parsed, str } from '../args.ts';
import { filterText } from '../filter-input.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { writeOutput } from '../output.ts';
import { reportPcapDiagnostics } from '../pcap-diagnostics.ts';

const SKB_EMITS: readonly EmitForm[] = ['asm', 'json', 'bin'];

function snaplenOf(v: string | undefined): number {
  if (v === undefined) return DEFAULT_SNAPLEN;
  const n = /^\d{1,6}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SNAPLEN)
    throw new UsageError(`--snaplen takes a number from 1 to ${MAX_SNAPLEN}, got '${v}'`);
  return n;
}

function snapshotHook(spec: string): SkbHook | undefined {
  const h = SKB_HOOKS_SNAPSHOT[spec];
  const name = spec.slice('tp_btf/'.length);
  return h === undefined ? undefined : { kind: 'tp_btf', name, ...h };
}

export function runCompileSkb(
  p: Parsed,
  io: Io,
  env: PcapEnv,
  pcapVersion: PcapVersion,
  bpfFeatures: BpfFeatures,
): number {
  for (const o of ['linktype', 'prog-type', 'on-match', 'on-miss', 'set-lookup', 'scoped-encap'])
    if (p.values[o] !== undefined) throw new UsageError(`--${o} does not apply to --ctx skb`);
  const t = str(p, 'target');
  if (t !== undefined && t !== 'ebpf') throw new UsageError('--ctx skb needs --target ebpf');
  const attach = str(p, 'attach');
  if (attach === undefined)
    throw new UsageError(
      '--ctx skb needs --attach tp_btf/TRACEPOINT or fentry/FUNCTION (e.g. tp_btf/skb/kfree_skb)',
    );
  const spec = normalizeHookSpec(attach);
  if (!/^(tp_btf|fentry)\/[A-Za-z_][A-Za-z0-9_]*$/.test(spec))
    throw new UsageError(`--attach wants tp_btf/TRACEPOINT or fentry/FUNCTION, not '${attach}'`);
  const layoutArg = str(p, 'layout') ?? 'live';
  if (layoutArg !== 'live' && layoutArg !== 'snapshot')
    throw new UsageError(`--layout must be live or snapshot, got '${layoutArg}'`);
  const snaplen = snaplenOf(str(p, 'snaplen'));
  const form = (str(p, 'emit') ?? 'asm') as EmitForm;
  if (!SKB_EMITS.includes(form)) throw new UsageError(`--emit for --ctx skb: ${SKB_EMITS.join(', ')}`);
  const output = str(p, 'output');
  const dumpAfter = str(p, 'dump-after');
  if (form === 'bin' && output === undefined && dumpAfter === undefined)
    throw new UsageError('--emit bin is binary: write it to a file with -o FILE');
  const level = str(p, 'optimize') ?? '2';
  let layout: SkbLayout = SKB_LAYOUT_SNAPSHOT;
  let hook: SkbHook | undefined;
  if (layoutArg === 'live') {
    const btf = readKernelBtf();
    if (btf.ok) {
      const l = skbLayoutFromBtf(btf.value);
      if (!l.ok) {
        io.err(`tfc: compile: ${l.error}\n`);
        return EXIT.rejected;
      }
      layout = l.value;
      const h = resolveSkbHook(btf.value, spec);
      if (!h.ok) throw new UsageError(`--attach ${attach}: ${h.error}`);
      hook = h.value;
    } else {
      hook = snapshotHook(spec);
      if (hook === undefined) throw new UsageError(`--attach ${attach} needs the kernel's BTF: ${btf.error}`);
      io.err(`tfc: note: ${btf.error}; using the sk_buff layout ${SKB_LAYOUT_SNAPSHOT.source}\n`);
    }
  } else {
    hook = snapshotHook(spec);
    if (hook === undefined)
      throw new UsageError(
        `--layout snapshot knows the tracepoints ${Object.keys(SKB_HOOKS_SNAPSHOT).join(', ')}; fentry hooks need --layout live`,
      );
  }
  const { text } = filterText(p, io);
  const r = compileSkbCapture({
    filter: text,
    env,
    pcapVersion,
    bpfFeatures,
    layout,
    hook,
    snaplen,
    optimize: Number(level) as 0 | 1 | 2,
    ...(dumpAfter !== undefined ? { dumpAfter } : {}),
  });
  if (!r.ok) return reportPcapDiagnostics(r.diagnostics, text, io);
  if (dumpAfter !== undefined) {
    writeOutput(io, r.dump ?? '', output, 'the IR dump');
    return EXIT.ok;
  }
  const e = emit(r.program, form);
  if (!e.ok) throw new UsageError(`--emit ${form}: ${e.message}`);
  writeOutput(io, e.data, output, `--emit ${form}`);
  for (const n of r.notes ?? []) io.err(`tfc: note: ${n}\n`);
  if (flag(p, 'stats'))
    io.err(
      `tfc: ${r.program.stats.instructions} instructions, decision DAG ${r.program.stats.dagNodes} nodes\n`,
    );
  return EXIT.ok;
}
