/*
 * The stop condition of the live commands (`tfc trace`, `tfc capture`): SIGINT/SIGTERM, a duration, or the caller's
 * own reason (a count). Invariants: the first reason wins and is kept; the signal handlers are installed ahead of
 * the process's exit cleanup (so `onSignal` can still read the kernel objects) and removed by `dispose()`.
 */
/**
 * A stop condition for the loops: a signal, the duration, or the caller's own reason. `onSignal` runs once, inside
 * the first SIGINT/SIGTERM's handler and before the process's exit cleanup (tracefs/cleanup.ts) releases the kernel
 * objects in the same dispatch: the last moment to read what they hold.
 */
export function stopper(
  duration: number | undefined,
  onSignal: () => void = () => {},
): {
  readonly stop: () => boolean;
  reason: string | undefined;
  readonly dispose: () => void;
} {
  const t0 = Date.now();
  const handlers: [NodeJS.Signals, () => void][] = [];
  const st = {
    reason: undefined as string | undefined,
    stop: (): boolean => {
      if (st.reason === undefined && duration !== undefined && Date.now() - t0 >= duration * 1000)
        st.reason = 'duration';
      return st.reason !== undefined;
    },
    dispose: (): void => {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const h = (): void => {
      if (st.reason !== undefined) return;
      st.reason = sig;
      onSignal();
    };
    handlers.push([sig, h]);
    process.prependListener(sig, h);
  }
  return st;
}
