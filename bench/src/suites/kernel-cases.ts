/*
 * The kernel suite's cases (pure, no kernel): OR series of 1, 4, 16, 64 and 256 equality predicates on one field of
 * each timed event, each accepting nothing or half of its hits, plus lseek's range and mixed filters.
 *   lseek      syscalls:sys_enter_lseek, field `offset`: lseek(1000, V, SEEK_SET) from the workload
 *   kfree_skb  skb:kfree_skb, field `protocol`: an Ethernet frame of ethertype V dropped on a private loopback
 * Invariants: a hit is the value of the series field (every other field is fixed by the workload); `miss` is held
 * by no predicate of any series; an accept-half case alternates `miss` with the value of one predicate (the one
 * 5/8 along the series), so exactly half of its hits are accepted; every filter is under the kernel's 4,096-byte
 * filter write limit; kfree_skb's values are ethertypes ≥ 0x600 with no protocol handler on this machine (IPv4,
 * ARP and IPv6 are 2048, 2054 and 34525, all outside 3000..6328).
 */

export interface SeriesEvent {
  /** The event's short name, which prefixes its cases. */
  readonly name: 'lseek' | 'kfree_skb';
  readonly group: string;
  readonly event: string;
  /** The field the OR series compares. */
  readonly field: string;
  /** A value no predicate of a series holds. */
  readonly miss: bigint;
  /** The i-th predicate's value. */
  readonly value: (i: number) => bigint;
}

export const LSEEK: SeriesEvent = {
  name: 'lseek',
  group: 'syscalls',
  event: 'sys_enter_lseek',
  field: 'offset',
  miss: 0n,
  value: (i) => BigInt(1 + i * 13),
};

export const KFREE_SKB: SeriesEvent = {
  name: 'kfree_skb',
  group: 'skb',
  event: 'kfree_skb',
  field: 'protocol',
  miss: 3000n,
  value: (i) => BigInt(3001 + i * 13),
};

export const SERIES_SIZES = [1, 4, 16, 64, 256] as const;

export interface KernelCase {
  readonly name: string;
  readonly event: SeriesEvent;
  readonly filter: string;
  /** The series field's value of each hit, in turn. */
  readonly hits: readonly bigint[];
  /** Hits of a 64-hit check loop each engine must accept. */
  readonly accepts: number;
}

export function orFilter(ev: SeriesEvent, n: number): string {
  return Array.from({ length: n }, (_, i) => `${ev.field}==${ev.value(i)}`).join('||');
}

/** The predicate an accept-half case's hits match: 5/8 along the series (40 of 64, the first of 1). */
export const halfIndex = (n: number): number => Math.floor((n * 5) / 8);

function series(ev: SeriesEvent): KernelCase[] {
  return SERIES_SIZES.flatMap((n) => [
    { name: `${ev.name}-or-${n}`, event: ev, filter: orFilter(ev, n), hits: [ev.miss], accepts: 0 },
    {
      name: `${ev.name}-or-${n}-accept-half`,
      event: ev,
      filter: orFilter(ev, n),
      hits: [ev.miss, ev.value(halfIndex(n))],
      accepts: 32,
    },
  ]);
}

export function kernelCases(): KernelCase[] {
  return [
    ...series(LSEEK),
    {
      name: 'lseek-range',
      event: LSEEK,
      filter: '(offset >= 4096 && offset < 1048576) || (fd > 100 && fd <= 200) || whence > 4',
      hits: [LSEEK.miss],
      accepts: 0,
    },
    {
      name: 'lseek-mixed',
      event: LSEEK,
      filter:
        '(fd == 3 && whence == 2) || (offset > 1000000 && comm == "nosuch") || common_pid == 1 || ' +
        '(whence & 8 && comm ~ "tfc*") || fd < 3',
      hits: [LSEEK.miss],
      accepts: 0,
    },
    ...series(KFREE_SKB),
  ];
}
