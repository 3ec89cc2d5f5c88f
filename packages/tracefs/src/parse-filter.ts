// The tracefs filter language front end: a hand-written scanner/parser that follows the kernel's
// own algorithm step by step (kernel/trace/trace_events_filter.c, Linux 6.18):
//   1. the write-size check (>= 4096 bytes → EINVAL, nothing parsed), NUL truncation, trailing
//      whitespace strip, the whole-string "0" that clears the filter;
//   2. the structural pre-scan calc_stack() (quotes, parentheses, predicate count) whose errors win;
//   3. predicate_parse(): one left-to-right pass building the linear branch program, calling
//      parsePred() at each predicate position, then the jump-threading and inversion passes.
// It is hand-written rather than generated (chevrotain is reserved for the pcap grammar) because
// exact error messages, caret positions and errnos are artefacts of that algorithm: which error wins
// depends on scan order, positions are byte offsets with the kernel's off-by-one, and quirks such as
// tolerated trailing "&&", "||", "!" or EINVAL for "a || b &&" fall out of the program passes.
// Invariants: never throws; no recursion (explicit stacks, so 10,000 nested parentheses or 1 MB of
// input only cost memory proportional to the input); deterministic; positions are UTF-8 byte offsets.

import type { Filter, FilterNode, Predicate, ProgramEntry } from './ast.ts';
import { FILTER_MESSAGES, type FilterErrno, type FilterError, PAGE_SIZE } from './errors.ts';
import { isSpace, type PredEnv, parsePred } from './parse-pred.ts';
import type { EventFormat } from './types.ts';

export type FilterEnv = PredEnv;

export type ParseResult = { ok: true; filter: Filter | null } | { ok: false; error: FilterError };

const INVERT = 1;
const PROCESS_AND = 2;
const PROCESS_OR = 4;

interface TreeFrame {
  readonly parity: boolean;
  readonly ors: FilterNode[];
  ands: FilterNode[];
}

function negate(n: FilterNode): FilterNode {
  return n.type === 'not' ? n.operand : { type: 'not', operand: n };
}

function combine(type: 'and' | 'or', operands: FilterNode[]): FilterNode | undefined {
  if (operands.length === 0) return undefined;
  if (operands.length === 1) return operands[0];
  const flat: FilterNode[] = [];
  for (const o of operands) {
    if (o.type === type) for (const x of o.operands) flat.push(x);
    else flat.push(o);
  }
  return { type, operands: flat };
}

function closeFrame(f: TreeFrame): FilterNode | undefined {
  const and = combine('and', f.ands);
  return combine('or', and ? [...f.ors, and] : f.ors);
}

function stripTrailing(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && isSpace(bytes[end - 1] as number)) end--;
  return bytes.subarray(0, end);
}

interface CalcStack {
  readonly ok: boolean;
  readonly nrPreds: number;
  readonly err?: { message: string; position: number; errno: FilterErrno };
}

/** calc_stack(): structural pre-scan. */
function calcStack(b: Uint8Array): CalcStack {
  let isPred = false;
  let nrPreds = 0;
  let open = 1;
  let lastQuote = 0;
  let quote = 0;
  let i = 0;
  for (; i < b.length; i++) {
    const c = b[i] as number;
    if (isSpace(c)) continue;
    if (quote) {
      if (c === quote) quote = 0;
      continue;
    }
    switch (c) {
      case 0x27:
      case 0x22:
        quote = c;
        lastQuote = i;
        break;
      case 0x7c:
      case 0x26:
        if (b[i + 1] !== c) break;
        isPred = false;
        continue;
      case 0x28:
        isPred = false;
        open++;
        continue;
      case 0x29:
        isPred = false;
        if (open === 1) {
          return {
            ok: false,
            nrPreds,
            err: { message: FILTER_MESSAGES.tooManyClose, position: i, errno: 'EPERM' },
          };
        }
        open--;
        continue;
    }
    if (!isPred) {
      nrPreds++;
      isPred = true;
    }
  }
  if (quote) {
    return {
      ok: false,
      nrPreds,
      err: { message: FILTER_MESSAGES.missingQuote, position: lastQuote, errno: 'ESRCH' },
    };
  }
  if (open !== 1) {
    let level = open;
    let q = 0;
    for (i--; i > 0; i--) {
      const c = b[i] as number;
      if (q) {
        if (c === q) q = 0;
        continue;
      }
      if (c === 0x28) {
        if (level === open) {
          return {
            ok: false,
            nrPreds,
            err: { message: FILTER_MESSAGES.tooManyOpen, position: i, errno: 'ENOENT' },
          };
        }
        level--;
      } else if (c === 0x29) {
        level++;
      } else if (c === 0x27 || c === 0x22) {
        q = c;
      }
    }
    return {
      ok: false,
      nrPreds,
      err: { message: FILTER_MESSAGES.tooManyOpen, position: 0, errno: 'ENOENT' },
    };
  }
  return { ok: true, nrPreds };
}

