// fast-check generators for the kernel differential suites (@tfc/testkit, for tests only): filters over the
// uprobe oracle event (valid ones built from a predicate tree, invalid ones by mutating valid ones) and records
// biased towards the filter's own literals. Invariants: pure (the only inputs are the oracle's field table, the
// oracle pid and nr_cpu_ids); filter text is printable ASCII plus blanks (and NUL in invalid ones), shorter than
// 4096 bytes; no filter is a kernelHazard() (such filters preceded a kernel oops on the test machine); every filter
// carries a "pool" of the values its literals denote so that records hit the boundaries the filter talks about;
// trees have at most MAX_LEAVES leaves.

import { kernelHazard, type OracleRecord } from '@tfc/kernel/tracefs';
import fc from 'fast-check';

/** A numeric member of the oracle event: how to fill it from a record and its C type. */
export type NumField = {
  readonly name: string;
  readonly bits: 8 | 16 | 32 | 64 | 128;
  readonly signed: boolean;
  /** Record member that carries the value (x32/bf are read from u32, a4/arr from arr). */
  readonly source: 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 's64' | 'arr' | 'bf' | 'none';
};

export const NUM_FIELDS: readonly NumField[] = [
  { name: 'u8', bits: 8, signed: false, source: 'u8' },
  { name: 's8', bits: 8, signed: true, source: 's8' },
  { name: 'u16', bits: 16, signed: false, source: 'u16' },
  { name: 's16', bits: 16, signed: true, source: 's16' },
  { name: 'u32', bits: 32, signed: false, source: 'u32' },
  { name: 's32', bits: 32, signed: true, source: 's32' },
  { name: 'u64', bits: 64, signed: false, source: 'u64' },
  { name: 's64', bits: 64, signed: true, source: 's64' },
  { name: 'x32', bits: 32, signed: false, source: 'u32' },
  { name: 'x8', bits: 8, signed: false, source: 's8' },
  { name: 'bf', bits: 32, signed: false, source: 'bf' },
  { name: 'a4', bits: 32, signed: false, source: 'arr' },
  { name: 'arr', bits: 128, signed: false, source: 'arr' },
  { name: 'common_pid', bits: 32, signed: true, source: 'none' },
  { name: 'common_flags', bits: 8, signed: false, source: 'none' },
  { name: 'common_preempt_count', bits: 8, signed: false, source: 'none' },
  { name: 'common_type', bits: 16, signed: false, source: 'none' },
  { name: 'ptr', bits: 64, signed: false, source: 'none' },
];

/** Fields the test draws most often (the ones records control). */
const MAIN_NUM = NUM_FIELDS.filter((f) => f.source !== 'none' && f.name !== 'arr');
const RARE_NUM = NUM_FIELDS.filter((f) => f.source === 'none' || f.name === 'arr');

export const STRING_FIELDS = ['str', 'cm', 'comm', 'COMM'] as const;
export const CPU_FIELDS = ['cpu', 'CPU', 'common_cpu'] as const;

export type Pool = {
  readonly nums: ReadonlyMap<string, readonly bigint[]>;
  readonly strs: readonly string[];
};

export type GenFilter = { readonly text: string; readonly pool: Pool };

export type GenEnv = {
  readonly pid: number;
  readonly nrCpuIds: number;
  /** The kernel refuses a trailing operator before building its program (probed): hazard shapes are safe. */
  readonly trailingOperator?: 'tolerated' | 'rejected';
};

type Leaf = { readonly text: string; readonly num?: [string, bigint]; readonly str?: string };

const TWO64 = 1n << 64n;

function boundaryValues(f: NumField): bigint[] {
  const b = BigInt(Math.min(f.bits, 64));
  const out = [
    0n,
    1n,
    2n,
    (1n << b) - 1n,
    1n << b,
    (1n << (b - 1n)) - 1n,
    1n << (b - 1n),
    1n << 63n,
    TWO64 - 1n,
  ];
  if (f.signed) out.push(-1n, -(1n << (b - 1n)), -(1n << 63n), -2n);
  return out;
}

function hexDigits(v: bigint, upper: boolean): string {
  const s = v.toString(16);
  return upper ? s.toUpperCase() : s;
}

