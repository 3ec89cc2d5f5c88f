// Public entry points of the pcap-filter front end: parse (text → AST) and compile (text → IR).
// Invariants: never throws for any input string; every failure is a diagnostic with a span; output
// is deterministic; the IR is left unoptimised (callers run @tfc/ir's runPasses) and never nests
// deeper than the IR's MAX_DEPTH.
import { type Filter, filter, MAX_DEPTH, type Pred } from '@tfc/ir';
import type { Expr } from './ast.ts';
import { diag, type PcapDiagnostic, PcapFail } from './diagnostics.ts';
import { PCAP_DIALECTS, type PcapVersion } from './dialect.ts';
import { initialEncap, type LinkType } from './encap.ts';
import { lex } from './lexer.ts';
import { lowerFilter } from './lower.ts';
import type { PcapCapture } from './lower-vlan-live.ts';
import type { NameDb } from './names/db.ts';
import { parseIPv6 } from './numbers.ts';
import { parseTokens } from './parser.ts';

export interface PcapOptions {
  /** The link type (linktypes.ts: EN10MB 'ethernet', RAW 'raw', IPV4, IPV6, LINUX_SLL, LINUX_SLL2,
   *  IEEE802_11, IEEE802_11_RADIO); `linkTypeByName` reads libpcap's names. */
  readonly linktype: LinkType;
  /**
   * false (default): libpcap's meaning — each `vlan`/`mpls` shifts the offsets of everything after it
   * in the text. true: the shift applies only along the `and` chain it is part of; it does not flow
   * out of an `or` operand or a `not` (so `vlan and ip or ip` tests the second `ip` untagged).
   */
  readonly scopedEncap?: boolean;
  /** Names (hosts, networks, services, protocols, ethers) as /etc holds them; without it only libpcap's
   *  built-in names resolve. Compiling never reads files or the network itself. */
  readonly names?: NameDb;
  /** The capture's IPv4 netmask (pcap_compile's netmask argument) for `ip broadcast`; default unknown. */
  readonly netmask?: number;
  /** The libpcap version whose semantics apply (dialect.ts): '1.10' (default, libpcap 1.10.3) or 'current'. */
  readonly pcapVersion?: PcapVersion;
  /** The capture the program is for: 'offline' (default: a savefile, libpcap's pcap_open_dead code) or
   *  'linux-live' (libpcap's code for a live Linux capture: `vlan` reads the kernel's VLAN metadata). */
  readonly capture?: PcapCapture;
}

export type ParseOutcome =
  | { readonly ok: true; readonly ast: Expr | undefined }
  | { readonly ok: false; readonly diagnostics: readonly PcapDiagnostic[] };

export type CompileOutcome =
  | { readonly ok: true; readonly ir: Filter }
  | { readonly ok: false; readonly diagnostics: readonly PcapDiagnostic[] };

function caught(e: unknown, text: string): readonly PcapDiagnostic[] {
  if (e instanceof PcapFail) return [e.diagnostic];
  if (e instanceof RangeError)
    return [diag('depth', 'expression too deeply nested', { start: 0, end: text.length })];
  throw e;
}

export function parsePcap(text: string): ParseOutcome {
  const toks = lex(text, (s) => parseIPv6(s) !== undefined);
  if (!toks.ok) return { ok: false, diagnostics: [toks.diagnostic] };
  try {
    return { ok: true, ast: parseTokens(toks.value) };
  } catch (e) {
    return { ok: false, diagnostics: caught(e, text) };
  }
}

/** Nesting depth of a predicate, computed without recursion. */
function predDepth(p: Pred): number {
  let max = 0;
  const stack: [Pred, number][] = [[p, 1]];
  while (stack.length > 0) {
    const [q, d] = stack.pop()!;
    if (d > max) max = d;
    if (q.kind === 'and' || q.kind === 'or') for (const a of q.args) stack.push([a, d + 1]);
    else if (q.kind === 'not') stack.push([q.arg, d + 1]);
  }
  return max;
}

export function compilePcap(text: string, options: PcapOptions): CompileOutcome {
  const parsed = parsePcap(text);
  if (!parsed.ok) return parsed;
  if (parsed.ast === undefined) return { ok: true, ir: filter({ kind: 'true' }) };
  try {
    const { body, values } = lowerFilter(
      parsed.ast,
      initialEncap(options.linktype),
      options.scopedEncap ?? false,
      {
        ...(options.names ? { names: options.names } : {}),
        ...(options.netmask !== undefined ? { netmask: options.netmask } : {}),
        ...(options.capture !== undefined ? { capture: options.capture } : {}),
      },
      PCAP_DIALECTS[options.pcapVersion ?? '1.10'],
    );
    if (predDepth(body) + 8 > MAX_DEPTH)
      return {
        ok: false,
        diagnostics: [
          diag('depth', 'expression too deeply nested for the IR', { start: 0, end: text.length }),
        ],
      };
    return { ok: true, ir: filter(body, values) };
  } catch (e) {
    return { ok: false, diagnostics: caught(e, text) };
  }
}
