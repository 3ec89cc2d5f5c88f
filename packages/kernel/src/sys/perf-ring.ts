// The ring buffer of a sampling perf event, mapped through the `Syscalls` seam: one control page (struct
// perf_event_mmap_page) and 2^n data pages, read by advancing data_tail behind the kernel's data_head.
// Invariants: the mapping is read-write (the kernel then never overwrites unread data: a full ring drops samples and
// says so with a PERF_RECORD_LOST later); data_head is read with an atomic (sequentially consistent) load before
// the data it covers and data_tail is published with an atomic store after the data was copied out, which gives
// the barriers perf_event_open(2) asks for; read() returns a contiguous copy (the wrap-around undone), never a
// view into the mapping; after dispose() (idempotent) read() returns nothing and touches no memory.
import { readFileSync } from 'node:fs';
import { fail, ok, type Result, sysError } from './result.ts';
import { type MappedRegion, MMAP, type Syscalls } from './syscalls.ts';

/** perf_event_mmap_page offsets (bytes). */
const PAGE = { dataHead: 1024, dataTail: 1032, dataOffset: 1040, dataSize: 1048 } as const;

/** The system page size (AT_PAGESZ from /proc/self/auxv; 4096 when it cannot be read). */
export function pageSize(): number {
  try {
    const auxv = readFileSync('/proc/self/auxv');
    const v = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
    for (let p = 0; p + 16 <= auxv.byteLength; p += 16) {
      const key = v.getBigUint64(p, true);
      if (key === 0n) break;
      if (key === 6n) return Number(v.getBigUint64(p + 8, true));
    }
  } catch {
    // fall through
  }
  return 4096;
}

/** The number of data pages (a power of two, at least 1) that holds `kb` KiB. */
export function ringPages(kb: number, page = pageSize()): number {
  const want = Math.max(1, Math.ceil((kb * 1024) / page));
  let n = 1;
  while (n < want) n *= 2;
  return n;
}

export class PerfRing {
  readonly #region: MappedRegion;
  readonly #ctl: BigUint64Array;
  readonly #data: Uint8Array;
  readonly #size: bigint;
  #tail: bigint;
  #open = true;

  private constructor(region: MappedRegion, dataOffset: number, dataSize: number) {
    this.#region = region;
    const b = region.bytes;
    this.#ctl = new BigUint64Array(b.buffer, b.byteOffset, PAGE.dataSize / 8 + 1);
    this.#data = b.subarray(dataOffset, dataOffset + dataSize);
    this.#size = BigInt(dataSize);
    this.#tail = Atomics.load(this.#ctl, PAGE.dataTail / 8);
  }

  /** Maps the ring of perf event `fd`: 1 control page and `dataPages` (a power of two) data pages. */
  static map(sys: Syscalls, fd: number, dataPages: number, page = pageSize()): Result<PerfRing> {
    if (!(Number.isInteger(dataPages) && dataPages > 0 && (dataPages & (dataPages - 1)) === 0))
      return fail(sysError('perf ring', 22, `${dataPages} data pages: not a power of two`));
    const length = (1 + dataPages) * page;
    const m = sys.mmap(fd, length, MMAP.PROT_READ | MMAP.PROT_WRITE, MMAP.MAP_SHARED, 0);
    if (!m.ok) return fail(sysError('mmap perf ring', m.errno, `${length} bytes`));
    const v = new DataView(m.region.bytes.buffer, m.region.bytes.byteOffset, m.region.bytes.byteLength);
    // data_offset/data_size exist since Linux 4.1; an older kernel leaves them 0: the data follows the first page.
    const off = Number(v.getBigUint64(PAGE.dataOffset, true)) || page;
    const size = Number(v.getBigUint64(PAGE.dataSize, true)) || dataPages * page;
    if (off + size > length) {
      m.region.unmap();
      return fail(sysError('perf ring', 22, `data at ${off}+${size} past the ${length}-byte mapping`));
    }
    return ok(new PerfRing(m.region, off, size));
  }

  /** Bytes of the data area. */
  get size(): number {
    return Number(this.#size);
  }

  /**
   * Everything the kernel wrote since the last read, as one contiguous copy, and the space freed for the kernel.
   * An error (head behind tail, or more than the ring holds) resynchronises to the head and drops the bytes.
   */
  read(): { bytes: Uint8Array; error: string | null } {
    if (!this.#open) return { bytes: new Uint8Array(0), error: null };
    const head = Atomics.load(this.#ctl, PAGE.dataHead / 8);
    const tail = this.#tail;
    if (head === tail) return { bytes: new Uint8Array(0), error: null };
    if (head < tail || head - tail > this.#size) {
      this.#publish(head);
      return { bytes: new Uint8Array(0), error: `ring positions out of step (head ${head}, tail ${tail})` };
    }
    const len = Number(head - tail);
    const off = Number(tail % this.#size);
    const out = new Uint8Array(len);
    const first = Math.min(len, this.size - off);
    out.set(this.#data.subarray(off, off + first), 0);
    if (first < len) out.set(this.#data.subarray(0, len - first), first);
    this.#publish(head);
    return { bytes: out, error: null };
  }

  #publish(tail: bigint): void {
    this.#tail = tail;
    Atomics.store(this.#ctl, PAGE.dataTail / 8, tail);
  }

  /** Unmaps the ring. Idempotent. */
  dispose(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#region.unmap();
  }
}
