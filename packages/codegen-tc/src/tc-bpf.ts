/*
 * The cls_bpf target (`--target tc-bpf`): a compiled BPF program → the lines of a `tc -b` batch (one command per
 * line, no leading `tc`). Classic programs become `bpf bytecode 'N,c t f k,…'` (classid mode: the program must
 * return 0 for no match and non-zero for a match, 0xffffffff meaning "the filter's classid"); eBPF programs become
 * `bpf obj FILE sec SEC` — with `da` (direct-action: the program's TC_ACT codes are the verdict, attached actions never
 * run) or without (classid mode, like classic). Invariants: pure and deterministic; every option a user can get wrong
 * (device and object names, prio range, return codes that cls_bpf would misread, actions in da mode) is a diagnostic,
 * never an exception; the return-code rules are tc-act.ts's; `compileOptionsFor` gives the onMatch/onMiss a mode
 * needs, so a compile request and the batch agree. A program is read as data (`TcBpfProgram`, which a code
 * generator's ProgramSpec satisfies): this back end imports no other back end; the eBPF object file is written by
 * the caller (tcBpfOutput in @tfc/compiler).
 */
import { handleDiagnostics, hookText } from './attach.ts';
import { isTcDevName } from './dev-name.ts';
import { actReturn, classicReturn, daReturn, TC_ACT, type TcActName } from './tc-act.ts';

export type TcDirection = 'ingress' | 'egress';

/** What the batch reads of a compiled BPF program (a codegen-bpf ProgramSpec is one). */
export type TcBpfProgram =
  | {
      readonly target: 'cbpf';
      readonly insns: readonly {
        readonly code: number;
        readonly jt: number;
        readonly jf: number;
        readonly k: number;
      }[];
      readonly onMatch: number;
      readonly onMiss: number;
    }
  | {
      readonly target: 'ebpf';
      readonly progTypeName: string;
      readonly maps: readonly unknown[];
      readonly section: string;
      readonly onMatch: number;
      readonly onMiss: number;
    };

/** classic: cBPF bytecode; obj-da: eBPF object, direct-action; obj: eBPF object, classid mode. */
export type TcBpfMode = 'classic' | 'obj-da' | 'obj';

export interface TcBpfOptions {
  readonly dev: string;
  readonly direction: TcDirection;
  /** 1…65535. */
  readonly prio: number;
  /** EtherType name or number for `protocol` (default 'all'). */
  readonly protocol?: string;
  /** Appended after the classifier, e.g. `action mirred egress mirror dev m0 continue` (not in obj-da mode). */
  readonly action?: string;
  /** `classid X:Y` for classid modes. */
  readonly classid?: string;
  /** Attach to this classful qdisc or class (`parent 1:`) instead of the clsact hook of `direction`. */
  readonly parent?: string;
  /** eBPF: the object file written with emit(program, 'elf'). */
  readonly objectPath?: string;
  /** eBPF: the section to load (default: the program's own, `tc`). */
  readonly section?: string;
  /** eBPF: classid mode instead of direct-action (default false). */
  readonly classidMode?: boolean;
}

export interface TcDiagnostic {
  readonly severity: 'error';
  readonly code: string;
  readonly message: string;
}

export type TcBatchResult =
  | { readonly ok: true; readonly lines: readonly string[]; readonly mode: TcBpfMode }
  | { readonly ok: false; readonly diagnostics: readonly TcDiagnostic[] };

