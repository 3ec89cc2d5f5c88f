// @tfc/testkit/oracle: the uprobe and task_rename oracles' case generators (filters with value pools, records drawn
// from them) and record readers, shared by the tracefs kernel differential and the P4-vs-kernel suite of
// @tfc/tracepoint-test. Invariant: re-exports only; imported by tests only.
export * from './oracle-cases.ts';
export * from './oracle-records.ts';
