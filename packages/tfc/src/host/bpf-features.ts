/*
 * The running kernel's eBPF features as the compiler's plain-data BpfFeatures: the may_goto probe (a 4-instruction
 * program loaded, @tfc/kernel/sys), else the release number (6.9+), else undefined (nothing answered; the caller
 * picks its default). Invariant: reads the machine only through `probe` (the Host's memoized probe by default).
 */
import { release as osRelease } from 'node:os';
import { type BpfFeatures, bpfFeaturesOfRelease } from '@tfc/codegen-bpf';
import { type BpfFeaturesProbe, probeBpfFeatures } from '@tfc/kernel/sys';

export interface RunningFeatures {
  /** What the running kernel's eBPF can do, as compile's `bpfFeatures` takes it. */
  readonly features: BpfFeatures;
  /** How they were found: `probed: a may_goto program loaded`, `release 6.1.0-28-amd64 (…)`. */
  readonly origin: string;
}

/** The running kernel's features, or undefined when neither the probe nor the release answers. */
export function runningBpfFeatures(
  probe: () => BpfFeaturesProbe = probeBpfFeatures,
  release: string = osRelease(),
): RunningFeatures | undefined {
  const r = probe();
  if (r.ok) return { features: { mayGoto: r.mayGoto }, origin: `probed: ${r.how}` };
  const features = bpfFeaturesOfRelease(release);
  if (features === undefined) return undefined;
  return { features, origin: `release ${release} (probe: ${r.reason})` };
}