/** Renders an integer literal in one of the kernel's accepted spellings (and a few near misses). */
const literalArb = (v: bigint): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom('dec', 'dec', 'hex', 'HEX', 'oct', 'pad'), fc.integer({ min: 1, max: 4 }))
    .map(([style, pad]) => {
      const neg = v < 0n;
      const m = neg ? -v : v;
      const sign = neg ? '-' : '';
      switch (style) {
        case 'hex':
          return `${sign}0x${hexDigits(m, false)}`;
        case 'HEX':
          return `${sign}0X${hexDigits(m, true)}`;
        case 'oct':
          return m === 0n ? `${sign}0` : `${sign}0${m.toString(8)}`;
        case 'pad':
          return `${sign}${'0'.repeat(pad)}${m.toString(8)}`;
        default:
          return `${sign}${m.toString()}`;
      }
    });

function numValueArb(f: NumField, env: GenEnv): fc.Arbitrary<bigint> {
  const special = f.name === 'common_pid' ? [BigInt(env.pid), BigInt(env.pid + 1), BigInt(env.pid - 1)] : [];
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...boundaryValues(f), ...special) },
    { weight: 3, arbitrary: fc.bigInt({ min: f.signed ? -200n : 0n, max: 300n }) },
    { weight: 2, arbitrary: fc.bigInt({ min: f.signed ? -(1n << 63n) : 0n, max: TWO64 - 1n }) },
  );
}

const NUM_OPS = ['==', '!=', '<', '<=', '>', '>=', '&'] as const;

const ws = fc.constantFrom('', ' ', ' ', ' ', '  ', '\t', '\n');

function numLeafArb(env: GenEnv): fc.Arbitrary<Leaf> {
  const field = fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(...MAIN_NUM) },
    { weight: 1, arbitrary: fc.constantFrom(...RARE_NUM) },
  );
  return field.chain((f) =>
    fc.tuple(fc.constantFrom(...NUM_OPS), numValueArb(f, env), ws, ws).chain(([op, v, w1, w2]) =>
      literalArb(v).map((lit) => ({
        text: `${f.name}${w1}${op}${w2}${lit}`,
        num: [f.name, v] as [string, bigint],
      })),
    ),
  );
}

function cpuLeafArb(): fc.Arbitrary<Leaf> {
  return fc
    .tuple(
      fc.constantFrom(...CPU_FIELDS),
      fc.constantFrom(...NUM_OPS),
      fc.constantFrom(-1n, 0n, 1n, 2n, 3n, 0xffffffffn, 0x100000000n),
      ws,
    )
    .chain(([f, op, v, w]) => literalArb(v).map((lit) => ({ text: `${f} ${op}${w}${lit}` })));
}

const CPULISTS = [
  '0',
  '1',
  '0-1',
  '0,1',
  '1,0',
  '',
  ',',
  '1-1',
  '0-0',
  'all',
  'N',
  '0-1:1/2',
  ' 0 , 1 ',
  '0-1:2/2',
];

function cpusLeafArb(): fc.Arbitrary<Leaf> {
  const field = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...CPU_FIELDS) },
    { weight: 4, arbitrary: fc.constantFrom(...MAIN_NUM.map((f) => f.name)) },
  );
  return fc
    .tuple(field, fc.constantFrom('&', '==', '!='), fc.constantFrom(...CPULISTS), ws)
    .map(([f, op, list, w]) => ({ text: `${f} ${op}${w}CPUS{${list}}` }));
}

/** Alphabet of string literals: letters, a digit, and every glob metacharacter. */
const PAT_CHARS = ['a', 'b', 'c', 'x', 'A', '1', '*', '?', '[', ']', '!', '\\', '-'];
const WORD_CHARS = ['a', 'b', 'c', 'x', 'A', '1', '-', '*', '?', '[', ']'];

const wordArb = fc
  .array(fc.constantFrom(...WORD_CHARS.slice(0, 7)), { minLength: 0, maxLength: 5 })
  .map((a) => a.join(''));

