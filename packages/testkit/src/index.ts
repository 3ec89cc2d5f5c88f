// @tfc/testkit (private): generators (trace filters and records over a real format; subpaths ./ir for random IR,
// ./oracle for the kernel oracles' cases) and live-kernel helpers shared by the test suites of several packages.
// Invariant: re-exports only.
export * from './live-dialect.ts';
export * from './tracefs-gen.ts';
