// `--emit entries-json`: the target-neutral form of a decision list shared by the P4 and u32 back ends.
// Invariants: keys in list order with frame offsets (−1 when a header has no fixed offset); with a header model a
// field key also names its `header` and `headerOffset`, and a header's validity bit is a key with
// `source: "header-valid"` (1 = extracted); entries in descending priority (higher wins);
// values, masks and bounds as lowercase hex strings (`0x…`); don't-care keys omitted; default "miss";
// output is deterministic (fixed property order, two-space indentation, trailing newline).
import type { DecisionList } from '@tfc/decision-list';

const hex = (v: bigint): string => `0x${v.toString(16)}`;

export function entriesJsonObject(list: DecisionList): unknown {
  return {
    keys: list.keys.map((k) => {
      if (k.kind === 'length') return { name: k.name, source: 'frame-length', bits: k.bits, match: k.match };
      if (k.kind === 'valid')
        return { name: k.name, source: 'header-valid', header: k.header, bits: 1, match: k.match };
      const o = { name: k.name, offset: k.offset, bits: k.bits, byteOrder: k.byteOrder, match: k.match };
      return k.header === undefined ? o : { ...o, header: k.header, headerOffset: k.headerOffset };
    }),
    entries: list.entries.map((e) => ({
      priority: e.priority,
      match: Object.fromEntries(
        e.match.map(([name, m]) => [
          name,
          m.kind === 'ternary'
            ? { value: hex(m.value), mask: hex(m.mask) }
            : { low: hex(m.low), high: hex(m.high) },
        ]),
      ),
      action: e.action,
    })),
    default: list.default,
  };
}

export function emitEntriesJson(list: DecisionList): string {
  return `${JSON.stringify(entriesJsonObject(list), null, 2)}\n`;
}
