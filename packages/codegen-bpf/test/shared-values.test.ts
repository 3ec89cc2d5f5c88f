// Shared values in classic BPF: a value used at several places is computed once into M[] and reloaded where that
// store ran on every path (cbpf-gen.ts), and far jumps share islands. Properties over random header walks shaped
// like pcap's protochain (each step's offset uses the previous offset and two loads there, so re-expanding every
// use grows 3^depth) and over random filters whose leaves reuse a few shared values in and/or/not trees: the cBPF
// program (with and without the code passes) and the eBPF programs translated from it agree with the IR evaluator
// on frames where walks end in accept, reject and abort; sizes stay linear. A set of 800 values searched twice
// (far jumps to the returns and the next test) fits the limit with islands. No timing assertions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import {
  and,
  arith,
  cmp,
  type Expr,
  evaluate,
  type Filter,
  filter,
  inSet,
  konst,
  load,
  not,
  or,
  type Pred,
  ref,
  type ValueDef,
} from '@tfc/ir';
import fc from 'fast-check';
import { compileBpf } from '../src/index.ts';

const RUNS = Number(process.env.TFC_CODEGEN_RUNS ?? 1800);

/** A header walk of `depth` steps: x(k+1) = x(k) + (len(k) + 1) * ((nh(k) & 2) | 4), nh and len loaded at x(k). */
function chain(depth: number, proto: number): Filter {
  const values: ValueDef[] = [];
  const def = (expr: Expr): Expr => {
    values.push({ id: values.length, expr });
    return ref(values.length - 1);
  };
  let x: Expr = konst(14);
  const next: Expr[] = [];
  for (let k = 0; k < depth; k++) {
    const len = def(load('packet', arith('+', x, konst(1)), 1, 'be'));
    const nh = def(load('packet', x, 1, 'be'));
    next.push(nh);
    const skip = arith('*', arith('+', len, konst(1)), arith('|', arith('&', nh, konst(2)), konst(4)));
    x = def(arith('+', x, skip));
  }
  let p: Pred = cmp('eq', 4, false, next[depth - 1]!, proto);
  for (let k = depth - 2; k >= 0; k--)
    p = or(cmp('eq', 4, false, next[k]!, proto), and(inSet(4, next[k]!, [0, 43, 44, 60]), p));
  return filter(and(cmp('eq', 2, false, load('packet', 12, 2, 'be'), 0x86dd), p), values);
}

/** Frames whose bytes are next-header values or small lengths, mostly 0x86dd-typed. */
const frameArb = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.constantFrom(0, 1, 2, 6, 17, 43, 44, 60), { minLength: 12, maxLength: 160, size: 'max' }),
  )
  .map(([v6, b]) => {
    const f = Uint8Array.from(b);
    if (v6 && f.length >= 14) [f[12], f[13]] = [0x86, 0xdd];
    return f;
  });

/** Random filters over a few shared values (loads at computed offsets, sums and masks of them), reused by the
 *  leaves of an and/or/not tree, so a value is needed on some paths and not others. */
const sharedFilterArb: fc.Arbitrary<Filter> = fc
  .tuple(fc.integer({ min: 14, max: 30 }), fc.integer({ min: 0, max: 3 }))
  .chain(([base, shift]) => {
    const values: ValueDef[] = [];
    const def = (expr: Expr): Expr => {
      values.push({ id: values.length, expr });
      return ref(values.length - 1);
    };
    const a = def(load('packet', base, 1, 'be'));
    const off = def(arith('+', arith('<<', arith('&', a, konst(3)), konst(shift)), konst(base + 1)));
    const b = def(load('packet', off, 1, 'be'));
    const c = def(arith('+', arith('+', konst(1), b), a));
    const d = def(load('packet', arith('+', off, konst(2)), 2, 'be'));
    const pool = [a, off, b, c, d];
    const leaf: fc.Arbitrary<Pred> = fc.oneof(
      fc
        .tuple(
          fc.constantFrom(...pool),
          fc.constantFrom('eq', 'ne', 'lt', 'gt', 'set') as fc.Arbitrary<'eq' | 'ne' | 'lt' | 'gt' | 'set'>,
          fc.constantFrom(0n, 1n, 2n, 6n, 17n, 43n),
        )
        .map(([e, op, v]) => cmp(op, 4, false, e, v)),
      fc.tuple(fc.constantFrom(...pool), fc.constantFrom(...pool)).map(([l, r]) => cmp('le', 4, false, l, r)),
      fc.constantFrom(...pool).map((e) => inSet(4, e, [0n, 6n, 17n, 43n, 60n])),
    );
    const tree = fc.letrec<{ p: Pred }>((tie) => ({
      p: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        { weight: 3, arbitrary: leaf },
        { weight: 2, arbitrary: fc.array(tie('p'), { minLength: 2, maxLength: 4 }).map((xs) => and(...xs)) },
        { weight: 2, arbitrary: fc.array(tie('p'), { minLength: 2, maxLength: 4 }).map((xs) => or(...xs)) },
        { weight: 1, arbitrary: tie('p').map(not) },
      ),
    })).p;
    return tree.map((p) => filter(p, values));
  });

interface Runner {
  readonly name: string;
  readonly run: (f: Uint8Array) => boolean;
}

