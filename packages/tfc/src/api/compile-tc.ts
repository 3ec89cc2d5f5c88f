/*
 * compile()'s tc targets: tc (the best backend), u32, flower (pcap filters) and tc-bpf, as a `tc -b` batch — a
 * trace filter over its event's frames (or, without an event, over every candidate's), or a pcap filter over
 * Ethernet frames; tc-bpf with one event also in the obj modes (an eBPF ELF object plus its batch).
 * Invariants: the compiler entry points the CLI calls for the same flags (compileTc; compile + tcBpfOutput for one
 * event's tc-bpf), so `output` equals `tfc compile`'s batch byte for byte; notes are the CLI's stderr lines.
 */
import { compileOptionsFor } from '@tfc/codegen-tc';
import { compile as compileRequest, compileTc, type TcSource, tcBpfOutput } from '@tfc/compiler';
import { TfcOptionError } from './errors.ts';
import type { PcapSource, TcBpfTargetOptions, TcTargetOptions, TraceSource } from './options.ts';
import type { CompileFailure, TcCompiled } from './result.ts';
import { failure } from './result-of.ts';
import { candidateEvents, envOf, eventOf, linkTypeOf, pcapEnvOf } from './source.ts';
import { DEFAULT_TRACE_DEV, type TcPlace, tcPlace } from './tc-place.ts';

type TcOptions = TcTargetOptions | TcBpfTargetOptions;

function batch(lines: readonly string[]): string {
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function withClsact(o: TcOptions, place: TcPlace, lines: readonly string[]): readonly string[] {
  return o.clsact ? [`qdisc add dev ${place.dev} clsact`, ...lines] : lines;
}

/** One event's cls_bpf rule in any mode (compile to c/eBPF for tc, then the batch and the object). */
function oneEventTcBpf(
  filter: string,
  o: TraceSource & TcBpfTargetOptions,
  place: TcPlace,
): TcCompiled | CompileFailure {
  const event = eventOf(o);
  if (event === undefined) throw new TfcOptionError('one event is needed');
  const mode = o.mode ?? 'classic';
  if (mode !== 'classic' && o.objectPath === undefined)
    throw new TfcOptionError(`mode ${mode} needs objectPath`);
  if (mode === 'classic' && o.objectPath !== undefined)
    throw new TfcOptionError('objectPath applies to the obj modes');
  if (mode !== 'obj-da' && (o.onMatch !== undefined || o.onMiss !== undefined))
    throw new TfcOptionError("onMatch and onMiss apply to mode 'obj-da'");
  const r = compileRequest({
    filter,
    event,
    target: mode === 'classic' ? 'cbpf' : 'ebpf',
    ctx: 'trace-frame',
    progType: 'tc',
    ...envOf(o),
    ...compileOptionsFor(mode, {
      ...(o.onMatch !== undefined ? { onMatch: o.onMatch } : {}),
      ...(o.onMiss !== undefined ? { onMiss: o.onMiss } : {}),
    }),
  });
  if (!r.ok) return failure(r, filter);
  const out = tcBpfOutput(r.program, {
    dev: place.dev,
    direction: place.direction,
    prio: place.prio,
    clsact: o.clsact === true,
    ...(place.action !== undefined ? { action: place.action } : {}),
    ...(place.classid !== undefined ? { classid: place.classid } : {}),
    ...(place.parent !== undefined ? { parent: place.parent } : {}),
    ...(o.objectPath !== undefined ? { objectPath: o.objectPath } : {}),
    ...(mode === 'obj' ? { classidMode: true } : {}),
  });
  if (!out.ok)
    return failure(
      { diagnostics: out.diagnostics.map((d) => ({ stage: 'codegen', message: d.message })) },
      filter,
    );
  return {
    ok: true,
    kind: 'tc',
    backend: 'tc-bpf',
    why: [],
    lines: out.batch.split('\n').slice(0, -1),
    output: out.batch,
    mode: out.mode,
    ...(out.object !== undefined ? { object: out.object } : {}),
    covered: [`${event.system}/${event.name}`],
    stats: `${r.program.stats.instructions} instructions`,
    notes: place.notes,
  };
}

/** A trace or pcap filter as tc rules. */
export function tcRules(
  filter: string,
  o: (TraceSource | PcapSource) & TcOptions,
): TcCompiled | CompileFailure {
  const pcap = o.lang === 'pcap';
  const trace = pcap ? undefined : (o as TraceSource & TcOptions);
  const event = trace === undefined ? undefined : eventOf(trace);
  if (o.target === 'tc-bpf' && trace !== undefined && event !== undefined)
    return oneEventTcBpf(
      filter,
      { ...(o as TraceSource & TcBpfTargetOptions) },
      tcPlace(o, o.target, undefined),
    );
  const place = tcPlace(o, o.target, pcap ? undefined : DEFAULT_TRACE_DEV);
  if (o.target === 'tc-bpf') {
    if (o.mode !== undefined && o.mode !== 'classic')
      throw new TfcOptionError(`mode ${o.mode} needs a trace filter with one event`);
    for (const n of ['objectPath', 'onMatch', 'onMiss'] as const)
      if (o[n] !== undefined)
        throw new TfcOptionError(`${n} needs a trace filter with one event and an obj mode`);
  }
  let source: TcSource;
  if (trace === undefined) {
    const p = o as PcapSource;
    if (linkTypeOf(p) !== 'ethernet')
      throw new TfcOptionError(`target ${o.target} matches Ethernet frames (linktype ethernet)`);
    if (p.scopedEncap !== undefined)
      throw new TfcOptionError(`scopedEncap does not apply to target ${o.target}`);
    if (p.pcapVersion !== undefined && p.pcapVersion !== '1.10')
      throw new TfcOptionError(`pcapVersion does not apply to target ${o.target} (libpcap 1.10's semantics)`);
    if (p.capture !== undefined && p.capture !== 'offline')
      throw new TfcOptionError(`capture does not apply to target ${o.target} (libpcap's offline code)`);
    source = { lang: 'pcap', filter, env: pcapEnvOf(p) };
  } else {
    const anyEvent = event === undefined;
    if (!anyEvent && trace.subsystem !== undefined)
      throw new TfcOptionError('subsystem applies when no event or format is given');
    const events = event === undefined ? candidateEvents(trace) : [event];
    source = { lang: 'tracefs', filter, events, anyEvent, ...envOf(trace) };
  }
  const flowerProfile = o.target === 'tc-bpf' ? undefined : o.flowerProfile;
  if (flowerProfile !== undefined && o.target !== 'flower' && o.target !== 'tc')
    throw new TfcOptionError('flowerProfile applies to targets flower and tc');
  const r = compileTc({
    source,
    target: o.target,
    dev: place.dev,
    direction: place.direction,
    prio: place.prio,
    ...(place.action !== undefined ? { action: place.action } : {}),
    ...(place.classid !== undefined ? { classid: place.classid } : {}),
    ...(place.parent !== undefined ? { parent: place.parent } : {}),
    ...(flowerProfile !== undefined ? { flowerProfile } : {}),
  });
  if (!r.ok) return failure(r, filter);
  const lines = withClsact(o, place, r.lines);
  return {
    ok: true,
    kind: 'tc',
    backend: r.backend,
    why: r.why,
    lines,
    output: batch(lines),
    covered: r.covered,
    stats: r.stats,
    notes: [
      ...place.notes,
      ...r.notes,
      ...(r.lines.length === 0 ? ['the filter matches no frame: no rules'] : []),
    ],
  };
}
