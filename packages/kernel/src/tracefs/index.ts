// stub: filled by the tracefs module owner
export {};
