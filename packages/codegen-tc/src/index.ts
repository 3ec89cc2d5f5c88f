// @tfc/codegen-tc: the tc back ends (cls_bpf today). Invariant: re-exports only; everything is pure and deterministic.
export * from './tc-act.ts';
export * from './tc-bpf.ts';
