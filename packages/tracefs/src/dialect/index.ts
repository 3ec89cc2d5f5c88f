// Public surface of the kernel dialect model: the FilterDialect record, the named profiles, the probes and
// their interpretation, and the behaviour history behind the profiles. Invariant: re-exports only.

export { explainRejection } from './explain.ts';
export { type BehaviourHistory, HISTORY, historyOf, renderDialectTable } from './history.ts';
export type {
  DialectBasis,
  DialectBehaviour,
  FilterDialect,
  FilterMessages,
  GenericFieldName,
} from './model.ts';
export {
  behaviourValue,
  DIALECT_PROBES,
  type DialectProbe,
  dialectFromProbes,
  PROBE_EVENT,
  type ProbeAnswer,
  type ProbedDialect,
  type ProbeRunner,
  type ProbeValue,
  parseErrorMessage,
  probeDialect,
} from './probes.ts';
export { NEWEST, PROFILE_ALIASES, PROFILES, profileByName, profileNames } from './profiles.ts';
