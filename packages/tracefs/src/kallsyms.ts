// A FilterEnv.lookupSymbol built from the text of /proc/kallsyms (the caller reads the file; this
// module stays pure). Semantics follow kallsyms_lookup_name + kallsyms_lookup_size_offset: a name
// resolves to its first listed address; an address resolves to the symbol with the greatest start
// <= address, whose size runs to the next higher symbol address. Invariants: no I/O; lines that do
// not parse are ignored; all-zero addresses (kptr_restrict) make every lookup fail.

export type SymbolLookup = (nameOrAddress: string | bigint) => { start: bigint; size: bigint } | undefined;

export function symbolLookupFromKallsyms(text: string): SymbolLookup {
  const byName = new Map<string, bigint>();
  const addrs: bigint[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+\S\s+(\S+)/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const a = BigInt(`0x${m[1]}`);
    if (a === 0n) continue;
    if (!byName.has(m[2])) byName.set(m[2], a);
    addrs.push(a);
  }
  addrs.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const uniq: bigint[] = [];
  for (const a of addrs) if (uniq.length === 0 || uniq[uniq.length - 1] !== a) uniq.push(a);
  const containing = (addr: bigint): { start: bigint; size: bigint } | undefined => {
    let lo = 0;
    let hi = uniq.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((uniq[mid] as bigint) <= addr) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const next = uniq[found + 1];
    if (found < 0 || next === undefined) return undefined;
    const start = uniq[found] as bigint;
    return { start, size: next - start };
  };
  return (q) => {
    if (typeof q === 'bigint') return containing(q);
    const a = byName.get(q);
    return a === undefined ? undefined : containing(a);
  };
}
