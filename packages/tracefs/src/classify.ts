// Field kind classification from a type string, exactly as the kernel's filter_assign_type()
// (spec §4.2): substring tests in a fixed order; `char *`/`const char *` must match exactly.
// Invariant: pure function of the type text; generic pseudo-fields are classified elsewhere.

import type { FieldKind } from './types.ts';

export function classifyType(type: string): FieldKind {
  const dataLoc = type.includes('__data_loc');
  if (dataLoc && type.includes('char')) return 'dyn_string';
  if (dataLoc && type.includes('cpumask_t')) return 'cpumask';
  if (type.includes('__rel_loc') && type.includes('char')) return 'rdyn_string';
  if (type.includes('[') && type.includes('char')) return 'static_string';
  if (type === 'char *' || type === 'const char *') return 'ptr_string';
  return 'other';
}

/** String kinds in the kernel's sense (is_string_field). */
export function isStringKind(kind: FieldKind): boolean {
  return (
    kind === 'dyn_string' ||
    kind === 'rdyn_string' ||
    kind === 'static_string' ||
    kind === 'ptr_string' ||
    kind === 'comm'
  );
}
