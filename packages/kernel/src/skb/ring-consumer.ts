// The user-space side of a BPF_MAP_TYPE_RINGBUF: reads samples out of the mapped pages and hands back the space.
// Memory: the consumer position page (mapped read-write), then the producer position page and the data area
// mapped twice in a row (read-only), so a sample that wraps the end of the area is contiguous in the mapping.
// Invariants: a sample is delivered only once its header's busy bit is clear; a discarded sample is skipped
// silently; the consumer position advances by round_up(len + 8, 8) per sample and is written back after every
// sample (the producer may reuse that space at once, so a delivered view must be copied before the callback
// returns); positions are read as aligned 64-bit loads and re-read until stable; `drain` never loops past the
// producer position it read first plus one area's worth of bytes.

import type { FdHandle } from '../sys/fd.ts';
import { type MappedRegion, MMAP, type Syscalls } from '../sys/syscalls.ts';

/** Header bits of a ring buffer sample's length word (include/uapi/linux/bpf.h). */
export const RINGBUF_BUSY_BIT = 0x80000000;
export const RINGBUF_DISCARD_BIT = 0x40000000;
export const RINGBUF_HDR_SIZE = 8;

/** The positions and data of a ring buffer, however they are backed (kernel mapping, or plain memory in tests). */
export interface RingMemory {
  /** 8 bytes at offset 0: consumer position (written by us). */
  readonly consumer: Uint8Array;
  /** 8 bytes at offset 0: producer position; from `dataOffset`, the data area twice. */
  readonly producer: Uint8Array;
  readonly dataOffset: number;
  /** Size of the data area (a power of two, the map's max_entries). */
  readonly size: number;
}

function u64At(bytes: Uint8Array): BigUint64Array {
  return new BigUint64Array(bytes.buffer, bytes.byteOffset, 1);
}

/** Reads samples out of ring memory. */
export class RingConsumer {
  readonly #mem: RingMemory;
  readonly #cons: BigUint64Array;
  readonly #prod: BigUint64Array;
  readonly #words: Uint32Array;
  readonly #mask: bigint;

  constructor(mem: RingMemory) {
    if (mem.size <= 0 || (mem.size & (mem.size - 1)) !== 0)
      throw new RangeError('ring size must be a power of two');
    if (mem.producer.byteOffset % 8 !== 0 || mem.consumer.byteOffset % 8 !== 0)
      throw new RangeError('unaligned ring');
    this.#mem = mem;
    this.#cons = u64At(mem.consumer);
    this.#prod = u64At(mem.producer);
    this.#words = new Uint32Array(
      mem.producer.buffer,
      mem.producer.byteOffset + mem.dataOffset,
      (2 * mem.size) / 4,
    );
    this.#mask = BigInt(mem.size - 1);
  }

  #load(a: BigUint64Array): bigint {
    let x = a[0] ?? 0n;
    for (let i = 0; i < 4; i++) {
      const y = a[0] ?? 0n;
      if (x === y) return x;
      x = y;
    }
    return x;
  }

  /** Bytes the producer has committed or reserved beyond the consumer position. */
  pending(): bigint {
    return this.#load(this.#prod) - this.#load(this.#cons);
  }

  /**
   * Delivers every committed sample (a view valid only during the callback) and advances the consumer
   * position past it. Stops at a busy sample. Returns the number delivered.
   */
  drain(onSample: (sample: Uint8Array) => void, max = Number.POSITIVE_INFINITY): number {
    let cons = this.#load(this.#cons);
    const prod = this.#load(this.#prod);
    const limit = cons + BigInt(this.#mem.size);
    let n = 0;
    const data = this.#mem.producer.subarray(this.#mem.dataOffset);
    while (cons < prod && cons < limit && n < max) {
      const at = Number(cons & this.#mask);
      const word = (this.#words[at / 4] ?? 0) >>> 0;
      if ((word & RINGBUF_BUSY_BIT) !== 0) break;
      const len = word & ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT) & 0x3fffffff;
      const total = (len + RINGBUF_HDR_SIZE + 7) & ~7;
      if ((word & RINGBUF_DISCARD_BIT) === 0 && len <= this.#mem.size - RINGBUF_HDR_SIZE) {
        onSample(data.subarray(at + RINGBUF_HDR_SIZE, at + RINGBUF_HDR_SIZE + len));
        n++;
      }
      cons += BigInt(total);
      this.#cons[0] = cons;
    }
    return n;
  }
}

/** A ring buffer map's pages mapped through the syscall seam, with its consumer; dispose() unmaps both, once. */
export class MappedRing {
  readonly consumer: RingConsumer;
  readonly #regions: MappedRegion[];
  constructor(consumer: RingConsumer, regions: MappedRegion[]) {
    this.consumer = consumer;
    this.#regions = regions;
  }
  dispose(): void {
    for (const r of this.#regions.splice(0)) r.unmap();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}

export type MapRingResult =
  | { readonly ok: true; readonly ring: MappedRing }
  | { readonly ok: false; readonly error: string };

/** Maps ring buffer map `map` (max_entries = `size`) for reading. */
export function mapRing(sys: Syscalls, map: FdHandle, size: number, pageSize = 4096): MapRingResult {
  const cons = sys.mmap(map.fd, pageSize, MMAP.PROT_READ | MMAP.PROT_WRITE, MMAP.MAP_SHARED, 0);
  if (!cons.ok)
    return { ok: false, error: `mmap of the ring buffer's consumer page failed (errno ${cons.errno})` };
  const prod = sys.mmap(map.fd, pageSize + 2 * size, MMAP.PROT_READ, MMAP.MAP_SHARED, pageSize);
  if (!prod.ok) {
    cons.region.unmap();
    return { ok: false, error: `mmap of the ring buffer's data pages failed (errno ${prod.errno})` };
  }
  const consumer = new RingConsumer({
    consumer: cons.region.bytes,
    producer: prod.region.bytes,
    dataOffset: pageSize,
    size,
  });
  return { ok: true, ring: new MappedRing(consumer, [cons.region, prod.region]) };
}
