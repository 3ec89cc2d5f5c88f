// The guards of the classic-to-eBPF translation, decided once before any instruction is emitted (cbpfc-style): a
// forward dataflow over the classic program (all jumps go forward) of the packet range [0, n) proven on every path
// into each instruction, and from it a guard pseudo-instruction before each constant-offset load that reads past
// what is proven (direct mode: tc, xdp) — or an abort where no packet can hold the bytes — and the instructions no
// path reaches (never emitted: the verifier refuses unreachable code).
// Invariants: pure; a guard's range only grows along a path; an abort ends its path (nothing flows past it, as past
// a jump); the classic generator's little-endian byte assembly is one load (one guard) when X is dead after it;
// `ld_ind` loads are checked where they run (their offset is a runtime value), and one whose constant part alone
// ends past MAX_PKT_OFF ends its path too.
import type { Insn as CInsn } from '@tfc/bpf/cbpf';
import { MAX_PKT_OFF } from '../lower/access.ts';
import { BYTES_OF, leAssembly } from './analysis.ts';

export interface GuardPlan {
  /** Instructions no path reaches. */
  readonly dead: readonly boolean[];
  /** Before instruction i: check that the packet holds bytes [0, end), or abort when none can; absent: proven. */
  readonly guards: ReadonlyMap<number, number | 'abort'>;
}

/** The end of the constant-offset packet range instruction c reads in direct mode (0: none). */
function loadEnd(c: CInsn): number {
  if (c.kind === 'ld_abs' && c.base === 'packet') return c.offset + BYTES_OF[c.size];
  if (c.kind === 'ldx_msh') return c.offset + 1;
  return 0;
}

export function planGuards(
  prog: readonly CInsn[],
  targets: ReadonlySet<number>,
  liveX: readonly boolean[],
  direct: boolean,
): GuardPlan {
  const checked: number[] = Array(prog.length + 1).fill(Number.POSITIVE_INFINITY);
  checked[0] = 0;
  const dead: boolean[] = Array(prog.length).fill(false);
  const guards = new Map<number, number | 'abort'>();
  const flow = (to: number, v: number) => {
    checked[to] = Math.min(checked[to] ?? 0, v);
  };
  for (let i = 0; i < prog.length; i++) {
    if (checked[i] === Number.POSITIVE_INFINITY) {
      dead[i] = true;
      continue;
    }
    let now = checked[i]!;
    let ended = false;
    /** A guard for bytes [0, end) before instruction i, unless proven. */
    const guard = (end: number) => {
      if (end > MAX_PKT_OFF) {
        guards.set(i, 'abort');
        ended = true;
      } else if (end > now) {
        guards.set(i, end);
        now = end;
      }
    };
    const le = leAssembly(prog, i, targets);
    if (le !== undefined && !liveX[le.end]) {
      if (direct) guard(le.k + le.n);
      if (!ended) flow(le.end, now);
      i = le.end - 1;
      continue;
    }
    const c = prog[i]!;
    if (c.kind === 'ja') {
      flow(i + 1 + c.offset, now);
      continue;
    }
    if (c.kind === 'jmp_k' || c.kind === 'jmp_x') {
      flow(i + 1 + c.jt, now);
      flow(i + 1 + c.jf, now);
      continue;
    }
    if (c.kind === 'ret_k' || c.kind === 'ret_a') continue;
    if (direct) {
      const end = loadEnd(c);
      if (end > 0) guard(end);
      if (c.kind === 'ld_ind' && MAX_PKT_OFF - c.offset - BYTES_OF[c.size] < 0) ended = true;
    }
    if (!ended) flow(i + 1, now);
  }
  return { dead, guards };
}
