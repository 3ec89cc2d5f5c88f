// Test helper: a TUN device (IFF_TUN | IFF_NO_PI: no link header, ARPHRD_NONE) whose fd delivers raw IP packets to
// the kernel as received on the device — the header-less packets the skb context starts at the network header.
// Invariants: created through the Syscalls seam (open /dev/net/tun, TUNSETIFF); the device disappears when the fd
// closes (dispose, idempotent); names are at most 15 bytes.
import { writeSync } from 'node:fs';
import { cString, FdHandle, keepAlive, type Syscalls, stableBuffer } from '@tfc/kernel/sys';

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;

export interface Tun {
  readonly name: string;
  write(packet: Uint8Array): boolean;
  dispose(): void;
}

export function openTun(sys: Syscalls, name: string): Tun | string {
  const o = sys.open(cString('/dev/net/tun'), O_RDWR | O_CLOEXEC);
  if (!o.ok) return `open /dev/net/tun: errno ${o.errno}`;
  const h = new FdHandle(sys, o.value, 'tun');
  const ifr = stableBuffer(40);
  ifr.set(new TextEncoder().encode(name));
  new DataView(ifr.buffer).setUint16(16, IFF_TUN | IFF_NO_PI, true);
  const r = sys.ioctl(h.fd, TUNSETIFF, Number(sys.address(ifr)));
  keepAlive(ifr);
  if (!r.ok) {
    h.dispose();
    return `ioctl(TUNSETIFF) ${name}: errno ${r.errno}`;
  }
  return {
    name,
    write: (packet) => {
      try {
        return writeSync(h.fd, packet) === packet.length;
      } catch {
        return false;
      }
    },
    dispose: () => h.dispose(),
  };
}
