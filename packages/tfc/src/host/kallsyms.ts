/*
 * Symbol lookup for `.function` predicates, from /proc/kallsyms (readable with addresses only by root).
 * Invariants: a symbol's extent is [address, next higher distinct address) as the kernel's size/offset lookup
 * computes it; lookups by name return the first listed symbol of that name; lookups by address return the symbol
 * whose extent contains it. Returns undefined when kallsyms is unreadable or shows zeroed addresses.
 */
import { readFileSync } from 'node:fs';

export interface SymbolRange {
  readonly start: bigint;
  readonly size: bigint;
}

export interface SymbolTable {
  readonly lookup: (nameOrAddress: string | bigint) => SymbolRange | undefined;
}

export function parseKallsyms(text: string): SymbolTable | undefined {
  const addrs: bigint[] = [];
  const byName = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const sp1 = line.indexOf(' ');
    if (sp1 <= 0) continue;
    const sp2 = line.indexOf(' ', sp1 + 1);
    if (sp2 < 0) continue;
    const addr = BigInt(`0x${line.slice(0, sp1)}`);
    let name = line.slice(sp2 + 1);
    const tab = name.indexOf('\t');
    if (tab >= 0) name = name.slice(0, tab);
    addrs.push(addr);
    if (!byName.has(name)) byName.set(name, addr);
  }
  if (addrs.length === 0 || addrs.every((a) => a === 0n)) return undefined;
  const sorted = [...new Set(addrs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rangeAt = (addr: bigint): SymbolRange | undefined => {
    let lo = 0;
    let hi = sorted.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as bigint) <= addr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const next = sorted[found + 1];
    if (next === undefined) return undefined;
    const start = sorted[found] as bigint;
    return { start, size: next - start };
  };
  return {
    lookup: (q) => {
      if (typeof q === 'bigint') return rangeAt(q);
      const a = byName.get(q);
      return a === undefined ? undefined : rangeAt(a);
    },
  };
}

/** Reads the running kernel's symbols; undefined when /proc/kallsyms is unreadable or hides addresses. */
export function readHostSymbols(): SymbolTable | undefined {
  try {
    return parseKallsyms(readFileSync('/proc/kallsyms', 'utf8'));
  } catch {
    return undefined;
  }
}
