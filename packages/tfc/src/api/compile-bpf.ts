/*
 * compile()'s BPF targets (ebpf, cbpf) for every context: a trace filter on its event's record (tracepoint) or in a
 * trace frame (one event or, without one, every candidate event), a pcap filter on packets, a pcap filter at a
 * kernel hook's sk_buff (skb). Invariants: each branch calls the compiler entry the CLI calls for the same flags,
 * so `output` equals `tfc compile`'s output byte for byte; options a context does not read throw TfcOptionError
 * (the CLI refuses them too) instead of being ignored.
 */
import {
  type BpfFeatures,
  bpfFeaturesOfRelease,
  type EmitForm,
  SKB_HOOKS_SNAPSHOT,
  type SkbHook,
} from '@tfc/codegen-bpf';
import {
  acceptsNothing,
  type CompileResult,
  compilePcapFilter,
  compile as compileRequest,
  compileSkbCapture,
  compileTraceFrameBpf,
  emit,
  SKB_LAYOUT_SNAPSHOT,
} from '@tfc/compiler';
import { profileByName } from '@tfc/tracefs';
import { refuseOptions as refuse, TfcOptionError } from './errors.ts';
import type { BpfTargetOptions, PcapSource, TraceSource } from './options.ts';
import type { BpfCompiled, CompileFailure } from './result.ts';
import { failure } from './result-of.ts';
import { candidateEvents, envOf, eventOf, linkTypeOf, pcapEnvOf } from './source.ts';

type Ctx = BpfCompiled['ctx'];

/** The emitted program, or the emitter's refusal (e.g. `c` for a cBPF program) as an option error. */
function emitted(
  r: Pick<Extract<CompileResult, { ok: true }>, 'program' | 'dump' | 'passes'>,
  form: EmitForm,
  ctx: Ctx,
  extra: { readonly covered?: readonly string[]; readonly notes?: readonly string[] },
): BpfCompiled {
  const e = emit(r.program, form);
  if (!e.ok) throw new TfcOptionError(`emit ${form}: ${e.message}`);
  // Text forms end with a newline, as the CLI writes them (a listing is kept without its last one).
  // With dumpAfter the output is the IR dump, as on the CLI.
  const data = r.dump ?? e.data;
  const output = typeof data === 'string' && data !== '' && !data.endsWith('\n') ? `${data}\n` : data;
  return {
    ok: true,
    kind: 'bpf',
    target: r.program.target,
    ctx,
    program: r.program,
    emit: form,
    output,
    ...(r.dump !== undefined ? { dump: r.dump } : {}),
    covered: extra.covered ?? [],
    passes: r.passes,
    notes: extra.notes ?? [],
  };
}

const returns = (o: BpfTargetOptions) => ({
  ...(o.progType !== undefined ? { progType: o.progType } : {}),
  ...(o.onMatch !== undefined ? { onMatch: o.onMatch } : {}),
  ...(o.onMiss !== undefined ? { onMiss: o.onMiss } : {}),
});

/** eBPF features for a trace filter: the given ones, else a named kernel profile's release (as `--bpf-loops auto`
 *  with `--kernel PROFILE`), else none (the compiler's default, the newest kernels'). */
function traceFeatures(o: TraceSource & BpfTargetOptions): { bpfFeatures?: BpfFeatures } {
  if (o.bpfFeatures !== undefined) return { bpfFeatures: o.bpfFeatures };
  if (o.target !== 'ebpf' || typeof o.kernel !== 'string') return {};
  const f = bpfFeaturesOfRelease(profileByName(o.kernel)?.name ?? '');
  return f === undefined ? {} : { bpfFeatures: f };
}

/** A trace filter as eBPF or cBPF (tracepoint or trace-frame context). */
export function traceBpf(filter: string, o: TraceSource & BpfTargetOptions): BpfCompiled | CompileFailure {
  refuse(o, ['skb', 'linktype', 'scopedEncap'], 'applies to pcap filters');
  const event = eventOf(o);
  const ctx = o.ctx ?? (o.target === 'cbpf' || event === undefined ? 'trace-frame' : 'tracepoint');
  if (ctx !== 'tracepoint' && ctx !== 'trace-frame')
    throw new TfcOptionError(`ctx '${ctx}' is a context of pcap filters (lang: 'pcap')`);
  if (ctx === 'tracepoint' && o.progType !== undefined)
    throw new TfcOptionError('progType applies to ctx trace-frame');
  if (o.setLookup === 'map' && o.target === 'cbpf')
    throw new TfcOptionError("setLookup 'map' needs target ebpf");
  if (o.bpfFeatures !== undefined && o.target === 'cbpf')
    throw new TfcOptionError('bpfFeatures needs target ebpf');
  const form = o.emit ?? 'asm';
  if (event === undefined) {
    if (ctx !== 'trace-frame')
      throw new TfcOptionError(
        'a tracepoint program runs on one event: give event or format, or ctx trace-frame',
      );
    refuse(o, ['dumpAfter', 'setLookup', 'optimize'], 'needs event or format');
    const r = compileTraceFrameBpf(
      { lang: 'tracefs', filter, events: candidateEvents(o), anyEvent: true, ...envOf(o) },
      { target: o.target, ...returns(o), ...traceFeatures(o) },
    );
    if (!r.ok) return failure(r, filter);
    return emitted({ program: r.program, passes: [] }, form, ctx, { covered: r.covered });
  }
  const r = compileRequest({
    filter,
    event,
    target: o.target,
    ctx,
    ...envOf(o),
    ...returns(o),
    ...(o.optimize !== undefined ? { optimize: o.optimize } : {}),
    ...(o.setLookup !== undefined ? { setLookup: o.setLookup } : {}),
    ...traceFeatures(o),
    ...(o.dumpAfter !== undefined ? { dumpAfter: o.dumpAfter } : {}),
  });
  if (!r.ok) return failure(r, filter);
  return emitted(r, form, ctx, { covered: [`${event.system}/${event.name}`] });
}

