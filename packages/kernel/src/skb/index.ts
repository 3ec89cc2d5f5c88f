// @tfc/kernel/skb: capturing packets where the kernel handles them — hooks and drop reasons from BTF (sys/btf.ts is
// the one BTF reader), kallsyms and device names for the metadata, the capture record, the BPF ring buffer consumer, and the
// session that loads one capture program per hook. Invariants: programs come from the caller (never built here);
// every kernel object has a dispose().
export * from './attach.ts';
export * from './drop-reasons.ts';
export * from './hooks.ts';
export * from './kallsyms.ts';
export * from './netdev.ts';
export * from './record.ts';
export * from './ring-consumer.ts';
export * from './session.ts';
