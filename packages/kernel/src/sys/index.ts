// stub: filled by the sys module owner
export {};
