/*
 * What a pcap filter resolves against, from the command line: `--names-from DIR` (default /etc: the five name files,
 * never DNS), `--netmask A.B.C.D` (libpcap's netmask argument, for `ip broadcast`) and `--pcap-version 1.10|current`.
 * Shared by `tfc compile` (every pcap target and `--ctx skb`) and `tfc capture`, so one option means one thing.
 * Invariant: a bad value is a usage error naming the option; nothing is read but the five files.
 */
import type { PcapEnv, PcapVersion } from '@tfc/compiler';
import { parseNetmask } from '../api/source.ts';
import { readPcapNames } from '../host/pcap-names.ts';
import { type Parsed, str } from './args.ts';
import { UsageError } from './io.ts';

/** The option specs, to spread into a command's options. */
export const PCAP_ENV_OPTIONS = {
  'names-from': { type: 'string' },
  netmask: { type: 'string' },
  'pcap-version': { type: 'string' },
} as const;

/** --names-from (default /etc) and --netmask. */
export function pcapEnv(p: Parsed): PcapEnv {
  const r = readPcapNames(str(p, 'names-from'));
  if (!r.ok) throw new UsageError(`--names-from: ${r.reason}`);
  const m = str(p, 'netmask');
  if (m === undefined) return { names: r.names };
  const netmask = parseNetmask(m);
  if (netmask === undefined)
    throw new UsageError(`--netmask takes an IPv4 netmask such as 255.255.255.0, got '${m}'`);
  return { names: r.names, netmask };
}

/** --pcap-version: 1.10 (default, libpcap 1.10.3) or current. */
export function pcapVersionOf(p: Parsed): PcapVersion {
  const v = str(p, 'pcap-version') ?? '1.10';
  if (v !== '1.10' && v !== 'current')
    throw new UsageError(`--pcap-version must be one of 1.10, current, got '${v}'`);
  return v;
}
