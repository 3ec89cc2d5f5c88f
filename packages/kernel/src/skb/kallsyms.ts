// Kernel addresses to `symbol+0xoff` from the text of /proc/kallsyms (root sees real addresses).
// Invariants: pure over the text; symbols are sorted by address once; an address below every symbol, or
// zero, renders as hex; all-zero tables (addresses hidden) give hex too, never a wrong symbol.
export interface Kallsyms {
  /** `symbol+0xoff` (or `symbol` at offset 0, `[module]` appended), else `0x…`. */
  symbolize(address: bigint): string;
  readonly count: number;
}

interface Sym {
  readonly addr: bigint;
  readonly name: string;
}

/** Parses kallsyms text: `ffffffff81000000 T _stext [module]` lines. */
export function parseKallsyms(text: string): Kallsyms {
  const syms: Sym[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(/\s+/);
    const [a, type, name, mod] = parts;
    if (a === undefined || type === undefined || name === undefined || !/^[0-9a-fA-F]{1,16}$/.test(a))
      continue;
    if (!/[tTwW]/.test(type)) continue;
    const addr = BigInt(`0x${a}`);
    if (addr === 0n) continue;
    syms.push({ addr, name: mod !== undefined && mod !== '' ? `${name} ${mod}` : name });
  }
  syms.sort((x, y) => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : 0));
  const hex = (a: bigint) => `0x${a.toString(16)}`;
  return {
    count: syms.length,
    symbolize(address) {
      if (address === 0n || syms.length === 0) return hex(address);
      let lo = 0;
      let hi = syms.length - 1;
      if (address < (syms[0]?.addr ?? 0n)) return hex(address);
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((syms[mid]?.addr ?? 0n) <= address) lo = mid;
        else hi = mid - 1;
      }
      const s = syms[lo];
      if (s === undefined) return hex(address);
      const off = address - s.addr;
      if (off > 0x100000n) return hex(address);
      const [name, mod] = s.name.split(' ');
      return `${name}${off === 0n ? '' : `+${hex(off)}`}${mod !== undefined ? ` ${mod}` : ''}`;
    },
  };
}
