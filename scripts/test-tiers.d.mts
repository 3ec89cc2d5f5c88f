// Types of scripts/test-tiers.mjs (see there for the rules and invariants).
export declare const TIERS: readonly ['unit', 'property', 'kernel'];
export type Tier = (typeof TIERS)[number];
export declare function kernelReason(path: string, text: string): string | null;
export declare function tierOf(path: string, text: string): Tier;
export declare function hasGuardedSystemStep(text: string): boolean;
