// Classic BPF translation of string predicates: char[N] arrays in the packet (the last byte touched first, so an
// array that does not fit aborts whatever the matcher examines) and __data_loc / __rel_loc strings in frames and
// packets (M[sS] = absolute start, M[sL] = len; the whole string must lie inside the packet, else abort, as the
// IR's view read does; len 0 reads the bytes at the offset up to what the matcher examines). The matchers are the
// lowering's ops (lower/string-ops.ts).
// Invariants: record strings, comm and char * are diagnostics (no helpers in classic BPF), as are middle and glob
// on __data_loc strings (no loops); temporaries are released at the end of the leaf.
import type { StrPred, StrSource } from '@tfc/ir';
import { arraySource, dataLocWord } from '../lower/access.ts';
import { lowerArrayMatch, lowerRuntimeMatch } from '../lower/string-ops.ts';
import { Unsupported } from '../options.ts';
import { type CbpfGen, ldb, slot } from './context.ts';
import { lo } from './expr.ts';
import { emitStrOps } from './string-ops.ts';

function dataLocLeaf(
  g: CbpfGen,
  p: StrPred,
  src: Extract<StrSource, { kind: 'dataloc' }>,
  t: string,
  f: string,
) {
  if (p.match === 'middle' || p.match === 'glob')
    throw new Unsupported(
      'string-match',
      `string match kind ${p.match} on __data_loc strings is not supported by the cBPF target: it needs a loop over a string of up to 65,535 bytes, which classic BPF cannot express (no backward jumps); the eBPF target compiles it`,
    );
  const sS = slot(g);
  const sL = slot(g);
  const tmp = slot(g);
  const d = dataLocWord(src, src.base);
  lo(g, d.word);
  g.ins({ kind: 'st', index: tmp });
  g.ins({ kind: 'alu_k', op: 'rsh', value: 16 });
  g.ins({ kind: 'st', index: sL });
  g.ins({ kind: 'ld_mem', index: tmp });
  g.ins({ kind: 'alu_k', op: 'and', value: 0xffff });
  g.ins({ kind: 'alu_k', op: 'add', value: d.add });
  g.ins({ kind: 'st', index: sS });
  g.ins({ kind: 'ldx_mem', index: sL });
  g.ins({ kind: 'alu_x', op: 'add' });
  g.ins({ kind: 'st', index: tmp });
  g.ins({ kind: 'ld_len' });
  g.ins({ kind: 'tax' });
  g.ins({ kind: 'ld_mem', index: tmp });
  const inside = g.fresh();
  g.jx('jgt', g.abort, inside);
  g.place(inside);
  const ops = lowerRuntimeMatch(p, t, f, g.fresh);
  if (ops === undefined) throw new Error('unreachable: middle and glob are refused above');
  emitStrOps(
    g,
    ops,
    (at, fromEnd) => {
      g.ins({ kind: 'ld_mem', index: sS });
      if (fromEnd) {
        g.ins({ kind: 'ldx_mem', index: sL });
        g.ins({ kind: 'alu_x', op: 'add' });
      }
      if (at !== 0) g.ins({ kind: 'alu_k', op: 'add', value: at >>> 0 });
      g.ins({ kind: 'tax' });
      g.ins({ kind: 'ld_ind', size: 'b', offset: 0 });
    },
    sL,
  );
  g.depth = 0;
}

export function strLeaf(g: CbpfGen, p: StrPred, t: string, f: string): void {
  const src = p.source;
  if (src.kind === 'dataloc' && src.base !== 'record') {
    dataLocLeaf(g, p, src, t, f);
    return;
  }
  if (src.kind !== 'fixed' || src.base === 'record')
    throw new Unsupported('string-source', `string source ${src.kind} is not supported by the cBPF target`);
  const s = arraySource(src, 'packet');
  if (s.kind !== 'packet') throw new Error('unreachable: packet arrays only');
  if (!s.fits) {
    g.goto(g.abort);
    return;
  }
  // Touch the last byte first: an array that does not fit aborts, whatever the matcher examines.
  ldb(g, s.k + s.n - 1);
  emitStrOps(g, lowerArrayMatch(p, s.n, t, f), (at) => ldb(g, s.k + at));
}
