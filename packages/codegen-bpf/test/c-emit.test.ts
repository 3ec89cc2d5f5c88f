// emitC (src/c-emit.ts and src/c/): the C form's translation of each construct, as text — ctx and helper reads,
// direct and socket packet reads with their guards, the lowering's string ops (one test per `expect`, one
// conjunction per `window`, labelled glob states) and the constructs it refuses. clang and the kernel judge the
// text in c.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { and, arith, buildDag, cmp, type Filter, filter, konst, load, pseudo, str } from '@tfc/ir';
import { type CEmitOptions, emitC } from '../src/c-emit.ts';

const TP: CEmitOptions = {
  ctx: 'tracepoint',
  progType: 'socket',
  onMatch: 1,
  onMiss: 0,
  section: 'tracepoint/tfc/test',
  record: { commonType: 300 },
};

function c(f: Filter, o: CEmitOptions = TP): string {
  const d = buildDag(f, 'source');
  assert.ok(d.ok);
  if (!d.ok) throw new Error('dag');
  return emitC(d.dag, o);
}

test('emitC: tracepoint reads — pid by helper, cpu by helper, fields from ctx, unaligned ones by probe read', () => {
  const text = c(
    filter(
      and(
        cmp('eq', 4, false, load('record', 4, 4, 'le'), konst(7n)),
        cmp('eq', 4, true, pseudo('cpu'), konst(1n)),
        cmp('eq', 4, false, load('record', 18, 4, 'le'), konst(9n)),
      ),
    ),
  );
  assert.match(text, /u64 t0 = \(u64\)\(u32\)bpf_get_current_pid_tgid\(\);/);
  assert.match(text, /bpf_get_smp_processor_id\(\)/);
  assert.match(text, /bpf_probe_read_kernel\(&t\d+, 4, \(u8 \*\)t\d+ \+ 18\);/);
  assert.match(text, /__attribute__\(\(section\("tracepoint\/tfc\/test"\), used\)\)/);
  assert.ok(text.endsWith('char _license[] = "GPL";\n'));
});

test('emitC: packet reads — a data_end guard (tc), bpf_skb_load_bytes (socket), computed offsets bounded', () => {
  const pkt = (o: Partial<CEmitOptions>) => ({ ...TP, ctx: 'packet' as const, ...o });
  const f = filter(cmp('eq', 2, false, load('packet', 12, 2, 'be'), konst(0x800n)));
  assert.match(c(f, pkt({ progType: 'tc' })), /if \(\(u8 \*\)data \+ 14 > \(u8 \*\)data_end\) goto reject;/);
  assert.match(
    c(f, pkt({ progType: 'socket' })),
    /if \(bpf_skb_load_bytes\(ctx, 12, t0, 2\) != 0\) goto reject;/,
  );
  const computed = filter(
    cmp(
      'eq',
      1,
      false,
      load('packet', arith('+', load('packet', 14, 1, 'be'), konst(2n)), 1, 'be'),
      konst(1n),
    ),
  );
  assert.match(c(computed, pkt({ progType: 'xdp' })), /if \(t\d+ > 65534\) goto reject;/);
});

test('emitC: string ops — `expect` per byte for full, one conjunction for end, glob as labelled states', () => {
  const full = c(filter(str('full', 'ab', { kind: 'comm' })));
  assert.match(full, /bpf_get_current_comm\(t0, 16\);/);
  assert.match(
    full,
    /if \(t0\[0\] != 97\) goto reject;\n\s+if \(t0\[1\] != 98\) goto reject;\n\s+if \(t0\[2\] != 0\) goto reject;/,
  );
  const end = c(filter(str('end', 'ab', { kind: 'fixed', base: 'record', offset: 16, size: 8 })));
  assert.match(
    end,
    /if \(\(\(u8 \*\)ctx \+ 16\)\[5\] == 97 && \(\(u8 \*\)ctx \+ 16\)\[6\] == 98\) goto accept;\n\s+goto reject;/,
  );
  const glob = c(filter(str('glob', 'a*', { kind: 'comm' })));
  assert.match(glob, /^\s*g1_0:;$/m);
});

test('emitC: __data_loc and char * strings are not in the C form yet', () => {
  assert.throws(
    () =>
      c(filter(str('full', 'a', { kind: 'dataloc', base: 'record', offset: 8, order: 'le', rel: false }))),
    (e: unknown) => /string source dataloc is not supported by the C form yet/.test((e as Error).message),
  );
});
