// Test support shared by the kernel differential suites of several packages: fast-check generators of filters and
// records for the uprobe and task_rename oracles. Invariant: imported by tests only (fast-check is a dev dependency).
export * from './oracle-cases.ts';
export * from './records.ts';
