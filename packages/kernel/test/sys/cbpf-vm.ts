// Test helper: the @tfc/bpf classic BPF VM as an optional third judge, loaded at run time so these
// tests work (with a reported skip) before @tfc/bpf exports it. Invariants: never throws; returns the
// reason when the module or its functions are missing; the adapter takes tcpdump -ddd listings.

export type CbpfRun = { readonly result: number; readonly steps?: number } | { readonly error: string };
export interface CbpfVm {
  /** Runs the program given as "code jt jf k" lines on `packet`. */
  run(
    lines: readonly (readonly [number, number, number, number])[],
    packet: Uint8Array,
    semantics: 'kernel' | 'libpcap',
  ): CbpfRun;
}

type AnyFn = (...args: unknown[]) => unknown;

export async function loadCbpfVm(): Promise<CbpfVm | string> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('@tfc/bpf/cbpf')) as Record<string, unknown>;
  } catch (e) {
    return `@tfc/bpf/cbpf not importable: ${e instanceof Error ? e.message : String(e)}`;
  }
  const parseDdd = mod.parseDdd;
  const run = mod.run;
  if (typeof parseDdd !== 'function' || typeof run !== 'function')
    return '@tfc/bpf/cbpf does not export parseDdd and run yet';
  const cache = new Map<string, unknown>();
  const program = (lines: readonly (readonly [number, number, number, number])[]): unknown => {
    const text = `${lines.length}\n${lines.map((l) => l.join(' ')).join('\n')}\n`;
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const r = (parseDdd as AnyFn)(text) as { ok: boolean; program?: unknown };
    const p = r.ok ? r.program : undefined;
    cache.set(text, p ?? null);
    return p ?? null;
  };
  return {
    run: (lines, packet, semantics) => {
      const p = program(lines);
      if (p === null) return { error: 'parseDdd rejected the listing' };
      return (run as AnyFn)(p, packet, { semantics }) as CbpfRun;
    },
  };
}
