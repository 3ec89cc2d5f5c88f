// Random trace event filters and records over a real event format, for end-to-end differential tests: integer
// predicates of every operator with literals in decimal, hex and negative forms biased to width edges, string
// predicates of every match kind on char[N] fields and COMM, cpu and common_pid predicates, and/or/not/parens.
import type { EventFormat } from '@tfc/tracefs';
import fc from 'fast-check';

interface IntField {
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
}
const intFields = (e: EventFormat): IntField[] =>
  e.fields
    .filter((f) => f.kind === 'other' && [1, 2, 4, 8].includes(f.size) && f.offset >= 4)
    .map((f) => ({ name: f.name, size: f.size, signed: f.signed }));
const strFields = (e: EventFormat): string[] => [
  ...e.fields.filter((f) => f.kind === 'static_string').map((f) => f.name),
  'COMM',
];

const WORDS = ['', 'a', 'ab', 'sh', 'bash', 'zsh', 'abc'];
const SMALL = [0n, 1n, 2n, 6n, 10n, 127n, 128n, 255n, 256n, 65535n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 63n];

function literalArb(f: IntField): fc.Arbitrary<string> {
  const bits = BigInt(f.size * 8);
  const v = fc.oneof(fc.constantFrom(...SMALL), fc.bigInt({ min: 0n, max: 2n ** bits - 1n }));
  return fc.tuple(v, fc.constantFrom('dec', 'hex', 'neg')).map(([x, form]) => {
    if (form === 'neg' && f.signed && x > 0n && x < 2n ** 62n) return `-${x}`;
    return form === 'hex' ? `0x${x.toString(16)}` : x.toString();
  });
}

export function leafArb(
  e: EventFormat,
  kinds: { strings?: boolean; misc?: boolean } = {},
): fc.Arbitrary<string> {
  const ints = intFields(e);
  const intLeaf = fc
    .constantFrom(...ints)
    .chain((f) =>
      fc.tuple(fc.constant(f.name), fc.constantFrom('==', '!=', '<', '<=', '>', '>=', '&'), literalArb(f)),
    )
    .map(([n, op, v]) => `${n} ${op} ${v}`);
  const pattern = fc
    .tuple(
      fc.constantFrom('', '!'),
      fc.constantFrom('', '*'),
      fc.constantFrom(...WORDS, 's[h]', 'b?sh'),
      fc.constantFrom('', '*'),
    )
    .map((p) => p.join(''));
  const strLeaf = fc
    .tuple(
      fc.constantFrom(...strFields(e)),
      fc.constantFrom('==', '!=', '~'),
      pattern,
      fc.constantFrom(...WORDS),
    )
    .map(([n, op, pat, word]) => `${n} ${op} "${op === '~' ? pat : word}"`);
  const misc = fc.constantFrom('cpu == 0', 'cpu != 1', 'CPU < 1', 'common_pid > 100', 'common_pid == 7');
  return fc.oneof(
    { weight: 5, arbitrary: intLeaf },
    { weight: kinds.strings === false ? 0 : 3, arbitrary: strLeaf },
    { weight: kinds.misc === false ? 0 : 1, arbitrary: misc },
  );
}

export function filterArb(
  e: EventFormat,
  kinds: { strings?: boolean; misc?: boolean } = {},
): fc.Arbitrary<string> {
  const { tree } = fc.letrec<{ tree: string }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafArb(e, kinds),
      fc.tuple(tie('tree'), fc.constantFrom('&&', '||'), tie('tree')).map(([a, op, b]) => `${a} ${op} ${b}`),
      tie('tree').map((t) => `!(${t})`),
      tie('tree').map((t) => `(${t})`),
    ),
  }));
  return tree;
}

export function recordArb(e: EventFormat): fc.Arbitrary<Record<string, unknown>> {
  const ints = intFields(e);
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of ints) {
    const max = 2n ** BigInt(f.size * 8) - 1n;
    fields[f.name] = fc
      .oneof(fc.constantFrom(...SMALL.filter((v) => v <= max)), fc.bigInt({ min: 0n, max }))
      .map((v) => (f.signed ? BigInt.asIntN(f.size * 8, v) : v).toString());
  }
  for (const s of strFields(e).filter((n) => n !== 'COMM')) fields[s] = fc.constantFrom(...WORDS);
  fields.common_pid = fc.constantFrom('7', '100', '101', '4000');
  fields.cpu = fc.constantFrom(0, 1);
  fields.COMM = fc.constantFrom(...WORDS.filter((w) => w !== ''));
  return fc.record(fields);
}
