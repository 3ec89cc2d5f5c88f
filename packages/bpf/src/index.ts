// @tfc/bpf: classic and extended BPF instruction models, listings, assemblers, VMs and ELF objects.
// No kernel access here (see @tfc/kernel). Each ISA is a namespace; subpaths give direct access.
export * as cbpf from './cbpf/index.ts';
export * as ebpf from './ebpf/index.ts';
export * as elf from './elf/index.ts';
