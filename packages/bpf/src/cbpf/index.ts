// stub: filled by the cbpf module owner
export {};
