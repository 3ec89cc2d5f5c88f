// JSON form of the IR: the plain-data nodes as they are, with every bigint written as the string
// "<digits>n" (JSON has no 64-bit integers). Invariants: filterFromJson(filterToJson(f)) is structurally
// equal to f; output is deterministic (keys in the order the constructors create them); input errors
// (bad JSON, wrong shapes) come back as diagnostics from the parser or verify(), never as exceptions.
import type { Filter, IrDiagnostic } from './types.ts';
import { verify } from './verify.ts';

const BIGINT = /^(0|[1-9][0-9]*)n$/;

export function filterToJson(f: Filter, indent?: number): string {
  return JSON.stringify(f, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v), indent);
}

export type JsonResult =
  | { readonly ok: true; readonly filter: Filter }
  | { readonly ok: false; readonly diagnostics: readonly IrDiagnostic[] };

export function filterFromJson(text: string): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text, (_k, v: unknown) =>
      typeof v === 'string' && BIGINT.test(v) ? BigInt(v.slice(0, -1)) : v,
    );
  } catch (e) {
    return {
      ok: false,
      diagnostics: [{ severity: 'error', code: 'json', message: (e as Error).message, at: 'json' }],
    };
  }
  const o = value as Partial<Filter> | null;
  if (
    o === null ||
    typeof o !== 'object' ||
    o.kind !== 'filter' ||
    !Array.isArray(o.values) ||
    typeof o.body !== 'object' ||
    o.body === null
  )
    return {
      ok: false,
      diagnostics: [{ severity: 'error', code: 'json', message: 'not a filter object', at: 'json' }],
    };
  const f = o as Filter;
  try {
    const d = verify(f);
    return d.length > 0 ? { ok: false, diagnostics: d } : { ok: true, filter: f };
  } catch (e) {
    // verify() trusts node shapes below `kind`; malformed JSON objects can still trip it.
    return {
      ok: false,
      diagnostics: [
        { severity: 'error', code: 'json', message: `malformed IR: ${(e as Error).message}`, at: 'json' },
      ],
    };
  }
}
