// @tfc/testkit (private): generators shared by the test suites of several packages. Invariant: re-exports only.
export * from './tracefs-gen.ts';
