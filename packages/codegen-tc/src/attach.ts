/*
 * Where a tc batch's filters attach and what a matching rule does, shared by the u32, flower and cls_bpf batches:
 * the clsact hook of a direction (`ingress`/`egress`) or a classful qdisc or class (`parent MAJ:[MIN]`), and the
 * hit text (`classid MAJ:MIN`, then the user's action). Invariants: a parent or class id that classid.ts refuses
 * is a diagnostic (code `parent`/`classid`) naming the column and the reason, never an exception; the hook text is
 * one iproute2 argument pair or word, the hit text never empty.
 */
import { parseClassid, parseParent } from './classid.ts';

export interface AttachOptions {
  readonly direction: 'ingress' | 'egress';
  /** A classful qdisc or class (`1:`, `1:10`): the rules join its filter chain instead of clsact's. */
  readonly parent?: string;
  /** The class a matching rule selects (`classid MAJ:MIN`; u32 also calls it flowid). */
  readonly classid?: string;
  /** Appended after the class id. */
  readonly action?: string;
}

export interface AttachDiagnostic {
  readonly severity: 'error';
  readonly code: string;
  readonly message: string;
}

/** Diagnostics for a parent and class id that tc would refuse or misread. */
export function handleDiagnostics(o: Pick<AttachOptions, 'parent' | 'classid'>): AttachDiagnostic[] {
  const out: AttachDiagnostic[] = [];
  if (o.parent !== undefined) {
    const p = parseParent(o.parent);
    if (!p.ok)
      out.push({
        severity: 'error',
        code: 'parent',
        message: `invalid parent '${o.parent}' (column ${p.column + 1}): ${p.message}`,
      });
  }
  if (o.classid !== undefined) {
    const c = parseClassid(o.classid);
    if (!c.ok)
      out.push({
        severity: 'error',
        code: 'classid',
        message: `invalid classid '${o.classid}' (column ${c.column + 1}): ${c.message}`,
      });
  }
  return out;
}

/** `parent MAJ:[MIN]` or the clsact direction. */
export function hookText(o: Pick<AttachOptions, 'direction' | 'parent'>): string {
  return o.parent !== undefined ? `parent ${o.parent}` : o.direction;
}

/** What a matching rule carries: `classid C` and/or the action, else `dflt`. */
export function hitText(o: Pick<AttachOptions, 'classid' | 'action'>, dflt: string): string {
  const parts: string[] = [];
  if (o.classid !== undefined) parts.push(`classid ${o.classid}`);
  if (o.action !== undefined) parts.push(o.action.trim());
  return parts.length > 0 ? parts.join(' ') : dflt;
}
