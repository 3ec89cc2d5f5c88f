// Drop reason names from BTF's `enum skb_drop_reason`: `SKB_DROP_REASON_NO_SOCKET` = 3 becomes `NO_SOCKET`.
// Invariants: pure; an unknown value renders as its number; the table is built once per BTF table.
import { type BtfTable, btfEnumMembers } from '../sys/btf.ts';

export type DropReasonNames = ReadonlyMap<number, string>;

/** value → short name (prefix `SKB_DROP_REASON_` removed); empty when BTF has no such enum. */
export function dropReasonNames(table: BtfTable): DropReasonNames {
  const out = new Map<number, string>();
  for (const v of btfEnumMembers(table, 'skb_drop_reason')) {
    const n = Number(v.value);
    if (!out.has(n)) out.set(n, v.name.replace(/^SKB_DROP_REASON_/, ''));
  }
  return out;
}

/** The name of `reason`, or its decimal value when unnamed. */
export function dropReasonName(names: DropReasonNames, reason: number): string {
  return names.get(reason) ?? String(reason);
}
