// stub: filled by the ebpf module owner
export {};
