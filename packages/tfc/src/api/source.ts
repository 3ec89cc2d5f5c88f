/*
 * The facts a library call needs about its filter's source, from the options: the event (a format, a bundled
 * SYS/NAME, or a format file's text), the candidate events of the no-event mode, the kernel dialect and nr_cpu_ids;
 * a pcap filter's link type, names database and netmask.
 * Invariants: pure — bundled data and the caller's text only, never tracefs or the kernel (those are tfc-filter/live's);
 * every option that cannot be resolved throws a TfcOptionError naming the option and what would be accepted.
 */
import { cpus } from 'node:os';
import { LINK_TYPES, type LinkType, linkTypeByName, type PcapEnv } from '@tfc/compiler';
import {
  bundledEvent,
  bundledEventNames,
  type EventFormat,
  type FilterDialect,
  type FilterEnv,
  NEWEST,
  parseFormat,
  profileByName,
  profileNames,
} from '@tfc/tracefs';
import { TfcOptionError } from './errors.ts';
import type { EventOptions, PcapSource, TraceSource } from './options.ts';

/** The event of `event` or `format`, or undefined when neither is given (the no-event mode). */
export function eventOf(o: EventOptions): EventFormat | undefined {
  if (o.event !== undefined && o.format !== undefined)
    throw new TfcOptionError('give event or format, not both');
  if (o.format !== undefined) {
    const r = parseFormat(o.format);
    if (!r.ok) throw new TfcOptionError(`format: line ${r.error.line}: ${r.error.message}`);
    return r.event;
  }
  if (typeof o.event !== 'string') return o.event;
  const [sys, name, more] = o.event.split('/');
  const ev =
    sys !== undefined && name !== undefined && more === undefined ? bundledEvent(sys, name) : undefined;
  if (ev === undefined)
    throw new TfcOptionError(
      `event '${o.event}' is not in the bundled snapshot (SYS/NAME; bundledEventNames() lists them, readLiveEvent of tfc-filter/live reads a live one)`,
    );
  return ev;
}

/** The event the call needs (check, eval, one-event targets). */
export function requiredEvent(o: EventOptions, what: string): EventFormat {
  const ev = eventOf(o);
  if (ev === undefined) throw new TfcOptionError(`${what} needs event or format`);
  return ev;
}

/** The candidates of the no-event mode: `events`, else the bundled snapshot (narrowed by `subsystem`). */
export function candidateEvents(o: TraceSource): readonly EventFormat[] {
  const sys = o.subsystem;
  if (o.events !== undefined) return sys === undefined ? o.events : o.events.filter((e) => e.system === sys);
  const names = bundledEventNames().filter((n) => sys === undefined || n.startsWith(`${sys}/`));
  if (names.length === 0) throw new TfcOptionError(`no subsystem '${sys}' in the bundled snapshot`);
  return names.flatMap((n) => {
    const [s, e] = n.split('/') as [string, string];
    const ev = bundledEvent(s, e);
    return ev ? [ev] : [];
  });
}

/** The dialect of `kernel` (a profile name or a dialect), default the newest profile. */
export function dialectOf(kernel: EventOptions['kernel']): FilterDialect {
  if (kernel === undefined) return NEWEST;
  if (typeof kernel !== 'string') return kernel;
  const d = profileByName(kernel);
  if (d === undefined)
    throw new TfcOptionError(
      `kernel: unknown kernel profile '${kernel}'; known: ${profileNames().join(', ')}`,
    );
  return d;
}

/** nr_cpu_ids: the option, else this machine's CPU count. */
export function nrCpuIdsOf(o: EventOptions): number {
  const n = o.nrCpuIds ?? Math.max(1, cpus().length);
  if (!Number.isInteger(n) || n < 1 || n > 8192)
    throw new TfcOptionError(`nrCpuIds takes an integer from 1 to 8192, got ${n}`);
  return n;
}

/** The trace front end's environment of the options (what parseFilter reads). */
export function envOf(o: EventOptions): FilterEnv & { readonly dialect: FilterDialect } {
  return {
    nrCpuIds: nrCpuIdsOf(o),
    dialect: dialectOf(o.kernel),
    ...(o.lookupSymbol !== undefined ? { lookupSymbol: o.lookupSymbol } : {}),
  };
}

/** `A.B.C.D` as a 32-bit netmask, or undefined when the text is not a dotted quad of bytes. */
export function parseNetmask(text: string): number | undefined {
  const q = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!q || q.slice(1).some((x) => Number(x) > 255)) return undefined;
  return q.slice(1).reduce((a, x) => ((a << 8) | Number(x)) >>> 0, 0);
}

/** The pcap front end's environment of a pcap source: its names database and netmask (`ip broadcast`). */
export function pcapEnvOf(o: PcapSource): PcapEnv {
  const n = o.netmask;
  if (n === undefined) return o.names !== undefined ? { names: o.names } : {};
  let netmask: number;
  if (typeof n === 'number') {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
      throw new TfcOptionError(`netmask must be a 32-bit number or A.B.C.D, not ${n}`);
    netmask = n;
  } else {
    const m = parseNetmask(n);
    if (m === undefined)
      throw new TfcOptionError(`netmask takes an IPv4 netmask such as 255.255.255.0, not '${n}'`);
    netmask = m;
  }
  return { ...(o.names !== undefined ? { names: o.names } : {}), netmask };
}

/** The link type of a pcap source (libpcap's names, DLT numbers, `ethernet`/`raw`); Ethernet by default. */
export function linkTypeOf(o: PcapSource): LinkType {
  if (o.linktype === undefined) return 'ethernet';
  const t = linkTypeByName(o.linktype);
  if (t === undefined)
    throw new TfcOptionError(
      `unknown linktype '${o.linktype}' (one of ${LINK_TYPES.map((l) => l.name).join(', ')})`,
    );
  return t;
}
