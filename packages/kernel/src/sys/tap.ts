// TAP devices: a virtual Ethernet interface whose "wire" is a file descriptor. A frame written to the fd is
// received by the interface (tc ingress, tcpdump -i NAME see it), which is how `tfc trace --dev trace0` makes
// trace events arrive on a network interface. Invariants: the device is created by TUNSETIFF (IFF_TAP | IFF_NO_PI)
// and disappears when its fd closes unless it was made persistent; dispose() closes the fd exactly once (and first
// clears persistence when asked to remove a device it made persistent); a name longer than 15 bytes is refused.
import { writeSync } from 'node:fs';
import { FdHandle } from './fd.ts';
import { fail, ok, type Result, sysError } from './result.ts';
import { cString, keepAlive, type Syscalls, stableBuffer } from './syscalls.ts';

const O_RDWR = 2;
const O_CLOEXEC = 0o2000000;
const TUNSETIFF = 0x400454ca;
const TUNSETPERSIST = 0x400454cb;
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;

export class TapDevice {
  readonly name: string;
  readonly #h: FdHandle;
  #persistent = false;

  private constructor(name: string, h: FdHandle) {
    this.name = name;
    this.#h = h;
  }

  /** Creates (or attaches to a persistent) TAP device `name`. */
  static open(sys: Syscalls, name: string): Result<TapDevice> {
    const bytes = new TextEncoder().encode(name);
    if (bytes.length === 0 || bytes.length > 15)
      return fail(sysError('TUNSETIFF', 22, `device name '${name}'`));
    const o = sys.open(cString('/dev/net/tun'), O_RDWR | O_CLOEXEC);
    if (!o.ok) return fail(sysError('open /dev/net/tun', o.errno));
    const h = new FdHandle(sys, o.value, 'tap');
    const ifr = stableBuffer(40);
    ifr.set(bytes);
    new DataView(ifr.buffer).setUint16(16, IFF_TAP | IFF_NO_PI, true);
    const r = sys.ioctl(h.fd, TUNSETIFF, Number(sys.address(ifr)));
    keepAlive(ifr);
    if (!r.ok) {
      h.dispose();
      return fail(sysError('ioctl(TUNSETIFF)', r.errno, name));
    }
    return ok(new TapDevice(name, h));
  }

  /** Keeps the device after the fd closes (`--keep-dev`), or not. */
  setPersistent(on: boolean): Result<void> {
    const r = this.#h.sys.ioctl(this.#h.fd, TUNSETPERSIST, on ? 1 : 0);
    if (!r.ok) return fail(sysError('ioctl(TUNSETPERSIST)', r.errno, this.name));
    this.#persistent = on;
    return ok(undefined);
  }

  /** Delivers one frame to the interface (it is received there). */
  write(frame: Uint8Array): Result<number> {
    try {
      return ok(writeSync(this.#h.fd, frame));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).errno;
      return fail(
        sysError('write', typeof code === 'number' ? -code : 5, `${frame.length}-byte frame to ${this.name}`),
      );
    }
  }

  get persistent(): boolean {
    return this.#persistent;
  }

  dispose(): void {
    this.#h.dispose();
  }
}
