/*
 * A model of cls_u32's classify (net/sched/cls_u32.c u32_classify, targets-spec §1.2, §1.4, §1.9) for one prio of
 * tfc's rules, on an ingress skb whose data starts at the network header (skb->len = frame length − linkOffset):
 *  - `protocol` selects by EtherType; the root table's knodes run in node order (the rules' order);
 *  - a key reads the big-endian word at off + at (+ off2 with nexthdr) and stops the knode at the first mismatch;
 *    a read past the end aborts the whole prio (no match, whatever other knodes or the stack say);
 *  - a matching knode without a link: terminal (`hit`) is the verdict, a non-terminal one is skipped;
 *  - a matching knode with a link pushes (knode, off) (depth ≤ 8, deeper is "no match"), computes
 *    off2 = (plus + 3 [+ (be16 at off + at & mask) >> shift]) & ~3 when it has `plus` or `at/mask/shift` (else
 *    off2 stays; the 2-byte read aborts out of bounds), with eat off += off2 and off2 = 0, and runs the linked table from its first knode only while off < skb->len; a table
 *    that ends, or is not entered, pops: off comes back (off2 does not), and a terminal linking knode is the
 *    verdict, else the parent table goes on after it;
 *  - linked tables have divisor 1 (one bucket, no hash read).
 * Invariants: pure; bytes before the frame start (headroom) read as zero and are only ever under a zero mask.
 */
import type { U32Knode, U32Rules } from './u32.ts';

/** TC_U32_MAXDEPTH */
const MAX_DEPTH = 8;

const NO_KEYS = [{ value: 0, mask: 0, at: -4 }] as const;

export function evaluateU32(rules: U32Rules, frame: Uint8Array): 'hit' | 'miss' {
  if (rules.protocol !== 'all') {
    if (frame.length < 14) return 'miss';
    if (((frame[12]! << 8) | frame[13]!) !== Number(rules.protocol)) return 'miss';
  }
  const tables = new Map<number, U32Knode[]>();
  for (const k of rules.knodes) {
    const t = k.table ?? 0;
    const list = tables.get(t) ?? [];
    list.push(k);
    tables.set(t, list);
  }
  const len = frame.length - rules.linkOffset;
  /** The bytes at network offset p…p+n−1 as a big-endian number, or undefined past the end. */
  const read = (p: number, n: number): number | undefined => {
    if (p + n > len) return undefined;
    let w = 0;
    for (let i = 0; i < n; i++) {
      const at = rules.linkOffset + p + i;
      w = w * 256 + (at >= 0 ? frame[at]! : 0);
    }
    return w;
  };
  let off = 0;
  let off2 = 0;
  const stack: { table: number; index: number; off: number }[] = [];
  let table = 0;
  let index = 0;
  for (;;) {
    const list = tables.get(table) ?? [];
    const n = list[index];
    if (n !== undefined) {
      let all = true;
      for (const key of n.keys.length > 0 ? n.keys : NO_KEYS) {
        const w = read(off + key.at + ('nexthdr' in key && key.nexthdr === true ? off2 : 0), 4);
        if (w === undefined) return 'miss';
        if (((w ^ key.value) & key.mask) >>> 0 !== 0) {
          all = false;
          break;
        }
      }
      if (!all) {
        index++;
        continue;
      }
      if (n.link === undefined) {
        if (n.kind === 'hit') return 'hit';
        index++;
        continue;
      }
      if (stack.length >= MAX_DEPTH) return 'miss';
      stack.push({ table, index, off });
      const l = n.link;
      const variable = l.at !== undefined || l.mask !== undefined || l.shift !== undefined;
      if (l.plus !== undefined || variable) {
        off2 = (l.plus ?? 0) + 3;
        if (variable) {
          const h = read(off + (l.at ?? 0), 2);
          if (h === undefined) return 'miss';
          off2 += (h & (l.mask ?? 0)) >>> (l.shift ?? 0);
        }
        off2 &= ~3;
      }
      if (l.eat) {
        off += off2;
        off2 = 0;
      }
      if (off < len) {
        table = l.table;
        index = 0;
        continue;
      }
    }
    // The table ended (or was not entered): pop to the linking knode.
    const top = stack.pop();
    if (top === undefined) return 'miss';
    table = top.table;
    index = top.index;
    off = top.off;
    const parent = (tables.get(table) ?? [])[index]!;
    if (parent.kind === 'hit') return 'hit';
    index++;
  }
}
