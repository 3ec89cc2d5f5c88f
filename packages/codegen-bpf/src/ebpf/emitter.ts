// The eBPF emitter's instruction stream: labels live on the instructions (the first of a run of labels placed
// together names the next instruction, the rest become aliases), and dead code is never written.
// Invariants: code after an unconditional jump is dropped until a referenced label revives it; a `goto` to the
// label placed right after it disappears (fall-through); a loop head is referenced only when it is placed in live
// code, so a loop no path reaches stays dropped (the verifier refuses unreachable instructions); label names are
// fresh per program (`l0`, `l1`, ...) besides the node labels the caller chooses.
import { alu64, type Insn, ja, jmp, mov, R1, R4, R5 } from '@tfc/bpf/ebpf';

export interface Emitter {
  readonly out: Insn[];
  pendingLabels: string[];
  pendingJa: string | undefined;
  dead: boolean;
  readonly referenced: Set<string>;
  readonly alias: Map<string, string>;
  next: number;
}

export function newEmitter(): Emitter {
  return {
    out: [],
    pendingLabels: [],
    pendingJa: undefined,
    dead: false,
    referenced: new Set(),
    alias: new Map(),
    next: 0,
  };
}

export function rawEmit(em: Emitter, i: Insn): void {
  if (em.pendingLabels.length > 0) {
    const [first, ...rest] = em.pendingLabels;
    for (const r of rest) em.alias.set(r, first!);
    em.out.push({ ...i, label: first! });
    em.pendingLabels = [];
  } else em.out.push(i);
}

export function flushJa(em: Emitter): void {
  if (em.pendingJa !== undefined) {
    rawEmit(em, ja(em.pendingJa));
    em.pendingJa = undefined;
    em.dead = true;
  }
}

export function emit(em: Emitter, i: Insn): void {
  if (em.dead) return;
  if (em.pendingJa !== undefined) {
    // Code after an unconditional jump is unreachable until a referenced label is placed.
    flushJa(em);
    return;
  }
  if (i.target !== undefined) em.referenced.add(i.target);
  rawEmit(em, i);
}

export function goto(em: Emitter, target: string): void {
  if (em.dead) return;
  if (em.pendingJa !== undefined) {
    flushJa(em);
    return;
  }
  em.referenced.add(target);
  em.pendingJa = target;
}

export function place(em: Emitter, label: string): void {
  if (em.pendingJa !== undefined) {
    if (em.pendingJa === label) {
      em.pendingJa = undefined;
      em.dead = false;
    } else flushJa(em);
  }
  if (!em.referenced.has(label)) return;
  em.dead = false;
  em.pendingLabels.push(label);
}

export function fresh(em: Emitter): string {
  return `l${em.next++}`;
}

/** A loop head placed here. Its back edge comes later, so it is marked referenced only when this point is live:
 *  a loop in code no path reaches stays dropped instead of reviving (the verifier refuses unreachable insns). */
export function placeLoopHead(em: Emitter): string {
  const head = fresh(em);
  if (!em.dead && em.pendingJa === undefined) em.referenced.add(head);
  place(em, head);
  return head;
}

/**
 * The head of a loop over the windows of a string buffer: R4 is the window start, R5 the data length. Each turn
 * leaves (through `leave`, which ends the loop with its "not found" result) when a window of `width` bytes would
 * pass R5 or the buffer's `bound`; the caller then tests the window, places `next`, steps R4 and jumps to `head`.
 * R1 is clobbered.
 */
export function windowLoopHead(
  em: Emitter,
  width: number,
  bound: number,
  leave: () => void,
): { head: string; next: string } {
  const head = placeLoopHead(em);
  const inRange = fresh(em);
  const inBound = fresh(em);
  const next = fresh(em);
  emit(em, mov.reg(R1, R4));
  emit(em, alu64.add.imm(R1, width));
  emit(em, jmp.jle.reg(R1, R5, inRange));
  leave();
  place(em, inRange);
  emit(em, jmp.jle.imm(R4, bound - width, inBound));
  leave();
  place(em, inBound);
  return { head, next };
}

/** The instructions with every jump target resolved through the aliases of labels placed together. */
export function resolvedInsns(em: Emitter): Insn[] {
  const resolve = (l: string): string => em.alias.get(l) ?? l;
  return em.out.map((i) => (i.target === undefined ? i : { ...i, target: resolve(i.target) }));
}
