// @tfc/codegen-bpf: IR → classic and extended BPF (stub, filled by its owner).
export {};