/** A tp_btf hook of the layout snapshot by name (`tp_btf/NAME` or `tp_btf/SYS/NAME`). */
function snapshotHook(spec: string): SkbHook {
  const m = /^tp_btf\/(?:[A-Za-z0-9_]+\/)?([A-Za-z0-9_]+)$/.exec(spec);
  const h = m === null ? undefined : SKB_HOOKS_SNAPSHOT[`tp_btf/${m[1]}`];
  if (m === null || h === undefined)
    throw new TfcOptionError(
      `skb.attach '${spec}': the layout snapshot knows ${Object.keys(SKB_HOOKS_SNAPSHOT).join(', ')}; other hooks need resolveSkbHook of tfc-filter/live`,
    );
  return { kind: 'tp_btf', name: m[1] as string, ...h };
}

/** A pcap filter at a kernel hook's sk_buff (`--ctx skb`). */
function skbBpf(filter: string, o: PcapSource & BpfTargetOptions): BpfCompiled | CompileFailure {
  refuse(
    o,
    ['linktype', 'progType', 'onMatch', 'onMiss', 'setLookup', 'bpfFeatures', 'scopedEncap', 'capture'],
    'does not apply to ctx skb',
  );
  const s = o.skb;
  if (s === undefined) throw new TfcOptionError("ctx 'skb' needs skb: { attach: 'tp_btf/NAME' | SkbHook }");
  if (o.target !== 'ebpf') throw new TfcOptionError("ctx 'skb' needs target ebpf");
  const form = o.emit ?? 'asm';
  if (form !== 'asm' && form !== 'json' && form !== 'bin')
    throw new TfcOptionError('emit for ctx skb: asm, json, bin');
  const r = compileSkbCapture({
    filter,
    env: pcapEnvOf(o),
    ...(o.pcapVersion !== undefined ? { pcapVersion: o.pcapVersion } : {}),
    ...(o.bpfFeatures !== undefined ? { bpfFeatures: o.bpfFeatures } : {}),
    layout: s.layout ?? SKB_LAYOUT_SNAPSHOT,
    hook: typeof s.attach === 'string' ? snapshotHook(s.attach) : s.attach,
    ...(s.snaplen !== undefined ? { snaplen: s.snaplen } : {}),
    ...(s.mode !== undefined ? { mode: s.mode } : {}),
    ...(s.hookIndex !== undefined ? { hookIndex: s.hookIndex } : {}),
    ...(o.optimize !== undefined ? { optimize: o.optimize } : {}),
    ...(o.dumpAfter !== undefined ? { dumpAfter: o.dumpAfter } : {}),
  });
  if (!r.ok) return failure(r, filter);
  return emitted(r, form, 'skb', { notes: r.notes ?? [] });
}

/** A pcap filter as cBPF (default) or eBPF on packets, or eBPF at an sk_buff hook. */
export function pcapBpf(filter: string, o: PcapSource & BpfTargetOptions): BpfCompiled | CompileFailure {
  if (o.ctx === 'skb') return skbBpf(filter, o);
  if (o.ctx !== undefined && o.ctx !== 'packet')
    throw new TfcOptionError(
      `ctx '${o.ctx}' is a context of trace filters; pcap filters run on packets or skb`,
    );
  refuse(o, ['skb'], "applies to ctx 'skb'");
  if (o.bpfFeatures !== undefined && o.target === 'cbpf')
    throw new TfcOptionError('bpfFeatures needs target ebpf');
  const linktype = linkTypeOf(o);
  const env = pcapEnvOf(o);
  const r = compilePcapFilter({
    filter,
    linktype,
    env,
    ...(o.pcapVersion !== undefined ? { pcapVersion: o.pcapVersion } : {}),
    ...(o.capture !== undefined ? { capture: o.capture } : {}),
    target: o.target,
    ...returns(o),
    ...(o.scopedEncap !== undefined ? { scopedEncap: o.scopedEncap } : {}),
    ...(o.optimize !== undefined ? { optimize: o.optimize } : {}),
    ...(o.setLookup !== undefined ? { setLookup: o.setLookup } : {}),
    ...(o.bpfFeatures !== undefined ? { bpfFeatures: o.bpfFeatures } : {}),
    ...(o.dumpAfter !== undefined ? { dumpAfter: o.dumpAfter } : {}),
  });
  if (!r.ok) return failure(r, filter);
  // Decided on the classic program, as the CLI does (an eBPF target's filter is compiled to cBPF once more).
  const classic =
    o.target === 'cbpf'
      ? r
      : compilePcapFilter({
          filter,
          linktype,
          env,
          ...(o.pcapVersion !== undefined ? { pcapVersion: o.pcapVersion } : {}),
          ...(o.capture !== undefined ? { capture: o.capture } : {}),
          target: 'cbpf',
        });
  const notes =
    classic.ok && acceptsNothing(classic.program) === true
      ? [
          'the filter rejects every packet (libpcap refuses such a filter where its optimizer proves it: "expression rejects all packets")',
        ]
      : [];
  return emitted(r, o.emit ?? (o.target === 'cbpf' ? 'd' : 'asm'), 'packet', { notes });
}
