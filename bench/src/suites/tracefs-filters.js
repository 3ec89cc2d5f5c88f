/*
 * Filters used by the tracefs benchmarks, on sock/inet_sock_set_state from the bundled snapshot (so figures do
 * not depend on the live kernel's formats). Invariant: every generated filter is under the kernel's 4096-byte
 * write limit and is accepted by the kernel's rules.
 */
const FIELDS = ['sport', 'dport', 'family', 'protocol', 'oldstate', 'newstate'];
const OPS = ['==', '!=', '<', '>=', '&'];
/** n predicates joined by || and &&, cycling fields and operators deterministically. */
export function predicateFilter(n) {
  const parts = [];
  for (let i = 0; i < n; i++) {
    const f = FIELDS[i % FIELDS.length];
    const op = OPS[i % OPS.length];
    parts.push(`${f}${op}${(i * 7919) % 60000}`);
  }
  let s = '';
  for (let i = 0; i < parts.length; i++) s += (i === 0 ? '' : i % 4 === 0 ? '||' : '&&') + parts[i];
  return s;
}
export const FOUR_PREDICATES = 'family == 2 && protocol == 6 && sport > 1024 && dport != 22';
/** A 1,000-way OR of equalities on one field (compiles to a set membership test). */
export function wideOr(n, field = 'dport') {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(`${field}==${(i * 37) % 65536}`);
  return parts.join('||');
}
/** Deterministic pseudo-random filters (LCG) over inet_sock_set_state: and/or/not of 1..8 predicates. */
export function generatedFilters(count, seed = 1) {
  let s = seed >>> 0;
  const rnd = (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) % n;
  };
  const out = [];
  for (let k = 0; k < count; k++) {
    const n = 1 + rnd(8);
    let text = '';
    for (let i = 0; i < n; i++) {
      const f = FIELDS[rnd(FIELDS.length)];
      const op = OPS[rnd(OPS.length)];
      const pred = `${rnd(4) === 0 ? '!' : ''}${f} ${op} ${rnd(4) === 0 ? rnd(70000) : rnd(12)}`;
      text += i === 0 ? pred : ` ${rnd(2) === 0 ? '&&' : '||'} ${pred}`;
    }
    out.push(text);
  }
  return out;
}
//# sourceMappingURL=tracefs-filters.js.map
