// @tfc/iproute2: a typed wrapper over iproute2's `tc` and `ip` (execFile, timeouts, typed errors), network
// namespace lifecycle and a tolerant reader for iproute2 6.1's JSON. Invariant: re-exports only.
export * from './classes.ts';
export * from './exec.ts';
export * from './netns.ts';
export * from './tc.ts';
export * from './tolerant-json.ts';
