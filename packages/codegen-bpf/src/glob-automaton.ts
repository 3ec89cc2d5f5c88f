// Compiles lib/glob.c glob_match (as restated in @tfc/ir strmatch.ts) for a pattern known at compile
// time over data of a known length N (char[N] arrays and comm) into a forward-only automaton.
// Invariants:
//  - the matcher's whole control state (pattern position p, data position s, backtrack point
//    (backPat, backStr)) is a compile-time quantity; only the data byte at s is a runtime value, so
//    each automaton state reads one byte and branches on it; bytes at s >= N read as 0 and are
//    resolved at compile time, as are `*` steps (they read nothing);
//  - the key (backStr, s, p) strictly increases along every transition, so states sorted by it
//    give forward jumps only, and the construction terminates;
//  - exact for every input: tests are checked in order, first match wins, else `otherwise`;
//  - the state count is capped (MAX_GLOB_STATES); beyond it the caller gets undefined.

export type GlobNext = number | 'T' | 'F';

export interface GlobTest {
  readonly lo: number;
  readonly hi: number;
  readonly next: GlobNext;
}

export interface GlobState {
  /** Data byte index this state reads (always < N). */
  readonly byte: number;
  readonly tests: readonly GlobTest[];
  readonly otherwise: GlobNext;
}

export interface GlobAutomaton {
  readonly start: GlobNext;
  /** States in emission order; ids are indices; every transition goes to a larger index. */
  readonly states: readonly GlobState[];
}

export const MAX_GLOB_STATES = 2048;

interface Ctl {
  readonly p: number;
  readonly s: number;
  readonly bp: number;
  readonly bs: number;
}

type ClassParse =
  | { readonly malformed: true }
  | {
      readonly malformed: false;
      readonly inverted: boolean;
      readonly ranges: readonly (readonly [number, number])[];
      readonly end: number;
    };

function parseClass(pat: readonly number[], p: number): ClassParse {
  const at = (i: number) => (i < pat.length ? pat[i]! : 0);
  const inverted = at(p) === 0x21;
  let cls = p + (inverted ? 1 : 0);
  let a = at(cls++);
  const ranges: [number, number][] = [];
  do {
    let b = a;
    if (a === 0) return { malformed: true };
    if (at(cls) === 0x2d && at(cls + 1) !== 0x5d) {
      b = at(cls + 1);
      if (b === 0) return { malformed: true };
      cls += 2;
    }
    ranges.push([a, b]);
    a = at(cls++);
  } while (a !== 0x5d);
  return { malformed: false, inverted, ranges, end: cls };
}

/** Transition of one control state as a function of the byte c: ordered tests + otherwise, where
 *  targets are control states or terminals. */
type Step = {
  readonly tests: { lo: number; hi: number; next: Ctl | 'T' | 'F' }[];
  readonly otherwise: Ctl | 'T' | 'F';
};

function stepOf(pat: readonly number[], c: Ctl): Step | Ctl | 'T' | 'F' {
  const at = (i: number) => (i < pat.length ? pat[i]! : 0);
  const d0 = at(c.p);
  const restart: Ctl | 'F' = c.bp < 0 ? 'F' : { p: c.bp, s: c.bs + 1, bp: c.bp, bs: c.bs + 1 };
  // backtrack, for c != 0 (c == 0 always fails)
  if (d0 === 0x3f)
    return { tests: [{ lo: 0, hi: 0, next: 'F' }], otherwise: { ...c, p: c.p + 1, s: c.s + 1 } };
  if (d0 === 0x2a) {
    if (at(c.p + 1) === 0) return 'T';
    return { p: c.p + 1, s: c.s, bp: c.p + 1, bs: c.s };
  }
  let d = d0;
  let p = c.p + 1;
  if (d0 === 0x5b) {
    const k = parseClass(pat, p);
    if (!k.malformed) {
      const hit: Ctl | 'F' = k.inverted ? restart : { ...c, p: k.end, s: c.s + 1 };
      const miss: Ctl | 'F' = k.inverted ? { ...c, p: k.end, s: c.s + 1 } : restart;
      return {
        tests: [
          { lo: 0, hi: 0, next: 'F' },
          ...k.ranges.filter(([a, b]) => a <= b).map(([a, b]) => ({ lo: a, hi: b, next: hit })),
        ],
        otherwise: miss,
      };
    }
    // malformed class: a literal '['
  } else if (d0 === 0x5c) {
    d = at(p);
    p++;
  }
  if (d === 0) return { tests: [{ lo: 0, hi: 0, next: 'T' }], otherwise: restart };
  return {
    tests: [
      { lo: d, hi: d, next: { ...c, p, s: c.s + 1 } },
      { lo: 0, hi: 0, next: 'F' },
    ],
    otherwise: restart,
  };
}

