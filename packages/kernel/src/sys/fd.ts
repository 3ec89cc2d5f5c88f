// A kernel file descriptor owned by JS: closed exactly once, by dispose() or `using`.
// Invariants: after dispose() `fd` is -1 and `closed` is true; a second dispose() is a no-op and
// makes no syscall; the handle never closes an fd it did not receive from a successful call.
import type { Syscalls } from './syscalls.ts';

export class FdHandle {
  readonly kind: string;
  #fd: number;
  readonly #sys: Syscalls;

  constructor(sys: Syscalls, fd: number, kind: string) {
    this.#sys = sys;
    this.#fd = fd;
    this.kind = kind;
  }

  /** The descriptor, or -1 once disposed. */
  get fd(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** The syscall layer this handle was opened through. */
  get sys(): Syscalls {
    return this.#sys;
  }

  dispose(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    this.#sys.close(fd);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Disposes every handle given (undefined entries are skipped), in reverse order. */
export function disposeAll(handles: readonly (FdHandle | undefined)[]): void {
  for (let i = handles.length - 1; i >= 0; i--) handles[i]?.dispose();
}
