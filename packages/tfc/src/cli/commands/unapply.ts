/*
 * `tfc unapply --dev DEV [--ingress|--egress|--parent MAJ:] --prio N [--last M]`: removes the tc rules `tfc apply`
 * installed at prio N (… M: flower uses one prio per rule) of a clsact hook or of a classful qdisc's filter chain.
 * Invariants: only the given prios are touched (the clsact or classful qdisc, its classes and other prios stay); tc
 * runs through @tfc/iproute2
 * (execFile, never a shell); exit 0 removed, 1 nothing was installed there or tc failed, 2 usage.
 */
import { parseParent, renderHandleError } from '@tfc/codegen-tc';
import { type FilterHook, filterDel, filterShow, hookWords } from '@tfc/iproute2';
import { type CommandSpec, flag, int, parseCommandArgs, renderHelp, str } from '../args.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { jsonHelp, jsonOption, printJson } from '../json-output.ts';

export const unapplySpec: CommandSpec = {
  name: 'unapply',
  summary: 'Removes the tc rules tfc apply installed at one prio of a device.',
  usage:
    'tfc unapply --dev DEV [--ingress|--egress | --parent MAJ:] [--prio N [--last M]] [--netns NS] [--json]',
  options: {
    ...jsonOption,
    dev: { type: 'string' },
    ingress: { type: 'boolean' },
    egress: { type: 'boolean' },
    parent: { type: 'string' },
    prio: { type: 'string' },
    last: { type: 'string' },
    netns: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  help: `options:
      --dev DEV          the device (required); --ingress (default) or --egress
      --parent MAJ:      the classful qdisc (or class MAJ:MIN) tfc apply --parent attached the rules to; the
                         qdisc and its classes stay
      --prio N           the prio the rules were applied at (default 1)
      --last M           remove prios N…M (flower rules take one prio each; tfc apply prints the command)
      --netns NS         run tc inside network namespace NS
${jsonHelp}

exit status: 0 removed, 1 no filters at that prio (or tc failed), 2 usage error.

example:
  $ tfc unapply --dev trace0 --ingress --prio 1
  $ tfc unapply --dev veth0 --parent 1: --prio 1
`,
};

export async function runUnapply(argv: readonly string[], io: Io): Promise<number> {
  const p = parseCommandArgs(unapplySpec, argv);
  if (p.help) {
    io.out(renderHelp(unapplySpec, io.columns));
    return EXIT.ok;
  }
  const dev = str(p, 'dev');
  if (dev === undefined) throw new UsageError('unapply needs --dev DEV');
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(dev)) throw new UsageError(`invalid device name '${dev}'`);
  if (flag(p, 'ingress') && flag(p, 'egress')) throw new UsageError('give --ingress or --egress, not both');
  const parentArg = str(p, 'parent');
  let hook: FilterHook = flag(p, 'egress') ? 'egress' : 'ingress';
  if (parentArg !== undefined) {
    if (flag(p, 'ingress') || flag(p, 'egress'))
      throw new UsageError(
        '--parent names a classful qdisc instead of clsact: no --ingress/--egress with it',
      );
    const h = parseParent(parentArg);
    if (!h.ok) throw new UsageError(renderHandleError('parent', parentArg, h, 'tfc: '.length));
    hook = { parent: h.handle.text };
  }
  const where = hookWords(hook);
  const prio = int(p, 'prio', { min: 1, max: 65535 }) ?? 1;
  const netns = str(p, 'netns');
  if (netns !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(netns))
    throw new UsageError(`invalid namespace name '${netns}'`);
  const f = await filterShow(netns, dev, hook);
  if (!f.ok) {
    io.err(`tfc: unapply: ${f.error.message}\n`);
    return EXIT.rejected;
  }
  const last = int(p, 'last', { min: prio, max: 65535 }) ?? prio;
  const here = [...new Set(f.value.filter((x) => x.pref >= prio && x.pref <= last).map((x) => x.pref))];
  const n = f.value.filter((x) => x.pref >= prio && x.pref <= last).length;
  if (n === 0) {
    io.err(`tfc: unapply: no filters at prio ${prio}${last !== prio ? `…${last}` : ''} on ${dev} ${where}\n`);
    return EXIT.rejected;
  }
  for (const x of here) {
    const d = await filterDel(netns, dev, hook, x);
    if (!d.ok) {
      io.err(`tfc: unapply: ${d.error.message}\n`);
      return EXIT.rejected;
    }
  }
  if (flag(p, 'json')) printJson(io, { ok: true, dev, hook, removed: n, prios: here.sort((a, b) => a - b) });
  io.err(
    `tfc: removed ${n} rule${n === 1 ? '' : 's'} at prio ${prio}${last !== prio ? `…${last}` : ''} on ${dev} ${where}\n`,
  );
  return EXIT.ok;
}
