// @tfc/pcap: the pcap-filter(7) front end (libpcap 1.10.3 semantics for the link types of linktypes.ts).
// Invariant: everything exported is pure and deterministic; bad input yields diagnostics, not throws.

export { type CompileOutcome, compilePcap, type ParseOutcome, type PcapOptions, parsePcap } from './api.ts';
export type { AddrQual, Arith, DirQual, Expr as PcapExpr, Id as PcapId, Qual } from './ast.ts';
export type { PcapDiagnostic, PcapErrorCode } from './diagnostics.ts';
export {
  PCAP_DIALECT_SOURCES,
  PCAP_DIALECTS,
  type PcapDialect,
  type PcapVersion,
  pcapDialectByName,
} from './dialect.ts';
export type { LinkType } from './encap.ts';
export { LINK_TYPES, type LinkTypeInfo, linkTypeByName, linkTypeInfo } from './linktypes.ts';
export { NETMASK_UNKNOWN } from './lower-broadcast.ts';
export { PCAP_CAPTURES, type PcapCapture } from './lower-vlan-live.ts';
export {
  EMPTY_NAME_DB,
  type NameDb,
  type NameFiles,
  nameDbFromFiles,
  type ServicePorts,
} from './names/db.ts';
export { EPROTO_NAMES, LLC_NAMES } from './names/resolve.ts';
export { NAMED_CONSTANTS, type Span } from './tokens.ts';
