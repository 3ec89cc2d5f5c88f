/*
 * The target registry: every target the CLI and the entry points name, with the stage that produces it and what
 * it reads. `tc` is not a stage but the selection among the tc stages (tc-select.ts).
 * Invariants: one entry per target name; a stage never parses or lowers (the driver did); adding a
 * target is a module in this folder plus its entry here (and the entry point that gives it its options).
 */
import type { TargetStage } from '../driver/stages.ts';
import { bpfTarget } from './bpf.ts';
import { flowerTarget } from './flower.ts';
import { p4Target } from './p4.ts';
import { tcBpfTarget } from './tc-bpf.ts';
import { u32Target } from './u32.ts';

export interface TargetEntry {
  readonly stage: TargetStage<never, unknown>;
  /** The front ends whose IR the target takes. */
  readonly languages: readonly ('tracefs' | 'pcap')[];
  readonly summary: string;
}

export const TARGETS = {
  ebpf: { stage: bpfTarget, languages: ['tracefs', 'pcap'], summary: 'eBPF (asm, bin, C, ELF, JSON, maps)' },
  cbpf: {
    stage: bpfTarget,
    languages: ['tracefs', 'pcap'],
    summary: 'classic BPF (tcpdump -d/-dd/-ddd, asm)',
  },
  p4: { stage: p4Target, languages: ['tracefs', 'pcap'], summary: 'TCAM entries, P4_16, P4Runtime, BMv2' },
  u32: { stage: u32Target, languages: ['tracefs', 'pcap'], summary: 'tc u32 knodes (one prio)' },
  flower: { stage: flowerTarget, languages: ['pcap'], summary: 'tc flower filters (flow-dissector keys)' },
  'tc-bpf': { stage: tcBpfTarget, languages: ['tracefs', 'pcap'], summary: 'one cls_bpf classic program' },
} as const satisfies Record<string, TargetEntry>;

export type TargetName = keyof typeof TARGETS;

/** Every target name `tfc compile --target` takes: the registered ones and `tc` (the best tc backend). */
export const TARGET_NAMES: readonly (TargetName | 'tc')[] = [...(Object.keys(TARGETS) as TargetName[]), 'tc'];
