// @tfc/codegen-tc: the tc back ends (cls_bpf, u32, flower). Invariant: re-exports only; everything is pure and deterministic.

export * from './attach.ts';
export * from './classid.ts';
export * from './dev-name.ts';
export * from './flower.ts';
export * from './refusal-words.ts';
export * from './tc-act.ts';
export * from './tc-bpf.ts';
export * from './u32.ts';
export * from './u32-eval.ts';
export * from './u32-link.ts';
