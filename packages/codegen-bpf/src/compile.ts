// compileBpf: IR filter → a ProgramSpec (plain data) for eBPF or classic BPF.
// Invariants: pure and deterministic (same input and options → byte-identical output); bad input and
// unsupported features are diagnostics, never exceptions; the pass pipeline runs first unless
// `optimize: false`; the decision DAG is built with the requested order; every cBPF program passes
// the kernel's checker (validate) and the 4,096-instruction limit or a diagnostic says by how much not; every
// eBPF program passes the verifier's structural check (ebpf-cfg.ts: no unreachable insn, jumps in range) or the
// compile fails with an `ebpf-cfg` diagnostic naming a code generator defect.
import { encode as encodeCbpf, printD, validate } from '@tfc/bpf/cbpf';
import { assemble, disassemble, encode as encodeEbpf, type Insn } from '@tfc/bpf/ebpf';
import { buildDag, type Dag, type Filter, runPasses, verify } from '@tfc/ir';
import { genCbpf } from './cbpf-gen.ts';
import { cbpfToEbpf } from './cbpf-to-ebpf.ts';
import { cfgProblem } from './ebpf-cfg.ts';
import { genEbpf } from './ebpf-gen.ts';
import {
  type CodegenDiagnostic,
  type CompileOptions,
  type CompileResult,
  defaultReturns,
  diag,
  type EbpfProgram,
  type MapDef,
  NEWEST_BPF_FEATURES,
  type ProgType,
  type RawOptions,
  Unsupported,
} from './options.ts';
import { RAW_COUNT_MAP, RAW_LOST_MAP, RAW_RINGBUF_MAP } from './raw/options.ts';
import { REC, SKB_FOLLOW_MAP, SKB_LOST_MAP, SKB_RINGBUF_MAP } from './skb/options.ts';
import { snaplenOf } from './skb/program.ts';

export const CBPF_MAX_INSNS = 4096;

const PROG_TYPES = {
  tracepoint: { num: 5, name: 'TRACEPOINT' },
  socket: { num: 1, name: 'SOCKET_FILTER' },
  tc: { num: 3, name: 'SCHED_CLS' },
  xdp: { num: 6, name: 'XDP' },
  tracing: { num: 26, name: 'TRACING' },
} as const;
/** BPF_TRACE_RAW_TP and BPF_TRACE_FENTRY (include/uapi/linux/bpf.h enum bpf_attach_type). */
const ATTACH_TYPES = { tp_btf: 23, fentry: 24 } as const;

function fail(diagnostics: readonly CodegenDiagnostic[]): CompileResult {
  return { ok: false, diagnostics };
}

/** Prepares the decision DAG (pipeline + buildDag), or diagnostics. */
export function prepareDag(
  ir: Filter,
  opts: Pick<CompileOptions, 'optimize' | 'order'>,
): { ok: true; dag: Dag } | { ok: false; diagnostics: readonly CodegenDiagnostic[] } {
  const v = verify(ir);
  if (v.length > 0) return { ok: false, diagnostics: v };
  let f = ir;
  if (opts.optimize !== false) {
    const r = runPasses(ir);
    if (!r.ok) return { ok: false, diagnostics: r.diagnostics };
    f = r.ir;
  }
  const d = buildDag(f, opts.order ?? 'cost');
  if (!d.ok) return { ok: false, diagnostics: d.diagnostics };
  return { ok: true, dag: d.dag };
}

/** Encoded instructions with every map reference (ld_imm64 BPF_PSEUDO_MAP_FD named `map`) set to
 *  the fd the loader created for it; a missing fd is an error value. */
export function linkMaps(
  insns: readonly Insn[],
  fds: ReadonlyMap<string, number>,
): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  const out: Insn[] = [];
  for (const i of insns) {
    if (i.map === undefined) {
      out.push(i);
      continue;
    }
    const fd = fds.get(i.map);
    if (fd === undefined) return { ok: false, message: `no fd for map '${i.map}'` };
    out.push({ ...i, imm: fd, imm64: BigInt(fd >>> 0) });
  }
  return { ok: true, bytes: encodeEbpf(out) };
}

/** An eBPF packet program as the optimised classic program translated (cbpf-to-ebpf.ts): socket filters whose miss
 *  value is 0 (what LD_ABS returns on a read past the end) through LD_ABS/LD_IND, tc and xdp with direct packet
 *  access; undefined when the classic generator does not cover the filter, or when it has a protochain walk and the
 *  kernel has may_goto (the classic walk stops after CBPF_CHAIN_DEPTH headers, eBPF's loop walks them all). Without
 *  may_goto the eBPF walk is unrolled to the same depth: socket filters take the translated classic walk (LD_IND:
 *  752 instructions for `ip6 protochain 6`, the generator's 1,449), tc and xdp the generator's (1,315; translated
 *  with direct-access guards 1,529). */
