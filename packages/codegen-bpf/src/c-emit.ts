// Restricted C for a decision DAG: one function per program, one labelled block per DAG node, gotos
// between them, that `clang -O2 -target bpf` compiles to a program equivalent to the eBPF target's.
// Invariants:
//  - self-contained text: fixed-width typedefs, helpers declared by id, no headers; deterministic;
//  - every subexpression is a fresh u64 local assigned in evaluation order, so aborts (packet reads
//    past the end, division by zero) are `goto reject` statements placed before the read;
//  - compares truncate to the width and cast to the signed type for signed ordered operators, as the
//    IR defines; u32 arithmetic wraps; shifts >= 32 give 0;
//  - packet reads are preceded by an explicit data_end check (tc/xdp) or use bpf_skb_load_bytes
//    (socket); tracepoint reads are ctx + constant offset >= 8 (aligned) or bpf_probe_read_kernel;
//  - features the C form does not cover yet (maps, __data_loc, char *) are Unsupported diagnostics.
import type { Dag, Expr, LeafPred, StrPred, Width } from '@tfc/ir';
import { FRAME_RECORD_OFFSET, OPS } from '@tfc/ir';
import { topoOrder } from './dag-order.ts';
import { type GlobNext, globAutomaton, MAX_GLOB_STATES } from './glob-automaton.ts';
import { type Ctx, type ProgType, type RecordLayout, Unsupported } from './options.ts';

export interface CEmitOptions {
  readonly ctx: Ctx;
  readonly progType: ProgType;
  readonly onMatch: number;
  readonly onMiss: number;
  readonly section: string;
  readonly record: RecordLayout;
}

const PRELUDE = `typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
static long (*bpf_probe_read_kernel)(void *dst, u32 size, const void *src) = (void *)113;
static u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static u32 (*bpf_get_smp_processor_id)(void) = (void *)8;
static long (*bpf_get_current_comm)(void *buf, u32 size) = (void *)16;
static long (*bpf_skb_load_bytes)(const void *skb, u32 offset, void *to, u32 len) = (void *)26;
`;