function inRange(t: { lo: number; hi: number }, v: number): boolean {
  return t.lo <= v && v <= t.hi;
}

export function globAutomaton(pattern: readonly number[], n: number): GlobAutomaton | undefined {
  const key = (c: Ctl) => `${c.p},${c.s},${c.bp},${c.bs}`;
  const reading = new Map<string, { ctl: Ctl; step: Step }>();
  const resolved = new Map<string, Ctl | 'T' | 'F'>();
  // Resolve a control state to a terminal or a state that reads a byte (< n), iteratively.
  const resolve = (start: Ctl | 'T' | 'F'): Ctl | 'T' | 'F' | undefined => {
    let cur: Ctl | 'T' | 'F' = start;
    const trail: string[] = [];
    for (let guard = 0; guard < 100_000; guard++) {
      if (cur === 'T' || cur === 'F') break;
      const k = key(cur);
      const known = resolved.get(k);
      if (known !== undefined) {
        cur = known;
        break;
      }
      trail.push(k);
      const st = stepOf(pattern, cur);
      if (st === 'T' || st === 'F' || !('tests' in st)) {
        cur = st;
        continue;
      }
      if (cur.s < n) {
        if (!reading.has(k)) {
          if (reading.size >= MAX_GLOB_STATES) return undefined;
          reading.set(k, { ctl: cur, step: st });
        }
        break;
      }
      // c = 0 at or past the end of the data: decide now.
      const t = st.tests.find((x) => inRange(x, 0));
      cur = t !== undefined ? t.next : st.otherwise;
    }
    for (const k of trail) resolved.set(k, cur);
    return cur;
  };
  const first = resolve({ p: 0, s: 0, bp: -1, bs: 0 });
  if (first === undefined) return undefined;
  // Close over reachable reading states.
  const work = [...reading.values()];
  const nexts = new Map<
    string,
    { tests: { lo: number; hi: number; next: Ctl | 'T' | 'F' }[]; otherwise: Ctl | 'T' | 'F' }
  >();
  while (work.length > 0) {
    const { ctl, step } = work.pop()!;
    const k = key(ctl);
    if (nexts.has(k)) continue;
    const tests: { lo: number; hi: number; next: Ctl | 'T' | 'F' }[] = [];
    for (const t of step.tests) {
      const r = resolve(t.next);
      if (r === undefined) return undefined;
      tests.push({ lo: t.lo, hi: t.hi, next: r });
    }
    const o = resolve(step.otherwise);
    if (o === undefined) return undefined;
    nexts.set(k, { tests, otherwise: o });
    for (const v of reading.values()) if (!nexts.has(key(v.ctl))) work.push(v);
  }
  const order = [...reading.values()]
    .map((v) => v.ctl)
    .sort((a, b) => a.bs - b.bs || a.s - b.s || a.p - b.p || a.bp - b.bp);
  const index = new Map(order.map((c, i) => [key(c), i]));
  const ref = (x: Ctl | 'T' | 'F'): GlobNext => (x === 'T' || x === 'F' ? x : index.get(key(x))!);
  const states = order.map((c) => {
    const nx = nexts.get(key(c))!;
    return {
      byte: c.s,
      tests: nx.tests.map((t) => ({ lo: t.lo, hi: t.hi, next: ref(t.next) })),
      otherwise: ref(nx.otherwise),
    };
  });
  states.forEach((s, i) => {
    for (const t of [...s.tests.map((x) => x.next), s.otherwise])
      if (typeof t === 'number' && t <= i) throw new Error(`glob automaton: backward edge ${i} -> ${t}`);
  });
  return { start: ref(first), states };
}

/** Runs the automaton on data (bytes past N read as 0): the reference for tests. */
export function runGlobAutomaton(a: GlobAutomaton, data: Uint8Array): boolean {
  let cur = a.start;
  while (typeof cur === 'number') {
    const st = a.states[cur]!;
    const c = st.byte < data.length ? data[st.byte]! : 0;
    const t = st.tests.find((x) => inRange(x, c));
    cur = t !== undefined ? t.next : st.otherwise;
  }
  return cur === 'T';
}
