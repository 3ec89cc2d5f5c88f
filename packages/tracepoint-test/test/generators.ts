// fast-check generators for the live tracepoint differential: random filters over syscalls:sys_enter_lseek and
// task:task_rename (event fields plus common_pid, common_type, cpu and comm) and hits biased towards the filters'
// literals. Invariants: pure (inputs: the firer's pid/tid, the event id, the CPU count); filters are printable
// ASCII, well-formed trees (never a kernelHazard() shape — the test checks that too), a few with deliberately bad
// literals (negative values on unsigned fields) so that refusals are compared as well; a filter that looks at the
// bytes after newcomm's NUL (`~ "*…"` forms scan or window the whole array) gets only 15-byte names, since those
// stale bytes differ between the ftrace buffer the kernel filters and the perf buffer a program reads.

import type { Hit } from '@tfc/kernel';
import fc from 'fast-check';

export interface GenEnv {
  readonly pid: number;
  readonly tid: number;
  readonly eventId: number;
  readonly nrCpus: number;
}

export interface Case {
  readonly filter: string;
  readonly hits: readonly Hit[];
}

const M64 = (1n << 64n) - 1n;
const wrap = (v: bigint) => v & M64;

const FD = [0n, 3n, 5n, 7n, 255n, 0xffffffffn, 0x100000005n, 0x8000000000000000n, M64];
const OFFSET = [0n, 1n, 7n, 4096n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 1n << 63n, M64];
const WHENCE = [0n, 1n, 2n, 3n, 4n, 0x100000000n, M64];
/** oom_score_adj values a hit sets: ≥ 0, since lowering it below its minimum (0) needs CAP_SYS_RESOURCE. */
const OOM = [0, 1, 7, 500, 1000];
const NAMES = [
  'abc',
  'xabc',
  'ab',
  'abcd',
  'tfc-fire',
  'abcdefghijklmno',
  'abcdefghijklxyz',
  'a*c',
  'b[c]d',
  'zz top',
  '0abc',
];

type Num = {
  readonly name: string;
  readonly signed: boolean;
  readonly bits: 16 | 32 | 64;
  readonly pool: bigint[];
};

function numFields(env: GenEnv, event: 'lseek' | 'rename'): Num[] {
  const common: Num[] = [
    { name: 'common_pid', signed: true, bits: 32, pool: [BigInt(env.pid), BigInt(env.tid), 0n, -1n] },
    { name: 'common_type', signed: false, bits: 16, pool: [BigInt(env.eventId)] },
    { name: 'cpu', signed: false, bits: 32, pool: [0n, 1n, BigInt(env.nrCpus)] },
  ];
  if (event === 'lseek')
    return [
      ...common,
      { name: 'fd', signed: false, bits: 64, pool: FD },
      { name: 'offset', signed: false, bits: 64, pool: OFFSET },
      { name: 'whence', signed: false, bits: 64, pool: WHENCE },
      { name: 'fd', signed: false, bits: 64, pool: FD },
      { name: 'offset', signed: false, bits: 64, pool: OFFSET },
    ];
  return [
    ...common,
    { name: 'pid', signed: true, bits: 32, pool: [BigInt(env.pid), BigInt(env.tid), 0n, -1n] },
    {
      name: 'oom_score_adj',
      signed: true,
      bits: 16,
      pool: [...OOM.map(BigInt), -1n, -1000n, 65535n, 32767n, -32768n],
    },
    { name: 'pid', signed: true, bits: 32, pool: [BigInt(env.pid), BigInt(env.tid)] },
    { name: 'oom_score_adj', signed: true, bits: 16, pool: OOM.map(BigInt) },
  ];
}

const INT_OPS = ['==', '!=', '<', '<=', '>', '>=', '&'] as const;

/** A literal near a pool value, in decimal, hex or octal; negative decimals on signed fields. */
function literalArb(f: Num): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...f.pool), fc.constantFrom(0n, 0n, 1n, -1n), fc.nat(9))
    .map(([v, d, style]) => {
      const x = v + d;
      if (f.signed && x < 0n && style < 7) return x.toString();
      if (!f.signed && x < 0n && style === 0) return x.toString(); // the kernel refuses: compare the refusals
      const u = wrap(x);
      if (style >= 7) return `0x${u.toString(16)}`;
      if (style === 6 && u > 0n) return `0${u.toString(8)}`;
      return u.toString();
    });
}

function intLeaf(f: Num): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...INT_OPS), literalArb(f), fc.boolean())
    .map(([op, lit, tight]) => (tight ? `${f.name}${op}${lit}` : `${f.name} ${op} ${lit}`));
}

const CPU_LEAVES = [
  'cpu == CPUS{0}',
  'cpu & CPUS{1}',
  'cpu != CPUS{0-1}',
  'cpu & CPUS{0-1}',
  'cpu == CPUS{0-1}',
];

