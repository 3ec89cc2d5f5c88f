// The kernel's filter error texts (err_text[] of kernel/trace/trace_events_filter.c), by the role they play in
// the parser. The wording has not changed since the 4.17 rewrite; later kernels only added entries (the CPUS{}
// and .function ones in 6.3/6.6), which older profiles never print because their parsers lack those paths.
// Invariant: byte-exact kernel strings; plain data (imported by the profiles and by errors.ts).

export const FILTER_MESSAGES = {
  invalidOp: 'Invalid operator',
  tooManyOpen: "Too many '('",
  tooManyClose: "Too few '('",
  missingQuote: 'Missing matching quote',
  missingBraceOpen: "Missing '{'",
  missingBraceClose: "Missing '}'",
  operandTooLong: 'Operand too long',
  expectString: 'Expecting string field',
  expectDigit: 'Expecting numeric field',
  illegalFieldOp: 'Illegal operation for field type',
  fieldNotFound: 'Field not found',
  illegalIntval: 'Illegal integer value',
  tooManyPreds: 'Too many terms in predicate expression',
  meaningless: 'Meaningless filter expression',
  invalidCpulist: 'Invalid cpulist',
  invalidValue: 'Invalid value (did you forget quotes)?',
  noFunction: 'Function not found',
  noFilter: 'No filter found',
  bare: 'Error',
} as const;
