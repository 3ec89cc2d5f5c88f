/*
 * What the tc table targets (u32, flower) read: the optimised IR and the frames it is for.
 * Invariants: `covered` is empty for packets (pcap) and lists the events of trace frames; `minFrameLength` is the
 * length every frame in the contract has (0 for packets: the list adds length exclusions itself).
 */
import type * as ir from '@tfc/ir';
import type { EventFormat } from '@tfc/tracefs';

export interface TcInput {
  readonly ir: ir.Filter;
  readonly covered: readonly EventFormat[];
  readonly minFrameLength: number;
}
