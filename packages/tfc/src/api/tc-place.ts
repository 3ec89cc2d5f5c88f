/*
 * Where tc rules attach, from the library's options: the device (trace filters default to the trace interface),
 * the clsact direction or a classful parent, the class id, the prio. Invariants: the same checks as `tfc compile`'s
 * --dev/--parent/--classid (codegen-tc's readers; a parent replaces the direction and needs a class of its own
 * qdisc), failing with a TfcOptionError; handles come back normalized (`1:10`, `1:`); the clsact-classid caveat is
 * a note, as on the CLI's stderr.
 */
import { isTcDevName, parseClassid, parseParent, type TcHandle } from '@tfc/codegen-tc';
import { TfcOptionError } from './errors.ts';
import type { TcPlaceOptions } from './options.ts';

/** The device the rules of a trace filter are for when no `dev` is given: `tfc trace --dev trace0` creates it. */
export const DEFAULT_TRACE_DEV = 'trace0';

/** A checked placement and its caveats. */
export interface TcPlace {
  readonly dev: string;
  readonly direction: 'ingress' | 'egress';
  readonly prio: number;
  readonly action?: string;
  readonly classid?: string;
  readonly parent?: string;
  readonly notes: readonly string[];
}

function handle(name: 'classid' | 'parent', v: string | undefined): TcHandle | undefined {
  if (v === undefined) return undefined;
  const r = name === 'classid' ? parseClassid(v) : parseParent(v);
  if (!r.ok) throw new TfcOptionError(`${name} '${v}' (column ${r.column}): ${r.message}`);
  return r.handle;
}

/** The placement of `o` (`defaultDev`: the device when `dev` is not given, or undefined when it is required). */
export function tcPlace(o: TcPlaceOptions, target: string, defaultDev: string | undefined): TcPlace {
  const dev = o.dev ?? defaultDev;
  if (dev === undefined) throw new TfcOptionError(`target ${target} needs dev`);
  if (!isTcDevName(dev))
    throw new TfcOptionError(`dev '${dev}': not a device name tc takes (1 to 15 of A-Z a-z 0-9 _ . @ -)`);
  const prio = o.prio ?? 1;
  if (!Number.isInteger(prio) || prio < 1 || prio > 65535)
    throw new TfcOptionError(`prio takes an integer from 1 to 65535, got ${prio}`);
  const classid = handle('classid', o.classid);
  const parent = handle('parent', o.parent);
  const notes: string[] = [];
  if (o.dev === undefined)
    notes.push(
      `no dev: the rules are for ${dev}, the trace interface: 'tfc trace --event SYS/NAME --dev ${dev}' creates it and delivers the events there as frames`,
    );
  if (parent !== undefined) {
    if (o.direction !== undefined)
      throw new TfcOptionError('parent attaches to a classful qdisc instead of clsact: no direction with it');
    if (o.clsact)
      throw new TfcOptionError('clsact adds the clsact hook; parent attaches to a classful qdisc instead');
    const maj = parent.major.toString(16);
    if (classid === undefined)
      throw new TfcOptionError(
        `parent ${parent.text} needs a classid ${maj}:MIN: the class matching frames go to`,
      );
    if (classid.major !== parent.major)
      throw new TfcOptionError(
        `classid ${classid.text} is not a class of qdisc ${maj}: (parent ${parent.text})`,
      );
  } else if (classid !== undefined)
    notes.push(
      `on the clsact hook classid ${classid.text} only ends classification; to queue matching frames in class ${classid.text}, attach the rules to its qdisc with --parent ${classid.major.toString(16)}:`,
    );
  return {
    dev,
    direction: o.direction ?? 'ingress',
    prio,
    notes,
    ...(o.action !== undefined ? { action: o.action } : {}),
    ...(classid !== undefined ? { classid: classid.text } : {}),
    ...(parent !== undefined ? { parent: parent.text } : {}),
  };
}
