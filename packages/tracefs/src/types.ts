// Plain data types describing tracefs event formats.
// Invariants: every value is immutable plain data (no classes, no methods); offsets and sizes are
// byte counts taken verbatim from the kernel's `format` file; `kind` is derived only from the type
// text (see classify.ts) or, for generic pseudo-fields, fixed by the kernel.

export type FieldKind =
  | 'other'
  | 'dyn_string'
  | 'rdyn_string'
  | 'static_string'
  | 'ptr_string'
  | 'cpumask'
  | 'cpu'
  | 'comm'
  | 'stacktrace';

export interface FormatField {
  readonly name: string;
  /** Type text as the kernel registered it, array suffix attached: `char[16]`, `__data_loc char[]`, `u8[]`. */
  readonly type: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
  /** True for the common header fields (above the blank line in `format`). */
  readonly common: boolean;
  readonly kind: FieldKind;
  /** Element count of a fixed array (`char comm[16]` → 16); absent for scalars and `[]`. */
  readonly arrayLength?: number;
}

export interface EventFormat {
  readonly system: string;
  readonly name: string;
  readonly id: number;
  readonly fields: readonly FormatField[];
  readonly printFmt?: string;
}
