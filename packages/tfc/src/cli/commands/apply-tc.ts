/*
 * `tfc apply FILTER --target tc|u32|tc-bpf --dev DEV`: compiles the filter to tc rules (as `tfc compile` prints them)
 * and installs them transactionally through @tfc/iproute2 (tc -b from stdin via execFile, never a shell).
 * With --parent MAJ: the rules join a classful qdisc's filter chain (htb: --classid picks the class a matching frame
 * is queued in) instead of clsact's.
 * Invariants: all or nothing — a prio that already holds filters is refused before anything runs, so is a --parent
 * qdisc or class (or a --classid class) that does not exist; a missing clsact qdisc is added as part of the batch
 * (never with --parent), and on any failing line everything the batch added is removed again (the
 * rolled-back commands are reported); nothing is installed for a filter tfc rejects; exit 0 installed, 1 filter
 * rejected or tc failed (with what was rolled back), 2 usage.
 */

import type { TcTarget } from '@tfc/compiler';
import {
  applyBatch,
  classShow,
  type FilterHook,
  filterShow,
  hookWords,
  type QdiscInfo,
  qdiscShow,
} from '@tfc/iproute2';
import type { Host } from '../../host/index.ts';
import { type CommandSpec, flag, parseCommandArgs, renderHelp, str } from '../args.ts';
import { eventOptions, eventOptionsHelp } from '../event-source.ts';
import { filterFileHelp, filterFileOption, pcapFileHelp, pcapFileOption } from '../filter-input.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { jsonHelp, jsonOption, printJson, withJson } from '../json-output.ts';
import { kernelOption, kernelOptionHelp } from '../kernel-option.ts';
import { tcRulesFor } from './compile.ts';

export const applyTcSpec: CommandSpec = {
  name: 'apply',
  summary: 'Installs a filter as tc rules on a device, transactionally (all or nothing).',
  usage:
    'tfc apply FILTER [--event SYS/NAME | --subsystem SYS] --target tc|u32|tc-bpf --dev DEV [--ingress|--egress | --parent MAJ:] [--prio N] [--classid MAJ:MIN] [--action TEXT] [--netns NS]\n       tfc apply --lang pcap EXPR --target tc|u32|tc-bpf --dev DEV [...]',
  options: {
    ...eventOptions,
    ...filterFileOption,
    ...pcapFileOption,
    target: { type: 'string', short: 't' },
    lang: { type: 'string', short: 'l' },
    subsystem: { type: 'string' },
    dev: { type: 'string' },
    ingress: { type: 'boolean' },
    egress: { type: 'boolean' },
    prio: { type: 'string' },
    action: { type: 'string' },
    classid: { type: 'string' },
    parent: { type: 'string' },
    netns: { type: 'string' },
    'nr-cpus': { type: 'string' },
    ...kernelOption,
    'flower-profile': { type: 'string' },
    ...jsonOption,
  },
  positionals: { min: 0, max: 1 },
  help: `options:
${eventOptionsHelp}
${filterFileHelp}
${pcapFileHelp}
  -t, --target T         tc (the best of u32 and tc-bpf), u32 or tc-bpf (classic cls_bpf bytecode)
      --subsystem SYS    without --event: the events of SYS that define the filter's fields (default: every
                         bundled event that does)
  -l, --lang L           tracefs (default) or pcap
      --dev DEV          the device (required); --ingress (default) or --egress; --prio N (default 1): the prio
                         the rules own (refused when it already holds filters)
      --action TEXT      appended to each matching rule (u32 default: classid 1:1)
      --classid MAJ:MIN  the class each matching rule selects (hex; u32 classid, cls_bpf classid)
      --parent MAJ:      attach the rules to the classful qdisc MAJ: (e.g. htb) or its class MAJ:MIN instead
                         of clsact: matching frames are queued in --classid, the others in the qdisc's default
                         class, so under overload the qdisc drops from the class you did not choose. The
                         qdisc (and the class) must exist; tfc unapply --parent MAJ: removes the rules
      --netns NS         run tc inside network namespace NS (ip netns)
      --nr-cpus N        nr_cpu_ids for CPUS{...} (default: this machine's)
${kernelOptionHelp}
${jsonHelp}

The clsact qdisc is added when the device has none (and left in place by tfc unapply); with --parent nothing
but the filters is added. On a failing line every command already applied is undone and listed.

exit status: 0 installed, 1 the filter is rejected or tc failed (nothing stays installed), 2 usage error.

examples:
  $ tfc apply 'family == 2 && protocol == 6' --event sock/inet_sock_set_state --target tc --dev trace0
  $ tfc unapply --dev trace0 --prio 1
  $ tfc apply 'whence == 1' --event syscalls/sys_enter_lseek --target u32 --dev veth0 --parent 1: --classid 1:10
  $ tfc unapply --dev veth0 --parent 1: --prio 1
`,
};

