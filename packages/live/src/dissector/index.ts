/*
 * The Wireshark side of tfc: field layouts, tfc's own record decode, and the Lua dissector generator.
 * Invariant: re-exports only.
 */
export {
  type DecodedField,
  type DecodedRecord,
  decodeField,
  decodeRecord,
  type FieldValue,
  formatValue,
} from './decode.ts';
export {
  commonAbbrev,
  eventAbbrev,
  eventLabel,
  type FieldLayout,
  fieldAbbrev,
  fieldLayout,
  type IntSize,
  type Placement,
} from './layout.ts';
export { type DissectorOptions, type DissectorResult, generateDissector } from './lua.ts';
