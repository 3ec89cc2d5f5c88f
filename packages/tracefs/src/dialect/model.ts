// The kernel dialect model: every behaviour of the trace-event filter language that differs between
// kernel versions (or builds of one version), as one plain-data record. The front end, the reference
// interpreter, `check`'s rendering and every compile path read these fields; no other module decides a
// version-dependent behaviour.
// Invariants: plain immutable data (JSON-serialisable: no functions, no classes); a dialect is complete
// (every field set) — partial knowledge is expressed by deriving from a named profile (profiles.ts);
// messages are the kernel's err_text strings, byte for byte.

/** The kernel's filter error texts, by the role they play in the parser (err_text[] of trace_events_filter.c). */
export interface FilterMessages {
  readonly invalidOp: string;
  readonly tooManyOpen: string;
  readonly tooManyClose: string;
  readonly missingQuote: string;
  readonly missingBraceOpen: string;
  readonly missingBraceClose: string;
  readonly operandTooLong: string;
  readonly expectString: string;
  readonly expectDigit: string;
  readonly illegalFieldOp: string;
  readonly fieldNotFound: string;
  readonly illegalIntval: string;
  readonly tooManyPreds: string;
  /** FILT_ERR_INVALID_FILTER; builds that reject a trailing operator print it. */
  readonly meaningless: string;
  readonly invalidCpulist: string;
  readonly invalidValue: string;
  readonly noFunction: string;
  readonly noFilter: string;
  /** The word printed for an error without a specific message (`Error: (0)` in the filter file). */
  readonly bare: string;
}

/** The pseudo-fields the filter resolves by name on every event (trace_events.c's generic fields). */
export type GenericFieldName = 'CPU' | 'cpu' | 'common_cpu' | 'COMM' | 'comm' | 'stacktrace' | 'STACKTRACE';

/** How a dialect became known. */
export type DialectBasis =
  /** Every behaviour was observed on a running kernel of this build by tfc's differential suites. */
  | 'verified-live'
  /** Read from the kernel's source history at that version (docs/trace-filters.md cites the commits). */
  | 'from-source'
  /** Built now from probes of the running kernel (behaviours not probed are taken from the nearest profile). */
  | 'probed';

export interface FilterDialect {
  /** Profile name (`6.18`, `6.12`, …) or, for a probed unknown build, `live:<release>`. */
  readonly name: string;
  /** The kernel this describes, for humans: `Linux 6.18.44 (build fc-v1272)`. */
  readonly kernel: string;
  readonly basis: DialectBasis;
  /**
   * A filter that ends in `&&`, `||` (optionally followed by `!`s) after a complete expression:
   * 'tolerated' (the operator is ignored; every mainline kernel since the 4.17 rewrite) or 'rejected'
   * (EINVAL, "Meaningless filter expression", caret one past the end).
   */
  readonly trailingOperator: 'tolerated' | 'rejected';
  /** `FIELD.ustring` (user-space `char *`; 5.17) and `FIELD.function` (symbol ranges; 6.3). */
  readonly suffixes: { readonly ustring: boolean; readonly function: boolean };
  /** `CPUS{list}` literals and cpumask fields (6.6). */
  readonly cpusLiterals: boolean;
  /** Pseudo-fields resolved on every event, in the kernel's lookup order. */
  readonly genericFields: readonly GenericFieldName[];
  /**
   * Where `~` glob matching stops reading a string: 'field-length' (the 2026 fix "Prevent out-of-bounds
   * read in glob matching": at the field's length or a NUL; a zero-length locator is the empty string)
   * or 'nul' (earlier: only at a NUL, so a full char[N] without NUL is read past its end).
   */
  readonly globBound: 'field-length' | 'nul';
  /** Writes of this many bytes or more fail with EINVAL before parsing (PAGE_SIZE). */
  readonly maxWriteBytes: number;
  /**
   * `==`/`!=` on a string with a known length shorter than the pattern: 'strncmp' compares only `len` bytes (a
   * field without NUL whose bytes start the pattern matches); 'length-checked' is false (the 2026 fix
   * "Fix false positive match in regex_match_full()").
   */
  readonly fullMatch: 'strncmp' | 'length-checked';
  /**
   * tracing/error_log: the caret position's width (u8 before 5.18, so positions wrap at 256; u16 since) and the
   * buffer the `Command:` lines are printed into (256 bytes before 5.18, cutting long filters; unlimited since).
   */
  readonly errorLog: { readonly positionBits: 8 | 16; readonly commandBuffer: number | null };
  readonly messages: FilterMessages;
}

/** Behaviours a dialect can be probed for on a live kernel (see probes.ts), by FilterDialect field path. */
export type DialectBehaviour =
  | 'trailingOperator'
  | 'suffixes.ustring'
  | 'suffixes.function'
  | 'cpusLiterals'
  | 'genericFields.common_cpu'
  | 'genericFields.stacktrace'
  | 'globBound'
  | 'maxWriteBytes'
  | 'fullMatch';
