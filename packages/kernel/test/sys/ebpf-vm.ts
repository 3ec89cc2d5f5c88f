// Test helper: the @tfc/bpf eBPF VM as the judged party, loaded at run time so that these tests
// report a skip (with the reason) instead of failing to typecheck while @tfc/bpf is being written.
// Invariants: never throws; decodes our encoded bytes with @tfc/bpf's own decoder, builds the
// program context the way BPF_PROG_TEST_RUN does (skbTestRunInput for tc; for XDP the kernel uses
// the loopback device's rx queue 0, so ingress_ifindex = 1), returns r0 or an error.

export type EbpfRun =
  | { readonly ok: true; readonly r0: bigint }
  | { readonly ok: false; readonly error: string };
export interface EbpfVm {
  run(bytes: Uint8Array, kind: 'sched_cls' | 'xdp', frame: Uint8Array, fuel: number): EbpfRun;
}

type AnyFn = (...args: unknown[]) => unknown;

export async function loadEbpfVm(): Promise<EbpfVm | string> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('@tfc/bpf/ebpf')) as Record<string, unknown>;
  } catch (e) {
    return `@tfc/bpf/ebpf not importable: ${e instanceof Error ? e.message : String(e)}`;
  }
  const { decode, run, skbTestRunInput, xdpTestRunInput, prepare } = mod;
  if (typeof decode !== 'function' || typeof run !== 'function')
    return '@tfc/bpf/ebpf does not export decode and run yet';
  const cache = new Map<Uint8Array, unknown>();
  const program = (bytes: Uint8Array): unknown => {
    const hit = cache.get(bytes);
    if (hit !== undefined) return hit;
    const insns = (decode as AnyFn)(bytes, 'le');
    let prog: unknown = insns;
    if (typeof prepare === 'function') {
      const p = (prepare as AnyFn)(insns) as { ok: boolean; prog?: unknown; error?: string };
      prog = p.ok ? p.prog : { error: p.error };
    }
    cache.clear();
    cache.set(bytes, prog);
    return prog;
  };
  return {
    run: (bytes, kind, frame, fuel) => {
      try {
        const prog = program(bytes);
        if (prog !== null && typeof prog === 'object' && 'error' in prog)
          return { ok: false, error: `prepare: ${String(prog.error)}` };
        const input =
          kind === 'xdp'
            ? typeof xdpTestRunInput === 'function'
              ? (xdpTestRunInput as AnyFn)(frame)
              : { kind: 'xdp', packet: frame, ingressIfindex: 1, rxQueueIndex: 0 } // TEST_RUN: loopback rx queue 0
            : typeof skbTestRunInput === 'function'
              ? (skbTestRunInput as AnyFn)(frame, 'tc')
              : { kind: 'skb', packet: frame };
        const r = (run as AnyFn)(prog, input, { fuel }) as {
          ok: boolean;
          r0?: bigint;
          error?: string;
          pc?: number;
        };
        if (r.ok && typeof r.r0 === 'bigint') return { ok: true, r0: r.r0 };
        return { ok: false, error: `${r.error ?? 'no r0'} at pc ${r.pc ?? '?'}` };
      } catch (e) {
        return { ok: false, error: `threw: ${e instanceof Error ? e.message : String(e)}` };
      }
    },
  };
}
