// @tfc/kernel tracepoint layer: tfc programs on live tracepoints. A C firer that hits sys_enter_lseek and
// task_rename with chosen values (and times lseek loops), loading programs with their maps, attaching a filter to
// a tracepoint with hit counters (tfc apply), and the live differential against the kernel's own event filter.
// Invariants: every kernel object and child process created here is released by dispose() (and at exit if leaked);
// every filter written to tracefs passes kernelHazard() first.
export { type HitCounts, hitCounterInsns, onlineCpus, TracepointAttachment } from './attachment.ts';
export { FirerProcess, type Int64, type LseekHit, type RenameHit } from './firer-process.ts';
export { buildHelper, helperCacheDir } from './helper-build.ts';
export {
  type Hit,
  type LiveJudgement,
  LiveTracepointJudge,
  SYS_ENTER_LSEEK,
  TASK_RENAME_EVENT,
} from './live-judge.ts';
export { type Linker, LoadedProgram, type LoadRequest, loadWithMaps, type NamedMap } from './load.ts';
export {
  SAMPLER_SAMPLE_TYPE,
  type SampledRecord,
  type SampledTracepoint,
  type SamplerOptions,
  TracepointSampler,
} from './sampler.ts';
export { TaskComms } from './task-comm.ts';