/** Patterns of every `~` kind (spec §6.6): full, prefix, suffix, substring, glob, digit-first, negated. */
const patternArb: fc.Arbitrary<{ pat: string; words: string[] }> = fc.oneof(
  wordArb.map((w) => ({ pat: w, words: [w] })),
  wordArb.map((w) => ({ pat: `${w}*`, words: [w] })),
  wordArb.map((w) => ({ pat: `*${w}`, words: [w] })),
  wordArb.map((w) => ({ pat: `*${w}*`, words: [w] })),
  fc.tuple(wordArb, wordArb).map(([a, b]) => ({ pat: `${a}?${b}`, words: [`${a}x${b}`, a + b] })),
  fc.tuple(wordArb, wordArb).map(([a, b]) => ({ pat: `${a}*${b}`, words: [a + b, `${a}zz${b}`] })),
  fc
    .tuple(wordArb, fc.constantFrom('[a-c]', '[!x]', '[]a]', '[a-]', '[c-a]', '[!a-b]', '[abc', '[\\]]'))
    .map(([a, cls]) => ({
      pat: `${a}${cls}`,
      words: [`${a}a`, `${a}x`, `${a}]`, `${a}-`],
    })),
  wordArb.map((w) => ({ pat: `${w}\\*`, words: [`${w}*`, `${w}x`] })),
  fc.tuple(fc.constantFrom('1', '9', '0'), wordArb, fc.constantFrom('', '*')).map(([d, w, s]) => ({
    pat: `${d}${w}${s}`,
    words: [`${d}${w}`, `${d}${w}${s}`],
  })),
  fc
    .array(fc.constantFrom(...PAT_CHARS), { maxLength: 6 })
    .map((a) => ({ pat: a.join(''), words: [a.join('')] })),
);

function strLeafArb(): fc.Arbitrary<Leaf> {
  return fc
    .tuple(
      fc.constantFrom(...STRING_FIELDS),
      fc.constantFrom('==', '!=', '~', '~', '~'),
      patternArb,
      fc.boolean(),
      fc.constantFrom('"', '"', "'"),
      ws,
    )
    .map(([f, op, { pat, words }, neg, q, w]) => {
      const p = op === '~' && neg ? `!${pat}` : pat;
      return { text: `${f} ${op}${w}${q}${p}${q}`, str: words.join('\u0000') };
    });
}

function leafArb(env: GenEnv): fc.Arbitrary<Leaf> {
  return fc.oneof(
    { weight: 8, arbitrary: numLeafArb(env) },
    { weight: 6, arbitrary: strLeafArb() },
    { weight: 1, arbitrary: cpuLeafArb() },
    { weight: 2, arbitrary: cpusLeafArb() },
  );
}

type Shape =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'not' | 'paren'; readonly a: Shape }
  | { readonly kind: '&&' | '||'; readonly a: Shape; readonly b: Shape };

const MAX_LEAVES = 6;

const shapeArb: fc.Arbitrary<Shape> = fc.letrec<{ s: Shape }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({ kind: 'leaf' as const }),
    fc.record({ kind: fc.constantFrom('not' as const, 'paren' as const), a: tie('s') }),
    fc.record({ kind: fc.constantFrom('&&' as const, '||' as const), a: tie('s'), b: tie('s') }),
  ),
})).s;

function countLeaves(s: Shape): number {
  let n = 0;
  const stack: Shape[] = [s];
  while (stack.length > 0) {
    const x = stack.pop() as Shape;
    if (x.kind === 'leaf') n++;
    else {
      stack.push(x.a);
      if (x.kind === '&&' || x.kind === '||') stack.push(x.b);
    }
  }
  return n;
}

function render(s: Shape, leaves: readonly Leaf[], seps: readonly string[]): string {
  let li = 0;
  let si = 0;
  const sep = (): string => seps[si++ % seps.length] ?? ' ';
  const go = (x: Shape): string => {
    switch (x.kind) {
      case 'leaf':
        return leaves[li++ % leaves.length]?.text ?? 'u8 == 0';
      case 'not':
        return `!${sep()}${go(x.a)}`;
      case 'paren':
        return `(${sep()}${go(x.a)}${sep()})`;
      default:
        return `${go(x.a)}${sep()}${x.kind}${sep()}${go(x.b)}`;
    }
  };
  return go(s);
}

