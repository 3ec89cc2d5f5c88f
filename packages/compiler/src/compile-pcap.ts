/*
 * compilePcapFilter(): a libpcap filter expression to classic or extended BPF for packets, as the list of its
 * stages — the pcap front end (libpcap 1.10 semantics), the passes, the BPF target — run once by the driver.
 * Invariants: pure and deterministic; never touches the kernel; diagnostics carry the expression's spans (at most
 * five shown); a read past the packet's end rejects the packet (libpcap's abort), which the code generators honour
 * on every path.
 */
import type { BpfFeatures, ProgramSpec } from '@tfc/codegen-bpf';
import type { LinkType, NameDb, PcapCapture, PcapVersion } from '@tfc/pcap';
import { bpfResult, type CompileResult } from './compile.ts';
import { summarize, summarized } from './diagnostic.ts';
import { drive } from './driver/drive.ts';
import type { FrontResult } from './driver/stages.ts';
import { pcapFront } from './front/pcap.ts';
import { type OptLevel, optimizationPlan, type ProgType, type Target } from './options.ts';
import { bpfTarget } from './targets/bpf.ts';

export { type NameDb, type NameFiles, nameDbFromFiles } from '@tfc/pcap';

/** What the pcap front end knows of the capture beyond the text: names as /etc holds them (without them
 *  only libpcap's built-in names resolve) and the IPv4 netmask (`ip broadcast`). */
export interface PcapEnv {
  readonly names?: NameDb;
  readonly netmask?: number;
}

export interface PcapCompileRequest {
  readonly filter: string;
  /** A link type of @tfc/pcap's linktypes.ts (`linkTypeByName` reads libpcap's names). */
  readonly linktype: LinkType;
  /** The libpcap version whose semantics apply: '1.10' (default, libpcap 1.10.3) or 'current'. */
  readonly pcapVersion?: PcapVersion;
  /** vlan/mpls/pppoes/geneve shift only their own `and` chain instead of the rest of the expression. */
  readonly scopedEncap?: boolean;
  /** The capture the program is for: 'offline' (default; libpcap's savefile code) or 'linux-live' (libpcap's code
   *  for a live Linux capture: `vlan` reads the kernel's VLAN metadata, the IR's vlan_present / vlan_tci). */
  readonly capture?: PcapCapture;
  readonly env?: PcapEnv;
  readonly target: Target;
  /** eBPF program type (default socket). */
  readonly progType?: ProgType;
  readonly onMatch?: number;
  readonly onMiss?: number;
  readonly optimize?: OptLevel;
  readonly dumpAfter?: string;
  readonly setLookup?: 'search' | 'map';
  /** eBPF: the target kernel's features (may_goto; default the newest kernels'). */
  readonly bpfFeatures?: BpfFeatures;
}

/** The pcap front end alone: a filter's IR for one link type (what the evaluator judges). */
export {
  compilePcap,
  LINK_TYPES,
  type LinkType,
  linkTypeByName,
  PCAP_CAPTURES,
  type PcapCapture,
  type PcapVersion,
} from '@tfc/pcap';

export function compilePcapFilter(req: PcapCompileRequest): CompileResult {
  const plan = optimizationPlan(req.optimize);
  return bpfResult(
    drive<ProgramSpec>({
      front: () =>
        summarizedFront(
          pcapFront({
            filter: req.filter,
            options: {
              linktype: req.linktype,
              ...(req.pcapVersion !== undefined ? { pcapVersion: req.pcapVersion } : {}),
              ...(req.scopedEncap !== undefined ? { scopedEncap: req.scopedEncap } : {}),
              ...(req.capture !== undefined ? { capture: req.capture } : {}),
              ...req.env,
            },
          }),
        ),
      plan,
      dumpAfter: req.dumpAfter,
      target: (optimized) =>
        summarized(
          bpfTarget.run(optimized, {
            target: req.target,
            ctx: 'packet',
            plan,
            progType: req.progType,
            onMatch: req.onMatch,
            onMiss: req.onMiss,
            setLookup: req.setLookup,
            bpfFeatures: req.bpfFeatures,
          }),
        ),
    }),
  );
}

function summarizedFront(r: FrontResult): FrontResult {
  return r.ok ? r : { ...r, diagnostics: summarize(r.diagnostics) };
}