/** The programs of one filter: cBPF with and without the code passes, eBPF socket and tc (translated). */
function runners(ir: Filter): Runner[] {
  const out: Runner[] = [];
  for (const codePasses of [true, false]) {
    const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet', codePasses });
    assert.ok(c.ok && c.program.target === 'cbpf', c.ok ? '' : JSON.stringify(c.diagnostics));
    const vm = cbpf.compileVm(c.program.insns);
    out.push({ name: `cBPF (code passes ${codePasses})\n${c.program.listing}`, run: (f) => vm(f) !== 0 });
  }
  for (const pt of ['socket', 'tc'] as const) {
    const r = compileBpf(ir, { target: 'ebpf', ctx: 'packet', progType: pt });
    assert.ok(r.ok && r.program.target === 'ebpf', r.ok ? '' : JSON.stringify(r.diagnostics));
    const prep = ebpf.prepare(r.program.insns);
    assert.ok(prep.ok);
    if (!prep.ok) continue;
    const onMatch = r.program.onMatch;
    out.push({
      name: `eBPF ${pt}\n${r.program.listing}`,
      run: (f) => {
        const got = ebpf.run(
          prep.prog,
          pt === 'tc' ? ebpf.skbTestRunInput(f, 'tc') : { kind: 'skb', packet: f },
        );
        assert.ok(got.ok, got.ok ? '' : got.error);
        return Number(got.r0 & 0xffffffffn) === onMatch;
      },
    });
  }
  return out;
}

function agree(ir: Filter, rs: readonly Runner[], frames: readonly Uint8Array[]): number {
  let n = 0;
  for (const f of frames) {
    const want = evaluate(ir, { packet: f }) === 'accept';
    for (const r of rs) {
      assert.equal(r.run(f), want, `${r.name}\non ${Buffer.from(f).toString('hex')}`);
      n++;
    }
  }
  return n;
}

test('header walks: one computation per shared value (linear size), cBPF and eBPF = IR', () => {
  let compared = 0;
  const sizes: number[] = [];
  const compiled = new Map<string, { ir: Filter; rs: Runner[] }>();
  for (let depth = 1; depth <= 10; depth++) {
    const ir = chain(depth, 6);
    const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
    assert.ok(c.ok, c.ok ? '' : JSON.stringify(c.diagnostics));
    sizes.push(c.program.stats.instructions);
  }
  // each step adds a bounded number of instructions (re-expansion tripled them per step)
  for (let k = 1; k < sizes.length; k++)
    assert.ok(sizes[k]! - sizes[k - 1]! <= 40, `sizes ${sizes.join(' ')}`);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.constantFrom(6, 17, 43),
      fc.array(frameArb, { minLength: 8, maxLength: 8 }),
      (depth, proto, frames) => {
        const key = `${depth}/${proto}`;
        let c = compiled.get(key);
        if (c === undefined) {
          const ir = chain(depth, proto);
          c = { ir, rs: runners(ir) };
          compiled.set(key, c);
        }
        compared += agree(c.ir, c.rs, frames);
      },
    ),
    { numRuns: Math.ceil(RUNS / 3) },
  );
  console.log(
    `header walks: cBPF sizes by depth ${sizes.join(' ')}; ${compared} (program, frame) pairs agree`,
  );
});

test('random and/or/not trees over shared values: cBPF (passes on and off) and eBPF = IR', () => {
  let compared = 0;
  let cached = 0;
  fc.assert(
    fc.property(sharedFilterArb, fc.array(frameArb, { minLength: 8, maxLength: 8 }), (ir, frames) => {
      compared += agree(ir, runners(ir), frames);
      const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet', codePasses: false });
      if (c.ok && c.program.target === 'cbpf' && /M\[1[0-5]\]/.test(c.program.listing)) cached++;
    }),
    { numRuns: Math.ceil(RUNS / 12) },
  );
  console.log(`shared values: ${compared} pairs agree; ${cached} programs keep a value in M[]`);
  assert.ok(cached > RUNS / 120, `only ${cached} programs cache a value`);
});

test('800-value sets searched on two loads fit the limit (shared jump islands) and agree with the IR', () => {
  const vals = Array.from({ length: 800 }, (_, i) => BigInt((Math.imul(i + 1, 0x9e3779b1) >>> 0) | 1));
  const ir = filter(
    or(
      and(
        cmp('eq', 2, false, load('packet', 12, 2, 'be'), 0x800n),
        inSet(4, load('packet', 26, 4, 'be'), vals),
      ),
      and(
        cmp('eq', 2, false, load('packet', 12, 2, 'be'), 0x800n),
        inSet(4, load('packet', 30, 4, 'be'), vals),
      ),
      and(
        cmp('eq', 2, false, load('packet', 12, 2, 'be'), 0x806n),
        inSet(4, load('packet', 28, 4, 'be'), vals),
      ),
      and(
        cmp('eq', 2, false, load('packet', 12, 2, 'be'), 0x806n),
        inSet(4, load('packet', 38, 4, 'be'), vals),
      ),
    ),
  );
  const c = compileBpf(ir, { target: 'cbpf', ctx: 'packet' });
  assert.ok(c.ok && c.program.target === 'cbpf', c.ok ? '' : JSON.stringify(c.diagnostics));
  const ja = c.program.insns.filter((i) => cbpf.fromRaw(i).kind === 'ja').length;
  console.log(`800-value sets: ${c.program.insns.length} cBPF instructions, ${ja} ja`);
  assert.ok(c.program.insns.length < 4096);
  const vm = cbpf.compileVm(c.program.insns);
  let accepted = 0;
  for (const [k, v] of [...vals.slice(0, 40), ...vals.slice(-40), 2n, 4n, 0xffffffffn].entries())
    for (const [et, off] of [
      [0x800, 26],
      [0x800, 30],
      [0x806, 28],
      [0x806, 38],
    ] as const) {
      const f = new Uint8Array(42 + (k % 3) * 6);
      f[12] = et >> 8;
      f[13] = et & 0xff;
      new DataView(f.buffer).setUint32(off, Number(v));
      const want = evaluate(ir, { packet: f }) === 'accept';
      assert.equal(vm(f) !== 0, want, `value ${v} at ${off}`);
      if (want) accepted++;
    }
  assert.ok(accepted > 100);
});