function poolOf(leaves: readonly Leaf[]): Pool {
  const nums = new Map<string, bigint[]>();
  const strs: string[] = [];
  for (const l of leaves) {
    if (l.num) {
      const [f, v] = l.num;
      const list = nums.get(f) ?? [];
      list.push(v, v + 1n, v - 1n);
      nums.set(f, list);
    }
    if (l.str !== undefined) strs.push(...l.str.split('\u0000'));
  }
  return { nums, strs };
}

/** Valid-looking filters: a boolean tree of predicates, with blanks, optional trailing `&&`/`||`. */
export function validFilterArb(env: GenEnv): fc.Arbitrary<GenFilter> {
  return shapeArb
    .filter((s) => countLeaves(s) <= MAX_LEAVES)
    .chain((s) =>
      fc
        .tuple(
          fc.array(leafArb(env), { minLength: countLeaves(s), maxLength: countLeaves(s) }),
          fc.array(ws, { minLength: 1, maxLength: 8 }),
          // Trailing operators stay in the mix: builds differ on them (dialect trailingOperator).
          fc.constantFrom('', '', '', '', '', '', '', '', ' &&', ' ||', ' && !', '\n'),
          fc.constantFrom('', '', '', ' ', '\t'),
        )
        .map(([leaves, seps, tail, lead]) => ({
          text: `${lead}${render(s, leaves, seps)}${tail}`,
          pool: poolOf(leaves),
        })),
    )
    .filter((f) => kernelHazard(f.text, env) === null);
}

const JUNK = [
  ' ',
  '(',
  ')',
  '!',
  '&',
  '|',
  '=',
  '<',
  '>',
  '~',
  '"',
  "'",
  '{',
  '}',
  'x',
  '9',
  '-',
  '.',
  ',',
  '#',
  '_',
  'CPUS',
];
const BAD_OPS = ['=', '=>', '=<', '!~', '<>', '~=', '!==', '== ==', '&&&', '| |'];
const BAD_VALUES = [
  '5abc',
  '08',
  '0x',
  '+5',
  '1.5',
  '000000000000000000000001',
  '-9223372036854775809',
  '18446744073709551616',
  'hello',
  '"unterminated',
  `"${'a'.repeat(256)}"`,
  `"${'a'.repeat(255)}"`,
  'CPUS {1}',
  'CPUS{1',
  'CPUS{}',
  'CPUS{5}',
  'CPUS{1-0}',
  'CPUS{x}',
  'CPUS{0-1:3/2}',
  '"x" "y"',
  '(',
];
const BAD_FIELDS = [
  'foo',
  'U8',
  '1',
  '0',
  'common_comm',
  'pid',
  'str.ustring',
  'u8.function',
  'u8.bad',
  'STR',
];

type Mutation = (text: string, at: number) => string;

