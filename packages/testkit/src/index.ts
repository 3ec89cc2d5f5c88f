// @tfc/testkit (private): generators and live-kernel helpers shared by the test suites of several packages.
// Invariant: re-exports only.
export * from './live-dialect.ts';
export * from './tracefs-gen.ts';
