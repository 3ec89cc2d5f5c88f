/*
 * Filters used by the tracefs benchmarks, on sock/inet_sock_set_state from the bundled snapshot (so figures do
 * not depend on the live kernel's formats). Invariant: every generated filter is under the kernel's 4096-byte
 * write limit and is accepted by the kernel's rules.
 */
const FIELDS = ['sport', 'dport', 'family', 'protocol', 'oldstate', 'newstate'] as const;
const OPS = ['==', '!=', '<', '>=', '&'] as const;

/** n predicates joined by || and &&, cycling fields and operators deterministically. */
export function predicateFilter(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = FIELDS[i % FIELDS.length] as string;
    const op = OPS[i % OPS.length] as string;
    parts.push(`${f}${op}${(i * 7919) % 60000}`);
  }
  let s = '';
  for (let i = 0; i < parts.length; i++) s += (i === 0 ? '' : i % 4 === 0 ? '||' : '&&') + parts[i];
  return s;
}

export const FOUR_PREDICATES = 'family == 2 && protocol == 6 && sport > 1024 && dport != 22';