const MUTATIONS: readonly fc.Arbitrary<Mutation>[] = [
  fc.constant((t: string, at: number) => t.slice(0, at) + t.slice(at + 1)),
  fc.constantFrom(...JUNK).map((j) => (t: string, at: number) => t.slice(0, at) + j + t.slice(at)),
  fc.constantFrom(...BAD_OPS).map((op) => (t: string) => t.replace(/==|!=|<=|>=|[<>&~]/, op)),
  fc
    .constantFrom(...BAD_VALUES)
    .map((v) => (t: string) => t.replace(/-?\b\d[A-Za-z0-9]*|"[^"]*"|'[^']*'|CPUS\{[^}]*\}/, v)),
  fc.constantFrom(...BAD_FIELDS).map((f) => (t: string) => t.replace(/[A-Za-z_][A-Za-z0-9_]*/, f)),
  fc
    .constantFrom('(', ')', '!', '&&', '||', '&& ', ' u8 == 1', ' u8 == 1)', '((', '))')
    .map((j) => (t: string, at: number) => (at % 2 === 0 ? j + t : t + j)),
  fc
    .constantFrom(
      'str == 5',
      'u8 == "x"',
      'u8 ~ "x"',
      'str < "a"',
      'cpu ~ "1"',
      'comm & 1',
      'str & CPUS{1}',
      'u8 < CPUS{1}',
      'arr ~ "x"',
      'cm > 1',
    )
    .map(
      (p) => (t: string) =>
        t.replace(/[A-Za-z_][A-Za-z0-9_]*\s*(==|!=|<=|>=|[<>&~])\s*(-?\w+|"[^"]*"|'[^']*'|CPUS\{[^}]*\})/, p),
    ),
  fc
    .constantFrom('', ' ', '()', '!', '!!', '0', ' 0 ', '1', '&& u8 == 1', '== 1', '( )', '!()')
    .map((whole) => () => whole),
  // The kernel reads the filter up to its first NUL: what follows is invisible, whatever it is.
  fc
    .constantFrom('\0', '\0 u8 == 1', '\0))', ' \0&&', '\0"')
    .map((j) => (t: string, at: number) => t.slice(0, at) + j + t.slice(at)),
];

/** Filters that are mostly invalid: one to three mutations of a valid filter. */
export function invalidFilterArb(env: GenEnv): fc.Arbitrary<GenFilter> {
  return fc
    .tuple(
      validFilterArb(env),
      fc.array(fc.tuple(fc.oneof(...MUTATIONS), fc.nat()), { minLength: 1, maxLength: 3 }),
    )
    .map(([f, muts]) => {
      let t = f.text;
      for (const [m, at] of muts) t = m(t, t.length === 0 ? 0 : at % (t.length + 1));
      return { text: t, pool: f.pool };
    })
    .filter((f) => kernelHazard(f.text, env) === null);
}

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');

function jitterStr(s: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(s),
    fc.constant(s),
    fc.constantFrom('a', 'x', '1', '*', 'b').map((c) => s + c),
    fc.constantFrom('a', 'x', 'B').map((c) => c + s),
    fc.constant(s.slice(1)),
    fc.constant(s.slice(0, -1)),
    fc.constant(s.toUpperCase()),
  );
}

function strValueArb(pool: Pool): fc.Arbitrary<string> {
  const random = fc
    .array(fc.constantFrom(...WORD_CHARS, 'z', '\\', '!', '\u00e9', ' '), { maxLength: 8 })
    .map((a) => a.join(''));
  if (pool.strs.length === 0) return random;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...pool.strs).chain(jitterStr) },
    { weight: 1, arbitrary: random },
  );
}

function memberArb(
  pool: Pool,
  names: readonly string[],
  bits: number,
  signed: boolean,
): fc.Arbitrary<bigint> {
  const vals: bigint[] = [];
  for (const n of names) vals.push(...(pool.nums.get(n) ?? []));
  const b = BigInt(bits);
  const edges = [0n, 1n, (1n << b) - 1n, 1n << (b - 1n), (1n << (b - 1n)) - 1n];
  const random = signed
    ? fc.bigInt({ min: -(1n << (b - 1n)), max: (1n << (b - 1n)) - 1n })
    : fc.bigInt({ min: 0n, max: (1n << b) - 1n });
  const arbs: fc.WeightedArbitrary<bigint>[] = [
    { weight: 2, arbitrary: fc.constantFrom(...edges) },
    { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 300n }) },
    { weight: 1, arbitrary: random },
  ];
  if (vals.length > 0) arbs.push({ weight: 6, arbitrary: fc.constantFrom(...vals) });
  return fc.oneof(...arbs);
}

