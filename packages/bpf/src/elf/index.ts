// stub: filled by the elf module owner
export {};
