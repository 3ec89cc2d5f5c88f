/*
 * Reads the running kernel's symbols for `.function` predicates. Invariant: the only I/O is one read of
 * /proc/kallsyms; parsing and lookup semantics live in @tfc/tracefs (symbolLookupFromKallsyms). Returns undefined
 * when the file is unreadable or hides addresses (kptr_restrict), so `.function` filters then fail as "Function not
 * found" would for an unknown symbol.
 */
import { readFileSync } from 'node:fs';
import { type SymbolLookup, symbolLookupFromKallsyms } from '@tfc/tracefs';

/** The running kernel's symbols from /proc/kallsyms, or undefined when unreadable or hidden (kptr_restrict). */
export function readHostSymbols(): SymbolLookup | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/kallsyms', 'utf8');
  } catch {
    return undefined;
  }
  const firstAddress = /^([0-9a-fA-F]+)\s/.exec(text)?.[1];
  if (firstAddress === undefined || /^0+$/.test(firstAddress)) return undefined;
  return symbolLookupFromKallsyms(text);
}