const NETNS_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** `tfc apply` for the tc targets (the lead's `apply` command dispatches here for --target tc|u32|tc-bpf). */
export async function runApplyTc(argv: readonly string[], rawIo: Io, host: Host): Promise<number> {
  const p = parseCommandArgs(applyTcSpec, argv);
  if (p.help) {
    rawIo.out(renderHelp(applyTcSpec, rawIo.columns));
    return EXIT.ok;
  }
  const io = withJson(rawIo, flag(p, 'json'));
  const target = str(p, 'target');
  if (target !== 'tc' && target !== 'u32' && target !== 'tc-bpf' && target !== 'flower')
    throw new UsageError(`tfc apply --target takes tc, u32, flower or tc-bpf here, got '${target ?? ''}'`);
  const netns = str(p, 'netns');
  if (netns !== undefined && !NETNS_RE.test(netns)) throw new UsageError(`invalid namespace name '${netns}'`);
  const t = await tcRulesFor(p, io, host, target as TcTarget);
  if (!t.ok) return t.code;
  const { result, dev, direction, prio, parent, classid } = t.rules;
  const hook: FilterHook = parent !== undefined ? { parent } : direction;
  if (result.lines.length === 0) {
    io.err('tfc: apply: nothing to install\n');
    if (io.json) printJson(io, { ok: true, backend: result.backend, dev, hook, prios: [], commands: [] });
    return EXIT.ok;
  }
  // The prios the batch owns (flower uses one per rule).
  const prios = [...new Set(result.lines.map((l) => Number(/ prio (\d+) /.exec(l)?.[1] ?? prio)))].sort(
    (a, b) => a - b,
  );
  const last = prios[prios.length - 1] ?? prio;
  const q = await qdiscShow(netns, dev);
  if (!q.ok) {
    io.err(`tfc: apply: ${q.error.message}\n`);
    return EXIT.rejected;
  }
  const hasClsact = q.value.some((x) => x.kind === 'clsact');
  if (parent !== undefined) {
    const missing = await missingClasses(netns, dev, parent, classid, q.value);
    if (missing !== undefined) {
      io.err(`tfc: apply: ${missing}; nothing installed\n`);
      return EXIT.rejected;
    }
  }
  if (hasClsact || parent !== undefined) {
    const f = await filterShow(netns, dev, hook);
    if (!f.ok) {
      io.err(`tfc: apply: ${f.error.message}\n`);
      return EXIT.rejected;
    }
    const taken = f.value.find((x) => prios.includes(x.pref));
    if (taken !== undefined) {
      io.err(
        `tfc: apply: prio ${taken.pref} on ${dev} ${hookWords(hook)} already holds filters; pick another --prio or remove them with 'tfc unapply --dev ${dev} ${unapplyHook(hook)} --prio ${taken.pref}'\n`,
      );
      return EXIT.rejected;
    }
  }
  const lines =
    hasClsact || parent !== undefined ? result.lines : [`qdisc add dev ${dev} clsact`, ...result.lines];
  const r = await applyBatch(netns, lines, { timeoutMs: 60_000 });
  if (!r.ok) {
    const f = r.failure;
    io.err(
      `tfc: apply: tc failed${f.failedLine !== undefined ? ` on line ${f.failedLine} ('${lines[f.failedLine - 1] ?? ''}')` : ''}: ${f.error.stderr.trim() || f.error.message}\n`,
    );
    for (const u of f.rolledBack)
      io.err(
        `tfc: apply: rolled back: ${u.command}${u.notApplied ? ' (never applied: tc stopped before it)' : u.ok ? '' : ' (FAILED)'}\n`,
      );
    if (f.rolledBack.some((u) => !u.ok))
      io.err('tfc: apply: some rules could not be removed; check tc filter show\n');
    else io.err('tfc: apply: nothing stays installed\n');
    return EXIT.rejected;
  }
  if (io.json)
    printJson(io, {
      ok: true,
      backend: result.backend,
      dev,
      hook,
      prios,
      commands: lines,
      clsactAdded: !(hasClsact || parent !== undefined),
    });
  io.err(
    `tfc: applied ${result.lines.length} ${result.backend} rule${result.lines.length === 1 ? '' : 's'} on ${dev} ${hookWords(hook)} prio ${prio}${last !== prio ? `…${last}` : ''}${classid !== undefined ? ` (matches to class ${classid})` : ''}${hasClsact || parent !== undefined ? '' : ' (clsact added)'}; remove with: tfc unapply --dev ${dev} ${unapplyHook(hook)} --prio ${prio}${last !== prio ? ` --last ${last}` : ''}\n`,
  );
  return EXIT.ok;
}

/** The unapply option for a hook: `--ingress`, `--egress` or `--parent 1:`. */
function unapplyHook(h: FilterHook): string {
  return typeof h === 'string' ? `--${h}` : `--parent ${h.parent}`;
}

const norm = (h: string): string => h.replace(/^0+(?=[0-9a-f])/i, '').toLowerCase();

/**
 * Why rules cannot go under `parent` (its qdisc or class, or the class `classid`, does not exist), or undefined.
 * Checked before anything runs: tc would accept a filter that names a missing class, and htb would then send every
 * frame to its default class without a word.
 */
async function missingClasses(
  netns: string | undefined,
  dev: string,
  parent: string,
  classid: string | undefined,
  qdiscs: readonly QdiscInfo[],
): Promise<string | undefined> {
  const major = norm(parent.slice(0, parent.indexOf(':')));
  const q = qdiscs.find((x) => norm(x.handle.replace(/:.*$/, '')) === major);
  const shown = qdiscs.map((x) => `${x.kind} ${x.handle}`).join(', ') || 'none';
  if (q === undefined)
    return `${dev} has no qdisc ${major}: (its qdiscs: ${shown}); add a classful one first, e.g. 'tc qdisc add dev ${dev} root handle ${major}: htb default 20' and its classes (docs/tc.md)`;
  const wanted = [...(parent.endsWith(':') ? [] : [parent]), ...(classid !== undefined ? [classid] : [])];
  if (wanted.length === 0) return undefined;
  const c = await classShow(netns, dev);
  if (!c.ok) return c.error.message;
  const have = new Set(c.value.map((x) => x.classid));
  const absent = wanted.filter((w) => !have.has(w));
  if (absent.length === 0) return undefined;
  return `${q.kind} qdisc ${major}: on ${dev} has no class ${absent.join(', ')} (its classes: ${[...have].join(', ') || 'none'}); 'tc class add dev ${dev} parent ${major}: classid ${absent[0]} ...' creates it`;
}
