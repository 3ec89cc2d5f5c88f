/*
 * compile()'s P4 target: TCAM entries and a P4_16 program for a trace filter over its event's frames (or, without
 * an event, every candidate's), or for a pcap filter over the ethernet/ip/tcp/udp headers a P4 parser extracts.
 * Invariants: the compiler entry points the CLI calls (compileP4, compileP4Frames, compilePcapP4), so `output`
 * equals `tfc compile --target p4 --emit FORM` byte for byte; BPF-only options throw a TfcOptionError.
 */
import type { P4Outputs } from '@tfc/codegen-p4';
import { compileP4, compileP4Frames, compilePcapP4 } from '@tfc/compiler';
import { TfcOptionError } from './errors.ts';
import type { P4Emit, P4TargetOptions, PcapSource, TraceSource } from './options.ts';
import type { CompileFailure, P4Compiled } from './result.ts';
import { failure } from './result-of.ts';
import { candidateEvents, envOf, eventOf, linkTypeOf, pcapEnvOf } from './source.ts';

/** The text of one emit form. */
export function p4Output(o: P4Outputs, form: P4Emit): string {
  const data: Record<P4Emit, string> = {
    'entries-json': o.entriesJson,
    p4: o.p4,
    p4info: o.p4info,
    'p4runtime-json': o.writeRequestJson,
    'p4runtime-txt': o.writeRequestText,
    bmv2: o.bmv2,
  };
  const text = data[form];
  if (text === undefined)
    throw new TfcOptionError(`emit '${form}' is not a P4 form (${Object.keys(data).join(', ')})`);
  return text;
}

function compiled(outputs: P4Outputs, o: P4TargetOptions, covered: readonly string[]): P4Compiled {
  const emit = o.emit ?? 'entries-json';
  const text = p4Output(outputs, emit);
  // Newline-terminated, as the CLI writes it.
  const output = text !== '' && !text.endsWith('\n') ? `${text}\n` : text;
  return { ok: true, kind: 'p4', outputs, emit, output, covered, notes: [] };
}

/** A trace or pcap filter as P4. */
export function p4Program(
  filter: string,
  o: (TraceSource | PcapSource) & P4TargetOptions,
): P4Compiled | CompileFailure {
  const ranges = o.ranges ?? true;
  if (o.lang === 'pcap') {
    if (linkTypeOf(o) !== 'ethernet')
      throw new TfcOptionError('target p4 parses Ethernet frames (linktype ethernet)');
    if (o.scopedEncap !== undefined) throw new TfcOptionError('scopedEncap does not apply to target p4');
    if (o.pcapVersion !== undefined && o.pcapVersion !== '1.10')
      throw new TfcOptionError("pcapVersion does not apply to target p4 (libpcap 1.10's semantics)");
    if (o.capture !== undefined && o.capture !== 'offline')
      throw new TfcOptionError("capture does not apply to target p4 (libpcap's offline code)");
    const r = compilePcapP4({ filter, ranges, env: pcapEnvOf(o) });
    return r.ok ? compiled(r.outputs, o, []) : failure(r, filter);
  }
  const event = eventOf(o);
  if (event === undefined) {
    const r = compileP4Frames(
      { lang: 'tracefs', filter, events: candidateEvents(o), anyEvent: true, ...envOf(o) },
      { ranges },
    );
    return r.ok ? compiled(r.outputs, o, r.covered) : failure(r, filter);
  }
  if (o.subsystem !== undefined)
    throw new TfcOptionError('subsystem applies when no event or format is given');
  const r = compileP4({ filter, event, ranges, ...envOf(o) });
  return r.ok ? compiled(r.outputs, o, [`${event.system}/${event.name}`]) : failure(r, filter);
}
