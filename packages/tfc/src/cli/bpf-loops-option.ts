/*
 * `--bpf-loops auto|may_goto|unrolled`: whether eBPF programs may hold may_goto loops (Linux 6.9+) — protochain
 * walks and middle/glob on strings in trace frames — as the plain-data BpfFeatures the compiler takes.
 *   may_goto  loops (the exact walk, up to the leaf's bound);
 *   unrolled  no loops, for any kernel: protochain walks CBPF_CHAIN_DEPTH (32) headers, a longer walk rejects the
 *             packet (as cBPF); frame-string middle/glob refused by name;
 *   auto      the default: a named --kernel profile's release (6.9+ has may_goto); else the running kernel, probed
 *             by loading a may_goto program (bpf(2)), else by its release number; where nothing answers, may_goto
 *             (the newest kernels', as `--kernel auto` falls back to the newest profile: the exact walk).
 * Invariants: an unknown value is a UsageError; the probe runs only for auto with an eBPF target, at most once.
 */
import { type BpfFeatures, bpfFeaturesOfRelease, NEWEST_BPF_FEATURES } from '@tfc/codegen-bpf';
import { profileByName } from '@tfc/tracefs';
import { runningBpfFeatures } from '../host/bpf-features.ts';
import type { Host } from '../host/index.ts';
import { type OptionSpec, type Parsed, str } from './args.ts';
import { UsageError } from './io.ts';

export const bpfLoopsOption: Readonly<Record<string, OptionSpec>> = { 'bpf-loops': { type: 'string' } };

export const bpfLoopsHelp = `      --bpf-loops L      eBPF loops (protochain walks, middle/glob on strings in trace frames): 'may_goto'
                         (Linux 6.9+: the exact walk), 'unrolled' (any kernel: protochain walks up to 32
                         headers, a longer walk rejects; frame middle/glob refused), or 'auto' (default: a
                         --kernel profile's release, else probe the running kernel, else may_goto)`;

export interface ChosenFeatures {
  readonly features: BpfFeatures;
  /** How they were chosen, for notes: `--bpf-loops unrolled`, `probed: a may_goto program loaded`, … */
  readonly origin: string;
}

const MAY_GOTO: BpfFeatures = { mayGoto: true };
const UNROLLED: BpfFeatures = { mayGoto: false };

/** The features selected by --bpf-loops (default auto) for an eBPF compile. */
export function chooseBpfFeatures(p: Parsed, host: Host): ChosenFeatures {
  const v = str(p, 'bpf-loops') ?? 'auto';
  if (v !== 'auto' && v !== 'may_goto' && v !== 'unrolled')
    throw new UsageError(`--bpf-loops must be one of auto, may_goto, unrolled, got '${v}'`);
  if (v === 'may_goto') return { features: MAY_GOTO, origin: '--bpf-loops may_goto' };
  if (v === 'unrolled') return { features: UNROLLED, origin: '--bpf-loops unrolled' };
  const named = str(p, 'kernel');
  const profile = named === undefined ? undefined : profileByName(named);
  if (profile !== undefined) {
    const features = bpfFeaturesOfRelease(profile.name);
    if (features !== undefined) return { features, origin: `profile ${profile.name}'s release` };
  }
  const probe = host.bpfFeatures;
  return (
    (probe === undefined ? undefined : runningBpfFeatures(probe)) ?? {
      features: NEWEST_BPF_FEATURES,
      origin: 'the newest kernels (nothing probed)',
    }
  );
}
