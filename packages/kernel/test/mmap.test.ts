// mmap through the syscall seam, live: a BPF ring buffer map's consumer page maps writable and reads back what
// was written, its producer page maps read-only, and unmap is idempotent. Skips with the reason without root/BPF.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMap, loadKoffiSyscalls, MMAP } from '../src/sys/index.ts';

test('mmap: a BPF ring buffer map maps, reads and writes through the seam, and unmaps once', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (BPF maps)');
  const sys = loadKoffiSyscalls();
  if (!sys.ok) return t.skip(sys.reason);
  const map = createMap(sys.value, { type: 'RINGBUF', keySize: 0, valueSize: 0, maxEntries: 4096 });
  if (!map.ok) return t.skip(`BPF ring buffer maps unavailable: ${map.error.message}`);
  t.after(() => map.value.dispose());
  const consumer = sys.value.mmap(map.value.fd, 4096, MMAP.PROT_READ | MMAP.PROT_WRITE, MMAP.MAP_SHARED, 0);
  assert.ok(consumer.ok, 'consumer page maps');
  const view = new DataView(consumer.region.bytes.buffer, consumer.region.bytes.byteOffset);
  assert.equal(view.getBigUint64(0, true), 0n, 'consumer position starts at 0');
  const producer = sys.value.mmap(map.value.fd, 4096 + 2 * 4096, MMAP.PROT_READ, MMAP.MAP_SHARED, 4096);
  assert.ok(producer.ok, 'producer page and data map read-only');
  assert.equal(new DataView(producer.region.bytes.buffer).getBigUint64(0, true), 0n, 'producer position 0');
  const writable = sys.value.mmap(
    map.value.fd,
    4096,
    MMAP.PROT_READ | MMAP.PROT_WRITE,
    MMAP.MAP_SHARED,
    4096,
  );
  assert.equal(writable.ok, false, 'the kernel refuses a writable producer page');
  assert.equal(consumer.region.unmap().ok, true);
  assert.equal(consumer.region.unmap().ok, true, 'a second unmap is a no-op');
  assert.equal(producer.region.unmap().ok, true);
});
