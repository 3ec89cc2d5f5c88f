// tfc's cls_u32 model against the real kernel on hand-built linked rule sets (not only the shape tfc generates),
// in a namespace this test creates and always deletes: `offset at 0 mask 0x0f00 shift 6` with and without eat,
// `plus` alone (a table that starts past the packet is not entered and the root goes on), `plus` with at/mask/shift,
// a terminal linking knode (its action runs after its table), off2 kept after a pop (a root nexthdr+ key after the
// link), nexthdr+ inside an eaten table (off2 = 0), a key of a table past the end (aborts the whole prio), and two
// levels of tables. Each rule set is one prio with its own tables (handles 0x100 + 8·prio …), its matches counted by
// `mirred … continue`; random frames of every IPv4 header length are sent with AF_PACKET; kernel ≡ model on every
// (rule set, frame) pair. The seed is printed and can be fixed with TFC_SEED.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateU32, type U32Knode, type U32Rules, u32Batch } from '@tfc/codegen-tc';
import { applyBatch, filterDel } from '@tfc/iproute2';
import { createTcLab, LAB_DEV, prioCounts } from '../src/index.ts';
import { ipFrames } from './ip-frames.ts';

const SEED = Number(process.env.TFC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const root = process.getuid?.() === 0;
const IHL = { at: 0, mask: 0x0f00, shift: 6 } as const;
const word = (value: number, mask: number, at: number, nexthdr = false) => ({
  value: value >>> 0,
  mask: mask >>> 0,
  at,
  ...(nexthdr ? { nexthdr: true } : {}),
});

const SETS: readonly {
  readonly name: string;
  readonly knodes: readonly U32Knode[];
  readonly tables: number[];
}[] = [
  {
    name: 'eat 4·IHL, ports in the table, root goes on after it',
    tables: [1],
    knodes: [
      { kind: 'check', keys: [], link: { table: 1, ...IHL, eat: true } },
      { kind: 'hit', table: 1, keys: [word(0x00500000, 0xffff0000, 0)] },
      { kind: 'hit', table: 1, keys: [word(0x00000050, 0x0000ffff, 0)] },
      { kind: 'hit', keys: [word(0x00110000, 0x00ff0000, 8)] },
    ],
  },
  {
    name: 'plus 40 eat: the table is skipped on packets of at most 40 bytes',
    tables: [1],
    knodes: [
      { kind: 'check', keys: [], link: { table: 1, plus: 40, eat: true } },
      { kind: 'hit', table: 1, keys: [word(0, 0, 0)] },
      { kind: 'hit', keys: [word(0x00060000, 0x00ff0000, 8)] },
    ],
  },
  {
    name: 'terminal linking knode after a table without a hit; a deep key in the table aborts',
    tables: [1],
    knodes: [
      { kind: 'hit', keys: [word(0x00060000, 0x00ff0000, 8)], link: { table: 1, ...IHL, eat: true } },
      { kind: 'hit', table: 1, keys: [word(0x00160000, 0xffff0000, 0), word(0, 0, 16)] },
      { kind: 'check', table: 1, keys: [word(0, 0, 12)] },
    ],
  },
  {
    name: 'no eat: off2 survives the pop, a root nexthdr+ key reads with it',
    tables: [1],
    knodes: [
      { kind: 'check', keys: [], link: { table: 1, ...IHL, eat: false } },
      { kind: 'check', table: 1, keys: [word(0x00000800, 0x0000ffff, -4)] },
      { kind: 'hit', keys: [word(0x00000035, 0x0000ffff, 0, true)] },
    ],
  },
  {
    name: 'eat, then nexthdr+ in the table reads with off2 = 0',
    tables: [1],
    knodes: [
      { kind: 'check', keys: [word(0x00000800, 0x0000ffff, -4)], link: { table: 1, ...IHL, eat: true } },
      { kind: 'hit', table: 1, keys: [word(0x00000050, 0x0000ffff, 0, true)] },
    ],
  },
  {
    name: 'plus 8 with at/mask/shift, eat: UDP payload word',
    tables: [1],
    knodes: [
      {
        kind: 'check',
        keys: [word(0x00110000, 0x00ff0000, 8)],
        link: { table: 1, plus: 8, ...IHL, eat: true },
      },
      { kind: 'hit', table: 1, keys: [word(0, 0x00000001, 0)] },
    ],
  },
  {
    name: 'two levels: 4·IHL, then plus 4 into a second table',
    tables: [1, 2],
    knodes: [
      { kind: 'check', keys: [], link: { table: 1, ...IHL, eat: true } },
      {
        kind: 'check',
        table: 1,
        keys: [word(0x00000000, 0x00000003, 0)],
        link: { table: 2, plus: 4, eat: true },
      },
      { kind: 'hit', table: 2, keys: [word(0x00000000, 0x01000000, 0)] },
      { kind: 'hit', table: 1, keys: [word(0x00000002, 0x00000003, 0)] },
    ],
  },
];

test(`cls_u32 model ≡ kernel on hand-built link/offset/eat rule sets (seed ${SEED})`, async (t) => {
  if (!root) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const made = await createTcLab('tfc-u32link');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const rules: U32Rules[] = SETS.map((s) => ({
    protocol: 'all',
    knodes: s.knodes,
    linkOffset: 14,
    wordSlack: 0,
    wordEnd: 0,
    tables: s.tables,
  }));
  const lines: string[] = [];
  rules.forEach((r, i) => {
    const b = u32Batch(r, {
      dev: LAB_DEV,
      direction: 'ingress',
      prio: i + 1,
      action: lab.countAction,
      table: 0x100 + 8 * (i + 1),
    });
    assert.ok(b.ok);
    lines.push(...b.lines);
  });
  const applied = await applyBatch(lab.ns.name, lines);
  assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
  const frames = ipFrames(SEED, 150);
  let pairs = 0;
  let hits = 0;
  try {
    let before = await prioCounts(lab);
    for (const f of frames) {
      const s = lab.send(f.bytes);
      assert.ok(s.ok, s.ok ? '' : s.error);
      const after = await prioCounts(lab);
      rules.forEach((r, i) => {
        const got = (after.get(i + 1) ?? 0n) - (before.get(i + 1) ?? 0n) > 0n;
        const model = evaluateU32(r, f.bytes) === 'hit';
        assert.equal(
          got,
          model,
          `seed ${SEED}: '${SETS[i]!.name}' on ${Buffer.from(f.bytes).toString('hex')} (${f.desc}): kernel ${got}, model ${model}`,
        );
        pairs++;
        if (got) hits++;
      });
      before = after;
    }
  } finally {
    const d = await filterDel(lab.ns.name, LAB_DEV, 'ingress');
    assert.ok(d.ok, d.ok ? '' : d.error.message);
  }
  t.diagnostic(`seed ${SEED}: ${pairs} (rule set, frame) pairs, ${hits} matches, kernel ≡ model`);
  assert.ok(hits > 0 && hits < pairs);
});