/** String patterns derived from the names: exact, prefix, suffix, substring, globs, negations. */
function patternArb(): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...NAMES), fc.nat(9), fc.integer({ min: 1, max: 4 }), fc.boolean())
    .map(([n, kind, k, neg]) => {
      const cut = Math.min(k, n.length);
      const body = [
        n,
        `${n.slice(0, cut)}*`,
        `*${n.slice(-cut)}`,
        `*${n.slice(1, 1 + cut)}*`,
        `${n.slice(0, 1)}?${n.slice(2)}`,
        `[a-c]${n.slice(1)}`,
        `*${n.slice(-cut - 1, -1)}[${n.slice(-1)}]`,
        `${n}x`,
        '*',
        `${n.slice(0, cut)}*${n.slice(-1)}`,
      ][kind] as string;
      return neg ? `!${body}` : body;
    });
}

function strLeaf(field: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .tuple(fc.constantFrom('==', '!='), fc.constantFrom(...NAMES, ''))
      .map(([op, v]) => `${field} ${op} "${v}"`),
    patternArb().map((p) => `${field} ~ "${p}"`),
  );
}

type Tree = { leaf: string } | { not: Tree } | { and: [Tree, Tree] } | { or: [Tree, Tree] };

function treeArb(leaf: fc.Arbitrary<string>): fc.Arbitrary<Tree> {
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf.map((l): Tree => ({ leaf: l })),
      tie('tree').map((t): Tree => ({ not: t as Tree })),
      fc.tuple(tie('tree'), tie('tree')).map(([a, b]): Tree => ({ and: [a as Tree, b as Tree] })),
      fc.tuple(tie('tree'), tie('tree')).map(([a, b]): Tree => ({ or: [a as Tree, b as Tree] })),
    ),
  }));
  return tree.filter((t) => leaves(t) <= 6);
}

function leaves(t: Tree): number {
  if ('leaf' in t) return 1;
  if ('not' in t) return leaves(t.not);
  const [a, b] = 'and' in t ? t.and : t.or;
  return leaves(a) + leaves(b);
}

function render(t: Tree): string {
  if ('leaf' in t) return t.leaf;
  if ('not' in t) return 'leaf' in t.not ? `!${t.not.leaf}` : `!(${render(t.not)})`;
  const [op, [a, b]] = 'and' in t ? ['&&', t.and] : ['||', t.or];
  const side = (x: Tree) => ('leaf' in x || 'not' in x ? render(x) : `(${render(x)})`);
  return `${side(a)} ${op} ${side(b)}`;
}

/** Does the filter look past newcomm's NUL (a `~` pattern that starts with `*`, negated or not)? */
export function readsStaleBytes(filter: string): boolean {
  return /newcomm ~ "!?\*/.test(filter);
}

function cpuArb(env: GenEnv): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: env.nrCpus - 1 });
}

export function lseekCase(env: GenEnv): fc.Arbitrary<Case> {
  const nums = numFields(env, 'lseek');
  const leaf = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...nums).chain(intLeaf) },
    { weight: 1, arbitrary: fc.constantFrom(...CPU_LEAVES) },
    { weight: 2, arbitrary: fc.constantFrom('comm', 'COMM').chain(strLeaf) },
  );
  const hit = fc.record({
    kind: fc.constant('lseek' as const),
    fd: fc.constantFrom(...FD),
    offset: fc.constantFrom(...OFFSET),
    whence: fc.constantFrom(...WHENCE),
    cpu: cpuArb(env),
    comm: fc.constantFrom(...NAMES),
  });
  return fc.record({
    filter: treeArb(leaf).map(render),
    hits: fc.array(hit, { minLength: 6, maxLength: 6 }),
  });
}

export function renameCase(env: GenEnv): fc.Arbitrary<Case> {
  const nums = numFields(env, 'rename');
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...nums).chain(intLeaf) },
    { weight: 1, arbitrary: fc.constantFrom(...CPU_LEAVES) },
    { weight: 5, arbitrary: fc.constantFrom('newcomm', 'oldcomm', 'comm', 'newcomm').chain(strLeaf) },
  );
  const hit = fc.record({
    kind: fc.constant('rename' as const),
    name: fc.constantFrom(...NAMES),
    target: fc.constantFrom('self' as const, 'thread' as const),
    oomScoreAdj: fc.constantFrom(...OOM),
    cpu: cpuArb(env),
  });
  return fc
    .record({ filter: treeArb(leaf).map(render), hits: fc.array(hit, { minLength: 6, maxLength: 6 }) })
    .map((c) =>
      readsStaleBytes(c.filter)
        ? {
            filter: c.filter,
            hits: c.hits.map((h) => ({ ...h, name: h.name.padEnd(15, 'q').slice(0, 15) })),
          }
        : c,
    );
}
