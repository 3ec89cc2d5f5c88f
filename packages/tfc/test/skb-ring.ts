// Test helper: a BPF ring buffer map read from user space through the Syscalls seam's mmap — the consumer page
// (read-write) and the producer page with the data pages mapped twice (read-only), records drained in order.
// Invariants: every mapping is unmapped by dispose() (idempotent); a busy record ends a drain (read it next time);
// discarded records are skipped; the consumer position is written back after each drain.
import { type BpfMap, type MappedRegion, MMAP, type Syscalls } from '@tfc/kernel/sys';

const PAGE = 4096;
const BUSY = 0x80000000;
const DISCARD = 0x40000000;

export interface RingReader {
  /** The records produced since the last drain. */
  drain(): Uint8Array[];
  dispose(): void;
}

export function openRing(sys: Syscalls, map: BpfMap, size: number): RingReader | string {
  const cons = sys.mmap(map.fd, PAGE, MMAP.PROT_READ | MMAP.PROT_WRITE, MMAP.MAP_SHARED, 0);
  if (!cons.ok) return 'mmap of the consumer page failed';
  const prod = sys.mmap(map.fd, PAGE + 2 * size, MMAP.PROT_READ, MMAP.MAP_SHARED, PAGE);
  if (!prod.ok) {
    cons.region.unmap();
    return 'mmap of the producer pages failed';
  }
  const c: MappedRegion = cons.region;
  const p: MappedRegion = prod.region;
  const cv = new DataView(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength);
  const pv = new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  return {
    drain: () => {
      const out: Uint8Array[] = [];
      let pos = cv.getBigUint64(0, true);
      const end = pv.getBigUint64(0, true);
      while (pos < end) {
        const at = PAGE + Number(pos & BigInt(size - 1));
        const len = pv.getUint32(at, true);
        if ((len & BUSY) !== 0) break;
        const n = len & ~(BUSY | DISCARD);
        if ((len & DISCARD) === 0) out.push(Uint8Array.from(p.bytes.subarray(at + 8, at + 8 + n)));
        pos += BigInt((n + 8 + 7) & ~7);
      }
      cv.setBigUint64(0, pos, true);
      return out;
    },
    dispose: () => {
      p.unmap();
      c.unmap();
    },
  };
}