function viaCbpf(
  dag: Dag,
  opts: CompileOptions,
  progType: ProgType,
  onMatch: number,
  onMiss: number,
  binarySearchMin: number,
): { insns: Insn[]; maps: MapDef[] } | undefined {
  if (
    opts.ctx === 'tracepoint' ||
    opts.ctx === 'skb' ||
    opts.raw !== undefined ||
    opts.ebpfFromCbpf === false ||
    opts.setLookup === 'map'
  )
    return undefined;
  if (progType === 'socket' && onMiss !== 0) return undefined;
  if (
    dag.leaves.some((l) => l.kind === 'chain') &&
    (opts.bpfFeatures?.mayGoto !== false || progType !== 'socket')
  )
    return undefined;
  if (dag.mayAbort.some((m) => m) && !dag.abortSafe) return undefined;
  const direct = progType !== 'socket';
  const cbpfMatch = direct ? 1 : onMatch;
  try {
    const prog = genCbpf(dag, {
      onMatch: cbpfMatch,
      onMiss: 0,
      binarySearchMin,
      codePasses: opts.codePasses !== false,
    });
    if (prog.length > CBPF_MAX_INSNS || validate(prog).length > 0) return undefined;
    const insns = cbpfToEbpf(prog, {
      mode: direct ? 'direct' : 'ld-abs',
      progType,
      cbpfMatch,
      onMatch,
      onMiss,
    });
    return insns === undefined ? undefined : { insns, maps: [] };
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** A raw program's attach and output description (see EbpfProgram.raw). */
function rawParts(raw: RawOptions): Pick<EbpfProgram, 'attach' | 'raw'> {
  const mode = raw.mode ?? 'output';
  const L = raw.layout;
  return {
    attach: { kind: 'tp_btf', name: L.tracepoint, expectedAttachType: ATTACH_TYPES.tp_btf },
    raw: {
      event: L.event,
      eventId: L.eventId,
      tracepoint: L.tracepoint,
      recordSize: L.recordSize,
      ringbuf: mode === 'output' || mode === 'verdict' ? RAW_RINGBUF_MAP : undefined,
      lost: mode === 'output' || mode === 'verdict' ? RAW_LOST_MAP : undefined,
      ...(mode === 'count' ? { count: RAW_COUNT_MAP } : {}),
      mode,
    },
  };
}

export function compileBpf(ir: Filter, opts: CompileOptions): CompileResult {
  const progType: ProgType = opts.progType ?? 'socket';
  const ret = defaultReturns(opts.ctx, opts.target === 'cbpf' ? 'socket' : progType);
  const onMatch = (opts.onMatch ?? ret.onMatch) >>> 0;
  const onMiss = (opts.onMiss ?? ret.onMiss) >>> 0;
  const binarySearchMin = opts.binarySearchMin ?? 8;
  if (opts.target === 'cbpf' && opts.ctx === 'tracepoint')
    return fail([diag('ctx', 'classic BPF cannot run on tracepoints; use --target ebpf')]);
  const skb = opts.ctx === 'skb' ? opts.skb : undefined;
  if (opts.ctx === 'skb') {
    if (opts.target !== 'ebpf') return fail([diag('ctx', 'the skb context needs --target ebpf')]);
    if (skb === undefined) return fail([diag('ctx', 'the skb context needs a hook and an sk_buff layout')]);
    if (skb.hook.kind === 'fentry' && skb.mode === 'return')
      return fail([diag('skb-mode', 'fentry programs must return 0: use mode capture or verdict')]);
  }
  const raw = opts.raw;
  if (raw !== undefined && (opts.target !== 'ebpf' || opts.ctx !== 'tracepoint'))
    return fail([diag('ctx', 'raw tracepoint programs need --target ebpf on a tracepoint')]);
  if (raw !== undefined && opts.setLookup === 'map')
    return fail([
      diag(
        'set-lookup',
        'raw tracepoint programs search sets (--set-lookup search): their loader shares only the ring buffer and counters',
      ),
    ]);
  const prepared = prepareDag(ir, opts);
  if (!prepared.ok) return fail(prepared.diagnostics);
  const dag = prepared.dag;
  const stats = (instructions: number) => ({
    instructions,
    dagNodes: dag.nodes.length,
    dagLeaves: dag.leaves.length,
  });
  try {
    if (opts.target === 'ebpf') {
      const { insns, maps } =
        viaCbpf(dag, opts, progType, onMatch, onMiss, binarySearchMin) ??
        genEbpf(dag, {
          ctx: opts.ctx,
          progType,
          onMatch,
          onMiss,
          binarySearchMin,
          setLookup: opts.setLookup ?? 'search',
          record: opts.record ?? {},
          bpfFeatures: opts.bpfFeatures ?? NEWEST_BPF_FEATURES,
          ...(skb !== undefined ? { skb } : {}),
          ...(raw !== undefined ? { raw } : {}),
        });
      const a = assemble(insns);
      if (!a.ok) return fail(a.errors.map((e) => diag('assemble', `insn ${e.index}: ${e.message}`)));
      const cfg = cfgProblem(a.insns);
      if (cfg !== undefined) return fail([diag('ebpf-cfg', `${cfg.message} (a code generator defect)`)]);
      const pt =
        skb !== undefined || raw !== undefined
          ? PROG_TYPES.tracing
          : opts.ctx === 'tracepoint'
            ? PROG_TYPES.tracepoint
            : PROG_TYPES[progType];
      const section =
        skb !== undefined
          ? `${skb.hook.kind}/${skb.hook.name}`
          : raw !== undefined
            ? `tp_btf/${raw.layout.tracepoint}`
            : opts.ctx === 'tracepoint'
              ? `tracepoint/${opts.record?.event ?? 'tfc/filter'}`
              : progType === 'socket'
                ? 'socket'
                : progType;
      const skbParts =
        skb === undefined
          ? {}
          : {
              attach: {
                kind: skb.hook.kind,
                name: skb.hook.name,
                expectedAttachType: ATTACH_TYPES[skb.hook.kind],
              },
              capture: {
                ringbuf: (skb.mode ?? 'capture') === 'return' ? undefined : SKB_RINGBUF_MAP,
                ...(skb.countLost === true && (skb.mode ?? 'capture') !== 'return'
                  ? { lost: SKB_LOST_MAP }
                  : {}),
                ...(skb.follow !== undefined && (skb.mode ?? 'capture') === 'capture'
                  ? { follow: SKB_FOLLOW_MAP }
                  : {}),
                snaplen: snaplenOf(skb),
                recordHeader: REC.data,
                hookIndex: skb.hookIndex,
                mode: skb.mode ?? 'capture',
              },
            };
      return {
        ok: true,
        program: {
          target: 'ebpf',
          source: { dag, ctx: opts.ctx, progType, record: opts.record ?? {} },
          insns: a.insns,
          progType: pt.num,
          progTypeName: pt.name,
          section,
          license: 'GPL',
          maps,
          bytes: encodeEbpf(a.insns),
          listing: disassemble(a.insns),
          stats: stats(a.insns.length),
          onMatch:
            (skb !== undefined && skb.mode !== 'return') ||
            (raw !== undefined && (raw.mode ?? 'output') !== 'return')
              ? 0
              : onMatch,
          onMiss: skb !== undefined || raw !== undefined ? 0 : onMiss,
          ...skbParts,
          ...(raw === undefined ? {} : rawParts(raw)),
        },
      };
    }
    const mayAbort = dag.mayAbort.some((m) => m);
    if (mayAbort && !dag.abortSafe)
      return fail([
        diag('abort-order', 'classic BPF needs an abort-safe leaf order (use order cost or source)'),
      ]);
    if (mayAbort && onMiss !== 0)
      return fail([
        diag(
          'on-miss',
          `classic BPF rejects out-of-bounds loads with 0; this filter may abort, so --on-miss must be 0, not ${onMiss}`,
        ),
      ]);
    const prog = genCbpf(dag, { onMatch, onMiss, binarySearchMin, codePasses: opts.codePasses !== false });
    if (prog.length > CBPF_MAX_INSNS)
      return fail([
        diag(
          'cbpf-limit',
          `classic BPF program has ${prog.length} instructions, ${prog.length - CBPF_MAX_INSNS} over the kernel's limit of ${CBPF_MAX_INSNS}`,
        ),
      ]);
    const problems = validate(prog);
    if (problems.length > 0)
      return fail(
        problems.map((p) => diag('cbpf-check', `insn ${p.index}: ${p.message} (a code generator defect)`)),
      );
    return {
      ok: true,
      program: {
        target: 'cbpf',
        insns: prog,
        bytes: encodeCbpf(prog),
        listing: printD(prog),
        stats: stats(prog.length),
        onMatch,
        onMiss,
      },
    };
  } catch (e) {
    if (e instanceof Unsupported) return fail([diag(e.code, e.message)]);
    throw e;
  }
}
