// @tfc/kernel/raw: raw tracepoint (tp_btf) programs that decide on a tracepoint's arguments — the BTF view the
// compiler's provenance resolver asks, and the session that loads the programs and reads the records they build.
// Invariants: programs come from the caller (never built here); every kernel object has a dispose().
export * from './btf-view.ts';
export * from './counting.ts';
export * from './session.ts';