const C_OP: { readonly [K in 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge']: string } = {
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

const uType = (w: Width) => (w === 1 ? 'u8' : w === 2 ? 'u16' : w === 4 ? 'u32' : 'u64');
const sType = (w: Width) => (w === 1 ? 's8' : w === 2 ? 's16' : w === 4 ? 's32' : 's64');
const lit = (v: bigint) => `0x${BigInt.asUintN(64, v).toString(16)}ULL`;

export function emitC(dag: Dag, o: CEmitOptions): string {
  const out: string[] = [];
  const packetCtx = o.ctx !== 'tracepoint';
  const direct = packetCtx && o.progType !== 'socket';
  let tmp = 0;
  let indent = '  ';
  const line = (s: string) => out.push(indent + s);
  const fresh = () => `t${tmp++}`;
  const label = (u: number) => (u === 1 ? 'accept' : u === 0 || u === 2 ? 'reject' : `n${u}`);

  /** Bytes [k, k+n) of the packet into a fresh local array or checked; returns a C expression of
   *  the address of byte k (direct) or of the local copy. */
  const packetBytes = (k: number, n: number, abort: string): string => {
    if (direct) {
      line(`if ((u8 *)data + ${k + n} > (u8 *)data_end) goto ${abort};`);
      return `((u8 *)data + ${k})`;
    }
    const b = fresh();
    line(`u8 ${b}[${n}] __attribute__((aligned(8)));`);
    line(`if (bpf_skb_load_bytes(ctx, ${k}, ${b}, ${n}) != 0) goto ${abort};`);
    return b;
  };

  const loadVal = (addr: string, w: Width, order: 'le' | 'be', signed: boolean): string => {
    const t = fresh();
    let v = `*(${uType(w)} *)(${addr})`;
    if (order === 'be' && w > 1) v = `__builtin_bswap${w * 8}(${v})`;
    if (signed) v = w === 8 ? v : `(u64)(s64)(${sType(w)})(${v})`;
    line(`u64 ${t} = (u64)(${v});`);
    return t;
  };

  const expr = (x: Expr, abort: string): string => {
    switch (x.kind) {
      case 'const':
        return lit(x.value);
      case 'ref': {
        const d = dag.values[x.id];
        if (d === undefined) throw new Unsupported('ref', `unknown value %${x.id}`);
        return expr(d.expr, abort);
      }
      case 'pseudo': {
        if (packetCtx) throw new Unsupported('pseudo', `pseudo-field ${x.name} needs --ctx tracepoint`);
        const t = fresh();
        line(
          `u64 ${t} = (u64)(s64)(s32)${x.name === 'cpu' ? 'bpf_get_smp_processor_id()' : 'bpf_get_current_pid_tgid()'};`,
        );
        return t;
      }
      case 'len': {
        if (!packetCtx) throw new Unsupported('len', 'packet length needs a packet context');
        const t = fresh();
        line(
          `u64 ${t} = ${o.progType === 'xdp' ? '(u64)((u8 *)data_end - (u8 *)data)' : '(u64)*(u32 *)ctx'};`,
        );
        return t;
      }
      case 'neg': {
        const a = expr(x.arg, abort);
        const t = fresh();
        line(`u64 ${t} = (u64)(u32)(0U - (u32)${a});`);
        return t;
      }
      case 'arith': {
        const l = expr(x.left, abort);
        const r = expr(x.right, abort);
        const t = fresh();
        const op = x.op;
        if (op === '/' || op === '%') {
          line(`if ((u32)${r} == 0) goto ${abort};`);
          line(`u64 ${t} = (u64)((u32)${l} ${op} (u32)${r});`);
        } else if (op === '<<' || op === '>>')
          line(`u64 ${t} = (u32)${r} >= 32 ? 0 : (u64)(u32)((u32)${l} ${op} (u32)${r});`);
        else line(`u64 ${t} = (u64)(u32)((u32)${l} ${op} (u32)${r});`);
        return t;
      }
      case 'load': {
        const w = x.width;
        if (x.base === 'record') {
          if (packetCtx) throw new Unsupported('base', 'record loads need --ctx tracepoint');
          if (typeof x.offset !== 'number')
            throw new Unsupported(
              'record-computed-offset',
              'record loads at computed offsets are not supported yet',
            );
          const off = x.offset;
          if (off < 8) {
            if (off === 4 && w === 4 && x.order === 'le') {
              const t = fresh();
              line(`u64 ${t} = (u64)${x.signed ? '(s64)(s32)' : ''}(u32)bpf_get_current_pid_tgid();`);
              return t;
            }
            if (off === 0 && w === 2 && x.order === 'le' && o.record.commonType !== undefined) {
              const c = BigInt(o.record.commonType & 0xffff);
              return lit(x.signed ? BigInt.asIntN(16, c) : c);
            }
            throw new Unsupported(
              'record-header',
              `record bytes ${off}..${off + w - 1} overlap the common header`,
            );
          }
          if (off % w === 0) return loadVal(`(u8 *)ctx + ${off}`, w, x.order, x.signed);
          const b = fresh();
          const c = fresh();
          // An opaque copy of ctx: clang must not derive ctx loads from this modified pointer.
          line(`${uType(w)} ${b} = 0;`);
          line(`void *${c} = ctx;`);
          line(`asm volatile("" : "+r"(${c}));`);
          line(`bpf_probe_read_kernel(&${b}, ${w}, (u8 *)${c} + ${off});`);
          return loadVal(`&${b}`, w, x.order, x.signed);
        }
        if (!packetCtx) throw new Unsupported('base', `${x.base} loads need a packet context`);
        const baseOff = x.base === 'frame' ? FRAME_RECORD_OFFSET : 0;
        if (typeof x.offset !== 'number') {
          const off = expr(x.offset, abort);
          // A read ending past offset 0xffff is out of bounds for every packet, and the bound has to be that tight:
          // the verifier keeps a packet range only while umax(offset) + size stays within 0xffff (as ebpf-gen.ts).
          const limit = 0xffff - w - baseOff;
          if (limit < 0) {
            line(`goto ${abort};`);
            return '0ULL';
          }
          line(`if (${off} > ${limit}) goto ${abort};`);
          const k = fresh();
          line(`u32 ${k} = (u32)${off} + ${baseOff};`);
          if (direct) {
            line(`if ((u8 *)data + ${k} + ${w} > (u8 *)data_end) goto ${abort};`);
            return loadVal(`(u8 *)data + ${k}`, w, x.order, x.signed);
          }
          const b = fresh();
          line(`u8 ${b}[${w}] __attribute__((aligned(8)));`);
          line(`if (bpf_skb_load_bytes(ctx, ${k}, ${b}, ${w}) != 0) goto ${abort};`);
          return loadVal(b, w, x.order, x.signed);
        }
        const k = x.offset + baseOff;
        if (k + w > 0xffff) {
          line(`goto ${abort};`);
          return '0ULL';
        }
        return loadVal(packetBytes(k, w, abort), w, x.order, x.signed);
      }
    }
  };

  const narrow = (v: string, w: Width, signed: boolean) =>
    signed ? `(${sType(w)})${v}` : w === 8 ? v : `(${uType(w)})${v}`;

  const cmpLeaf = (p: Extract<LeafPred, { kind: 'cmp' }>, t: string, f: string, a: string) => {
    const l = expr(p.left, a);
    const r = expr(p.right, a);
    const signed = OPS[p.op].ordered && p.signed;
    const L = narrow(l, p.width, signed);
    const R = narrow(r, p.width, signed);
    const cond =
      p.op === 'set'
        ? `(${L} & ${R}) != 0`
        : p.op === 'clear'
          ? `(${L} & ${R}) == 0`
          : `${L} ${C_OP[p.op]} ${R}`;
    line(`if (${cond}) goto ${t}; else goto ${f};`);
  };

  const inLeaf = (p: Extract<LeafPred, { kind: 'in' }>, t: string, f: string, a: string) => {
    const v = narrow(expr(p.value, a), p.width, false);
    const u = fresh();
    line(`u64 ${u} = (u64)${v};`);
    for (const c of p.set) line(`if (${u} == ${lit(c)}) goto ${t};`);
    line(`goto ${f};`);
  };

  const strLeaf = (p: StrPred, t: string, f: string, a: string) => {
    const src = p.source;
    let bytes: string;
    let n: number;
    if (src.kind === 'comm') {
      if (packetCtx) throw new Unsupported('comm', 'comm needs --ctx tracepoint');
      bytes = fresh();
      n = 16;
      line(`u8 ${bytes}[16] __attribute__((aligned(8))) = {0};`);
      line(`bpf_get_current_comm(${bytes}, 16);`);
    } else if (src.kind === 'fixed') {
      n = src.size;
      if (src.base === 'record') {
        if (packetCtx) throw new Unsupported('base', 'record strings need --ctx tracepoint');
        if (src.offset < 8)
          throw new Unsupported('record-header', 'strings in the common header are not readable');
        bytes = `((u8 *)ctx + ${src.offset})`;
      } else {
        if (!packetCtx) throw new Unsupported('base', `${src.base} strings need a packet context`);
        bytes = packetBytes(src.offset + (src.base === 'frame' ? FRAME_RECORD_OFFSET : 0), n, a);
      }
    } else
      throw new Unsupported('string-source', `string source ${src.kind} is not supported by the C form yet`);
    const pat = [...p.pattern].map((c) => c.charCodeAt(0) & 0xff);
    const plen = pat.length;
    const yes = p.negate ? f : t;
    const no = p.negate ? t : f;
    const at = (i: number) => `${bytes}[${i}]`;
    switch (p.match) {
      case 'full':
        for (let i = 0; i < n; i++) {
          const c = i < plen ? pat[i]! : 0;
          line(`if (${at(i)} != ${c}) goto ${no};`);
          if (c === 0) break;
        }
        line(`goto ${yes};`);
        return;
      case 'front':
        if (n < plen) {
          line(`goto ${no};`);
          return;
        }
        for (let i = 0; i < plen; i++) line(`if (${at(i)} != ${pat[i]}) goto ${no};`);
        line(`goto ${yes};`);
        return;
      case 'middle': {
        if (plen === 0) {
          line(`goto ${yes};`);
          return;
        }
        for (let s = 0; s + plen <= n; s++)
          line(`if (${pat.map((c, j) => `${at(s + j)} == ${c}`).join(' && ')}) goto ${yes};`);
        line(`goto ${no};`);
        return;
      }
      case 'end': {
        const last = n - 1;
        if (n === 0 || last < plen) {
          line(`goto ${no};`);
          return;
        }
        line(`if (${pat.map((c, j) => `${at(last - plen + j)} == ${c}`).join(' && ') || '1'}) goto ${yes};`);
        line(`goto ${no};`);
        return;
      }
      case 'glob': {
        const g = globAutomaton(pat, n);
        if (g === undefined)
          throw new Unsupported(
            'string-size',
            `glob pattern over char[${n}] needs more than ${MAX_GLOB_STATES} states`,
          );
        const base = `g${tmp++}_`;
        const to = (x: GlobNext) => (x === 'T' ? yes : x === 'F' ? no : `${base}${x}`);
        line(`goto ${to(g.start)};`);
        g.states.forEach((st, i) => {
          out.push(`${indent.slice(2)}${to(i)}:;`);
          const c = fresh();
          line(`u8 ${c} = ${at(st.byte)};`);
          for (const tst of st.tests)
            line(
              tst.lo === tst.hi
                ? `if (${c} == ${tst.lo}) goto ${to(tst.next)};`
                : `if (${c} >= ${tst.lo} && ${c} <= ${tst.hi}) goto ${to(tst.next)};`,
            );
          line(`goto ${to(st.otherwise)};`);
        });
        return;
      }
    }
  };

  const ctxType = 'void *ctx';
  out.push(PRELUDE);
  out.push(`__attribute__((section("${o.section}"), used))`);
  out.push(`int tfc_filter(${ctxType})`);
  out.push('{');
  if (direct) {
    const [d, de] = o.progType === 'xdp' ? [0, 4] : [76, 80];
    line(`void *data = (void *)(long)*(u32 *)((u8 *)ctx + ${d});`);
    line(`void *data_end = (void *)(long)*(u32 *)((u8 *)ctx + ${de});`);
  }
  line(`goto ${label(dag.root)};`);
  for (const id of topoOrder(dag)) {
    const n = dag.nodes[id - 3]!;
    const leaf = dag.leaves[n.leaf]!;
    out.push(`${label(id)}: {`);
    indent = '    ';
    const t = label(n.t);
    const f = label(n.f);
    const a = label(n.a ?? 2);
    if (leaf.kind === 'cmp') cmpLeaf(leaf, t, f, a);
    else if (leaf.kind === 'in') inLeaf(leaf, t, f, a);
    else strLeaf(leaf, t, f, a);
    indent = '  ';
    out.push('  }');
  }
  out.push(`accept:`);
  line(`return (int)${o.onMatch >>> 0}U;`);
  out.push(`reject:`);
  line(`return (int)${o.onMiss >>> 0}U;`);
  out.push('}');
  out.push('');
  out.push('__attribute__((section("license"), used)) char _license[] = "GPL";');
  return `${out.join('\n')}\n`;
}