/** Validated copy of the environment's CPU count (1 … 65536). */
function nrCpuIdsOf(env: FilterEnv): number {
  const n = Math.trunc(Number(env.nrCpuIds));
  return Number.isFinite(n) ? Math.min(Math.max(n, 1), 65536) : 1;
}

export interface ParseOptions {
  /**
   * Writes of this many bytes or more are rejected before parsing (the kernel's PAGE_SIZE check,
   * default 4096). Raise it only to exercise the parser on larger inputs.
   */
  readonly maxBytes?: number;
}

export function parseFilter(
  text: string,
  event: EventFormat,
  env: FilterEnv,
  opts?: ParseOptions,
): ParseResult {
  const all = new TextEncoder().encode(text);
  const limit = opts?.maxBytes ?? PAGE_SIZE;
  if (all.length >= limit) {
    return {
      ok: false,
      error: {
        message: `Filter too long: ${all.length} bytes; writes of ${limit} bytes or more are rejected before parsing and the previous filter stays installed`,
        position: 0,
        errno: 'EINVAL',
        text: '',
        bare: false,
        tooLong: true,
      },
    };
  }
  const nul = all.indexOf(0);
  const bytes = stripTrailing(nul >= 0 ? all.subarray(0, nul) : all);
  const stored = Buffer.from(bytes).toString('utf8');
  let lead = 0;
  while (lead < bytes.length && isSpace(bytes[lead] as number)) lead++;
  if (bytes.length - lead === 1 && bytes[lead] === 0x30) return { ok: true, filter: null };

  const err = (message: string, position: number, errno: FilterErrno): ParseResult => ({
    ok: false,
    error: { message, position, errno, text: stored, bare: false },
  });
  const bare = (errno: FilterErrno): ParseResult => ({
    ok: false,
    error: { message: FILTER_MESSAGES.bare, position: 0, errno, text: stored, bare: true },
  });

  const cs = calcStack(bytes);
  if (!cs.ok && cs.err) return err(cs.err.message, cs.err.position, cs.err.errno);
  if (cs.nrPreds === 0) return bare('EINVAL');
  const maxPreds = cs.nrPreds + 2;
  const predEnv: PredEnv = { ...env, nrCpuIds: nrCpuIdsOf(env) };

  const at = (k: number): number => (k < bytes.length ? (bytes[k] as number) : 0);
  const preds: Predicate[] = [];
  const target: number[] = [];
  const wtb: boolean[] = [];
  const inverts: boolean[] = [];
  const ops: number[] = [0];
  const frames: TreeFrame[] = [{ parity: false, ors: [], ands: [] }];
  let corrupt = false;
  let outOfBounds = false;
  let invert = false;
  let ptr = 0;
  let n = 0;

  const update = (idx: number, inv: boolean): void => {
    const t = target[idx] as number;
    if (t < 0) {
      corrupt = true;
      outOfBounds = true;
      return;
    }
    const s = target[t] as number;
    wtb[t] = inv;
    target[t] = idx;
    target[idx] = s;
  };
  const top = (): number => ops[ops.length - 1] as number;
  const setTop = (v: number): void => {
    ops[ops.length - 1] = v;
  };

  outer: while (at(ptr) !== 0) {
    const next = ptr++;
    const c = at(next);
    if (isSpace(c)) continue;
    if (c === 0x28) {
      ops.push(invert ? INVERT : 0);
      frames.push({ parity: invert, ors: [], ands: [] });
      continue;
    }
    if (c === 0x21) {
      const c1 = at(next + 1);
      if (c1 !== 0x3d && c1 !== 0x7e) {
        invert = !invert;
        continue;
      }
    }
    if (n >= maxPreds) return err(FILTER_MESSAGES.tooManyPreds, next, 'EINVAL');
    inverts[n] = invert;
    target[n] = n - 1;
    wtb[n] = false;
    const r = parsePred(bytes, next, event, predEnv);
    if (!r.ok) {
      if (r.bare) return bare('EPERM');
      return err(r.message, r.position, 'EINVAL');
    }
    ptr = next + r.length;
    preds.push(r.pred);
    const frame = frames[frames.length - 1] as TreeFrame;
    const leaf: FilterNode = { type: 'pred', index: n };
    frame.ands.push(invert !== frame.parity ? negate(leaf) : leaf);
    n++;
    for (;;) {
      const nx = ptr++;
      const ch = at(nx);
      if (isSpace(ch)) continue;
      if (ch === 0x26 || ch === 0x7c) {
        if (at(nx + 1) !== ch) return err(FILTER_MESSAGES.tooManyPreds, nx, 'EPERM');
        ptr++;
      } else if (ch !== 0x29 && ch !== 0) {
        return err(FILTER_MESSAGES.tooManyPreds, nx, 'EPERM');
      }
      invert = (top() & INVERT) !== 0;
      if (top() & PROCESS_AND) {
        update(n - 1, invert);
        setTop(top() & ~PROCESS_AND);
      }
      if (ch === 0x26) {
        setTop(top() | PROCESS_AND);
        break;
      }
      if (top() & PROCESS_OR) {
        update(n - 1, !invert);
        setTop(top() & ~PROCESS_OR);
      }
      if (ch === 0x7c) {
        setTop(top() | PROCESS_OR);
        const f = frames[frames.length - 1] as TreeFrame;
        const and = combine('and', f.ands);
        if (and) f.ors.push(and);
        f.ands = [];
        break;
      }
      if (ch === 0) break outer;
      if (ops.length === 1) return err(FILTER_MESSAGES.tooManyClose, ptr, 'EPERM');
      ops.pop();
      const closed = frames.pop() as TreeFrame;
      const parent = frames[frames.length - 1] as TreeFrame;
      const node = closeFrame(closed);
      if (node) parent.ands.push(closed.parity !== parent.parity ? negate(node) : node);
    }
  }
  if (ops.length !== 1) return err(FILTER_MESSAGES.tooManyOpen, ptr, 'EPERM');
  if (n === 0) return err(FILTER_MESSAGES.noFilter, ptr, 'EINVAL');

  target[n] = 1;
  wtb[n] = false;
  target[n + 1] = 0;
  wtb[n + 1] = false;
  target[n - 1] = n;
  wtb[n - 1] = false;
  for (let i = n - 1; i-- > 0; ) {
    const t = target[i] as number;
    if (t < 0 || t > n + 1) {
      corrupt = true;
      outOfBounds = true;
      continue;
    }
    if (wtb[i] === wtb[t]) target[i] = target[t] as number;
  }
  for (let i = 0; i < n; i++) {
    wtb[i] = inverts[i] !== wtb[i];
    if ((target[i] as number) <= i) corrupt = true;
  }
  if (corrupt) {
    const r = bare('EINVAL');
    return outOfBounds && !r.ok ? { ok: false, error: { ...r.error, kernelUndefined: true } } : r;
  }
  const program: ProgramEntry[] = [];
  for (let i = 0; i < n + 2; i++) {
    program.push({ pred: i < n ? i : -1, whenToBranch: wtb[i] === true, target: target[i] as number });
  }
  const root = closeFrame(frames[0] as TreeFrame) ?? { type: 'pred', index: 0 };
  return { ok: true, filter: { text: stored, preds, program, tree: root } };
}
