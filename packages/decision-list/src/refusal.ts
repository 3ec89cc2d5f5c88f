/*
 * Refusals: why no decision list can express a filter, as data. The builder never words a reason for a target:
 * each target (P4 tables, u32 knodes, flower filters) turns a Refusal into its own message.
 * Invariants: plain data; `code` is target-neutral (a target may prefix it, e.g. P4's `p4-arith`); `leaf` is the
 * refused IR leaf in the IR's text form (printPred), so a message can quote it; an `ir` refusal carries a
 * diagnostic of @tfc/ir (the decision DAG) unchanged.
 */
import type { IrDiagnostic } from '@tfc/ir';

export type Refusal =
  /** One leaf no key can express: `construct` names what in it (e.g. "arithmetic '+'"). */
  | { readonly kind: 'leaf'; readonly code: string; readonly construct: string; readonly leaf: string }
  /** A load at a computed offset and no header model to place it (keys are frame bytes at fixed offsets). */
  | { readonly kind: 'unplaced-offset'; readonly code: 'computed-offset'; readonly leaf: string }
  /** Bytes outside every header the model's parser extracts. */
  | {
      readonly kind: 'unparsed';
      readonly code: 'unparsed';
      /** The bytes read, in words ("frame bytes 60..61"). */
      readonly where: string;
      readonly model: string;
      readonly headers: readonly string[];
      readonly leaf: string;
    }
  /** Bytes that belong to a parsed header only on paths that establish it, read where none is established. */
  | {
      readonly kind: 'parse-context';
      readonly code: 'parse-context';
      readonly where: string;
      /** The headers that may hold the bytes. */
      readonly holders: readonly string[];
      readonly leaf: string;
    }
  /** A limit or an internal condition of the builder, in neutral words. */
  | { readonly kind: 'limit'; readonly code: string; readonly message: string }
  /** A diagnostic of @tfc/ir (building the decision DAG). */
  | { readonly kind: 'ir'; readonly diagnostic: IrDiagnostic };
