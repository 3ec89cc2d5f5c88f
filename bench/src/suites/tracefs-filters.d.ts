/** n predicates joined by || and &&, cycling fields and operators deterministically. */
export declare function predicateFilter(n: number): string;
export declare const FOUR_PREDICATES = 'family == 2 && protocol == 6 && sport > 1024 && dport != 22';
/** A 1,000-way OR of equalities on one field (compiles to a set membership test). */
export declare function wideOr(n: number, field?: string): string;
/** Deterministic pseudo-random filters (LCG) over inet_sock_set_state: and/or/not of 1..8 predicates. */
export declare function generatedFilters(count: number, seed?: number): string[];
//# sourceMappingURL=tracefs-filters.d.ts.map
