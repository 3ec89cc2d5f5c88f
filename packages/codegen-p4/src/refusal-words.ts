/*
 * The decision list's Refusals in the P4 target's words: what a TCAM key cannot match, with the `p4-` code.
 * Invariants: one message per refusal kind, worded only here (u32 and flower word their own); messages quote the
 * refused leaf in the IR's text form; an IR diagnostic passes through with its own code and message.
 */
import type { Refusal } from '@tfc/decision-list';

export interface P4Diagnostic {
  readonly code: string;
  readonly message: string;
}

export function p4Diagnostic(r: Refusal): P4Diagnostic {
  switch (r.kind) {
    case 'leaf':
      return { code: `p4-${r.code}`, message: `${r.construct} cannot be matched by a TCAM key: ${r.leaf}` };
    case 'unplaced-offset':
      return {
        code: 'p4-computed-offset',
        message: `a load at a computed offset cannot be matched by a TCAM key without a header model: ${r.leaf}`,
      };
    case 'unparsed':
      return {
        code: 'p4-unparsed',
        message: `${r.where} lie outside the headers the ${r.model} parser extracts (${r.headers.join(', ')}): ${r.leaf}`,
      };
    case 'parse-context':
      return {
        code: 'p4-parse-context',
        message: `${r.where} are read where no header the parser extracts on this path is known to hold them (those bytes belong to ${r.holders.join(' or ')} only when the path establishes its EtherType, protocol and fragment offset; a third VLAN tag, MPLS and other encapsulations are not parsed, nor payload past a transport header, and after libpcap's 'vlan' the shifted offsets also apply to untagged frames on the other side of an 'or'): ${r.leaf}`,
      };
    case 'limit':
      return { code: `p4-${r.code}`, message: r.message };
    case 'ir':
      return { code: r.diagnostic.code, message: r.diagnostic.message };
  }
}
