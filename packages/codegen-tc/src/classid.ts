/*
 * tc handles as the user writes them: a class id `MAJ:MIN` (`--classid`: where a matching rule puts a frame) and a
 * filter's attach point `MAJ:` or `MAJ:MIN` (`--parent`: a classful qdisc or one of its classes, instead of clsact).
 * Invariants: both halves are hexadecimal, 1 to 4 digits, as iproute2's get_tc_classid reads them; a class id
 * names a class, so neither half is 0 (major 0 is no qdisc, minor 0 is the qdisc itself, which htb reads as
 * "bypass shaping"); an error carries the 0-based column of the offending character and says why, never throws;
 * the normalized text is lower case without leading zeros, the way `tc class show` prints handles.
 */

export interface TcHandle {
  readonly major: number;
  readonly minor: number;
  /** `maj:min` (a parent `maj:` keeps minor 0 and prints as `maj:`). */
  readonly text: string;
}

export type HandleResult =
  | { readonly ok: true; readonly handle: TcHandle }
  | { readonly ok: false; readonly column: number; readonly message: string };

const HEX = /^[0-9a-fA-F]$/;

function half(
  s: string,
  from: number,
  what: string,
): { ok: true; value: number } | { ok: false; column: number; message: string } {
  if (s.length === 0) return { ok: false, column: from, message: `${what} is missing (1 to 4 hex digits)` };
  for (let i = 0; i < s.length; i++)
    if (!HEX.test(s[i] as string))
      return {
        ok: false,
        column: from + i,
        message: `${what} must be hexadecimal (0-9, a-f), not '${s[i]}'`,
      };
  if (s.length > 4)
    return { ok: false, column: from + 4, message: `${what} has more than 4 hex digits (at most ffff)` };
  return { ok: true, value: Number.parseInt(s, 16) };
}

function split(
  text: string,
  kind: string,
): { maj: string; min: string } | { column: number; message: string } {
  const colon = text.indexOf(':');
  if (colon < 0)
    return {
      column: text.length,
      message: `a ${kind} is MAJ:MIN in hex (e.g. 1:10), the ':' is missing`,
    };
  const second = text.indexOf(':', colon + 1);
  if (second >= 0) return { column: second, message: `a ${kind} has one ':'` };
  return { maj: text.slice(0, colon), min: text.slice(colon + 1) };
}

/** `--classid MAJ:MIN`: the class a matching rule selects. */
export function parseClassid(text: string): HandleResult {
  const s = split(text, 'class id');
  if ('column' in s) return { ok: false, ...s };
  const maj = half(s.maj, 0, 'the major number (the qdisc handle)');
  if (!maj.ok) return maj;
  const min = half(s.min, s.maj.length + 1, 'the minor number (the class)');
  if (!min.ok) return min;
  if (maj.value === 0)
    return {
      ok: false,
      column: 0,
      message: 'major 0 names no qdisc; use the handle of the classful qdisc (e.g. 1:)',
    };
  if (min.value === 0)
    return {
      ok: false,
      column: s.maj.length + 1,
      message: `minor 0 names the qdisc ${maj.value.toString(16)}: itself, not one of its classes (htb sends such frames past its shaping)`,
    };
  return {
    ok: true,
    handle: {
      major: maj.value,
      minor: min.value,
      text: `${maj.value.toString(16)}:${min.value.toString(16)}`,
    },
  };
}

/** `--parent MAJ:` or `MAJ:MIN`: the classful qdisc (or class) whose filter chain the rules join. */
export function parseParent(text: string): HandleResult {
  const s = split(text, 'parent');
  if ('column' in s) return { ok: false, ...s };
  const maj = half(s.maj, 0, 'the major number (the qdisc handle)');
  if (!maj.ok) return maj;
  if (maj.value === 0 || maj.value === 0xffff)
    return {
      ok: false,
      column: 0,
      message:
        maj.value === 0
          ? 'major 0 names no qdisc; give the classful qdisc handle (tc qdisc show lists them, e.g. 1:)'
          : 'ffff: is the ingress/clsact qdisc; use --ingress or --egress for it',
    };
  if (s.min === '')
    return { ok: true, handle: { major: maj.value, minor: 0, text: `${maj.value.toString(16)}:` } };
  const min = half(s.min, s.maj.length + 1, 'the minor number (a class)');
  if (!min.ok) return min;
  const text2 = `${maj.value.toString(16)}:${min.value === 0 ? '' : min.value.toString(16)}`;
  return { ok: true, handle: { major: maj.value, minor: min.value, text: text2 } };
}

/**
 * A handle error as two lines: `--OPTION TEXT`, then a caret under the offending column followed by the reason.
 * `indent` is the width of whatever precedes the first line (`tfc: `).
 */
export function renderHandleError(
  option: string,
  text: string,
  e: { readonly column: number; readonly message: string },
  indent = 0,
): string {
  return `--${option} ${text}\n${' '.repeat(indent + option.length + 3 + e.column)}^ ${e.message}`;
}
