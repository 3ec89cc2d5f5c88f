// @tfc/tc-test: the tc laboratory (a namespace with veths, clsact and a mirred sink) used to prove tc targets
// against the kernel. Invariant: re-exports only.
export * from './lab.ts';