function le(v: bigint, n: number): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(n * 8, v);
  for (let i = 0; i < n; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

/** One record whose members are biased towards the pool's values (and their neighbours). */
export function recordArb(pool: Pool, env: GenEnv): fc.Arbitrary<OracleRecord> {
  const commArb = fc.oneof(
    fc.constant('tfc-oracle'),
    strValueArb(pool).map((s) => s.replace(/\u00e9/g, 'e').slice(0, 15)),
  );
  return fc
    .record({
      u8: memberArb(pool, ['u8'], 8, false),
      s8: memberArb(pool, ['s8', 'x8'], 8, true),
      u16: memberArb(pool, ['u16'], 16, false),
      s16: memberArb(pool, ['s16'], 16, true),
      u32: fc.oneof(
        memberArb(pool, ['u32', 'x32'], 32, false),
        memberArb(pool, ['bf'], 32, false).map((v) => BigInt.asUintN(32, v << 2n)),
      ),
      s32: memberArb(pool, ['s32'], 32, true),
      u64: memberArb(pool, ['u64'], 64, false),
      s64: memberArb(pool, ['s64'], 64, true),
      a4: memberArb(pool, ['a4'], 32, false),
      arrTail: fc.uint8Array({ minLength: 12, maxLength: 12 }),
      str: fc.oneof(
        { weight: 30, arbitrary: strValueArb(pool).map((s): Uint8Array | null => enc(s)) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      comm: commArb,
      cpu: fc.option(fc.integer({ min: 0, max: env.nrCpuIds - 1 }), { nil: undefined }),
    })
    .map((r) => {
      const arr = new Uint8Array(16);
      arr.set(le(r.a4, 4), 0);
      arr.set(r.arrTail, 4);
      return {
        u8: r.u8,
        s8: r.s8,
        u16: r.u16,
        s16: r.s16,
        u32: r.u32,
        s32: r.s32,
        u64: r.u64,
        s64: r.s64,
        arr,
        str: r.str,
        comm: enc(r.comm),
        ...(r.cpu === undefined ? {} : { cpu: r.cpu }),
      };
    });
}

export const RECORDS_PER_FILTER = 20;

/** A filter with RECORDS_PER_FILTER records drawn from its pool. */
export function caseArb(
  filterArb: fc.Arbitrary<GenFilter>,
  env: GenEnv,
): fc.Arbitrary<{ filter: string; records: OracleRecord[] }> {
  return filterArb.chain((f) =>
    fc
      .array(recordArb(f.pool, env), { minLength: RECORDS_PER_FILTER, maxLength: RECORDS_PER_FILTER })
      .map((records) => ({ filter: f.text, records })),
  );
}

/** task:task_rename: string predicates on the char[16] fields and the generic comm, plus numbers. */
function renameLeafArb(pid: number): fc.Arbitrary<Leaf> {
  const str = fc
    .tuple(
      fc.constantFrom('newcomm', 'newcomm', 'oldcomm', 'comm', 'COMM'),
      fc.constantFrom('==', '!=', '~', '~', '~'),
      patternArb,
      fc.boolean(),
    )
    .map(([f, op, { pat, words }, neg]) => ({
      text: `${f} ${op} "${op === '~' && neg ? '!' : ''}${pat}"`,
      str: words.join('\u0000'),
    }));
  const num = fc
    .tuple(
      fc.constantFrom('pid', 'common_pid', 'oom_score_adj'),
      fc.constantFrom(...NUM_OPS),
      fc.constantFrom(BigInt(pid), BigInt(pid + 1), 0n, -1n, 1000n, 0x10000n),
    )
    .chain(([f, op, v]) => literalArb(v).map((lit) => ({ text: `${f} ${op} ${lit}` })));
  return fc.oneof({ weight: 5, arbitrary: str }, { weight: 1, arbitrary: num });
}

export type RenameCase = { filter: string; names: { name: Uint8Array; cpu: number }[] };

/** A task_rename filter with `count` renames whose names are biased to its patterns. */
export function renameCaseArb(pid: number, nrCpuIds: number, count: number): fc.Arbitrary<RenameCase> {
  const tree = shapeArb
    .filter((s) => countLeaves(s) <= 3)
    .chain((s) =>
      fc
        .array(renameLeafArb(pid), { minLength: countLeaves(s), maxLength: countLeaves(s) })
        .map((leaves) => ({ text: render(s, leaves, [' ']), pool: poolOf(leaves) })),
    )
    .filter((f) => kernelHazard(f.text) === null);
  return tree.chain((f) =>
    fc
      .array(
        fc.tuple(
          fc.oneof(
            strValueArb(f.pool),
            fc
              .tuple(fc.constantFrom('abcdefghijkl', 'xxxxxxxxxxxxxxxx', 'q'), strValueArb(f.pool))
              .map(([a, b]) => a + b),
          ),
          fc.integer({ min: 0, max: nrCpuIds - 1 }),
        ),
        { minLength: count, maxLength: count },
      )
      .map((ns) => ({
        filter: f.text,
        names: ns.map(([n, cpu]) => ({ name: enc(n.replace(/\u00e9/g, 'e')).subarray(0, 15), cpu })),
      })),
  );
}