const PROTO_RE = /^(all|[A-Za-z0-9_]{1,32}|0x[0-9a-fA-F]{1,4})$/;
const PATH_RE = /^[^'\n\0]+$/;
const SECTION_RE = /^[A-Za-z0-9_./-]{1,128}$/;

function d(code: string, message: string): TcDiagnostic {
  return { severity: 'error', code, message };
}

/** What compile() should return on match / miss for a mode (pass as onMatch/onMiss with progType 'tc'). */
export function compileOptionsFor(
  mode: TcBpfMode,
  da: { readonly onMatch?: TcActName; readonly onMiss?: TcActName } = {},
): { readonly onMatch: number; readonly onMiss: number } {
  if (mode === 'obj-da')
    return { onMatch: actReturn(da.onMatch ?? 'ok'), onMiss: actReturn(da.onMiss ?? 'unspec') };
  return { onMatch: 0xffffffff, onMiss: 0 };
}

/** The `bytecode` argument: `N,code jt jf k,…` with unsigned decimal numbers. */
export function bytecodeString(
  insns: readonly { code: number; jt: number; jf: number; k: number }[],
): string {
  return [String(insns.length), ...insns.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`)].join(',');
}

/** The tc batch for one compiled program. */
export function tcBpfBatch(program: TcBpfProgram, o: TcBpfOptions): TcBatchResult {
  const diags: TcDiagnostic[] = [];
  if (!isTcDevName(o.dev)) diags.push(d('dev', `invalid device name '${o.dev}'`));
  if (!Number.isInteger(o.prio) || o.prio < 1 || o.prio > 0xffff)
    diags.push(d('prio', `prio must be an integer 1…65535, not ${o.prio}`));
  const protocol = o.protocol ?? 'all';
  if (!PROTO_RE.test(protocol)) diags.push(d('protocol', `invalid protocol '${protocol}'`));
  diags.push(...handleDiagnostics(o));
  if (o.action !== undefined && (o.action.includes('\n') || o.action.trim() === ''))
    diags.push(d('action', 'the action text must be one non-empty line'));
  let mode: TcBpfMode;
  let classifier: string;
  if (program.target === 'cbpf') {
    mode = 'classic';
    if (o.objectPath !== undefined)
      diags.push(d('object', 'a classic program is loaded as bytecode, not an object'));
    if (program.insns.length < 1 || program.insns.length > 4096)
      diags.push(d('length', `cls_bpf takes 1…4096 classic instructions, not ${program.insns.length}`));
    if (program.onMiss >>> 0 !== 0)
      diags.push(
        d(
          'returns',
          `classic cls_bpf reads a non-zero return as a match; the program must return 0 on no match, not ${program.onMiss >>> 0}`,
        ),
      );
    const m = classicReturn(program.onMatch);
    if (!m.match) diags.push(d('returns', 'the program returns 0 (no match) on a match'));
    else if (m.classid !== 'filter')
      diags.push(
        d(
          'returns',
          `the program returns ${program.onMatch >>> 0} on a match, which cls_bpf reads as classid ${(program.onMatch >>> 16).toString(16)}:${(program.onMatch & 0xffff).toString(16)}; return 0xffffffff (the filter's classid)`,
        ),
      );
    classifier = `bpf bytecode '${bytecodeString(program.insns)}'`;
  } else {
    const da = o.classidMode !== true;
    mode = da ? 'obj-da' : 'obj';
    if (program.progTypeName !== 'SCHED_CLS')
      diags.push(
        d(
          'prog-type',
          `cls_bpf loads SCHED_CLS programs; this one is ${program.progTypeName} (use progType tc)`,
        ),
      );
    if (program.maps.length > 0)
      diags.push(d('maps', 'an object for tc cannot carry set maps; compile with setLookup search'));
    if (o.objectPath === undefined)
      diags.push(d('object', 'an eBPF program needs objectPath (the ELF written by emit)'));
    else if (!PATH_RE.test(o.objectPath)) diags.push(d('object', `unusable object path '${o.objectPath}'`));
    const section = o.section ?? program.section;
    if (!SECTION_RE.test(section)) diags.push(d('section', `invalid section name '${section}'`));
    if (da) {
      if (o.action !== undefined)
        diags.push(
          d(
            'action',
            'actions attached to a direct-action filter never run; use classidMode or drop the action',
          ),
        );
      if (o.classid !== undefined && o.classid !== '')
        diags.push(
          d('classid', 'in direct-action mode the program sets the verdict; classid only seeds tc_classid'),
        );
      for (const [what, r] of [
        ['match', program.onMatch],
        ['miss', program.onMiss],
      ] as const) {
        const act = daReturn(r);
        if (act === 'unspec' && r >>> 0 !== TC_ACT.unspec >>> 0)
          diags.push(
            d(
              'returns',
              `on ${what} the program returns ${r >>> 0}, which direct-action cls_bpf does not pass through (it reads it as continue); use ok, shot, stolen, redirect, trap or unspec`,
            ),
          );
      }
      if (program.onMatch >>> 0 === program.onMiss >>> 0)
        diags.push(d('returns', 'match and miss return the same verdict'));
    } else {
      if (program.onMiss >>> 0 !== 0)
        diags.push(d('returns', 'in classid mode the program must return 0 on no match'));
      const m = classicReturn(program.onMatch);
      if (!m.match || m.classid !== 'filter')
        diags.push(d('returns', 'in classid mode the program must return 0xffffffff on a match'));
    }
    classifier = `bpf obj '${o.objectPath ?? ''}' sec ${section}${da ? ' da' : ''}`;
  }
  if (diags.length > 0) return { ok: false, diagnostics: diags };
  const parts = [`filter add dev ${o.dev} ${hookText(o)} protocol ${protocol} prio ${o.prio}`, classifier];
  if (o.classid !== undefined && mode !== 'obj-da') parts.push(`classid ${o.classid}`);
  if (o.action !== undefined) parts.push(o.action.trim());
  return { ok: true, lines: [parts.join(' ')], mode };
}

/** `qdisc add dev DEV clsact`: the hook the filters attach to (put it first in a batch for a fresh device). */
export function clsactLine(dev: string): string {
  return `qdisc add dev ${dev} clsact`;
}
