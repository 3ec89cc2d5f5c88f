// AF_PACKET raw sockets: send (and receive) whole Ethernet frames on one interface, optionally of another network
// namespace. Invariants: a socket is created inside the target namespace by moving the calling thread there with
// setns(CLONE_NEWNET) for the socket() call only, and the thread is always moved back before returning (a socket
// keeps the namespace it was created in; its ifindex is resolved there); if moving back fails the socket is closed
// and the failure returned; the socket is bound to exactly one ifindex (sockaddr_ll), so send() never leaves that
// interface; every fd opened here is closed exactly once (dispose(), or on any failure path).
import { ERRNO } from './errno.ts';
import { FdHandle } from './fd.ts';
import { fail, ok, type Result, sysError } from './result.ts';
import { attachBpfFilter, attachClassicFilter } from './socket-filter.ts';
import { cString, keepAlive, type Syscalls, stableBuffer, stableCopy } from './syscalls.ts';

export const PACKET = {
  AF_PACKET: 17,
  SOCK_RAW: 3,
  SOCK_CLOEXEC: 0o2000000,
  /** Every protocol (host order; htons'ed where the kernel wants network order). */
  ETH_P_ALL: 0x0003,
  CLONE_NEWNET: 0x40000000,
  O_RDONLY: 0,
  O_CLOEXEC: 0o2000000,
  MSG_DONTWAIT: 0x40,
  MSG_TRUNC: 0x20,
} as const;

const htons = (v: number): number => ((v & 0xff) << 8) | ((v >> 8) & 0xff);

/** struct sockaddr_ll (20 bytes): family, protocol (be16), ifindex, hatype, pkttype, halen, addr[8]. */
export function sockaddrLl(ifindex: number, protocol: number): Uint8Array {
  const b = stableBuffer(20);
  const v = new DataView(b.buffer);
  v.setUint16(0, PACKET.AF_PACKET, true);
  v.setUint16(2, protocol & 0xffff, false);
  v.setInt32(4, ifindex, true);
  return b;
}

export interface PacketSocketOptions {
  readonly ifindex: number;
  /**
   * EtherType to receive (host order). ETH_P_ALL (default) receives every frame of the interface, both directions;
   * 0 makes a send-only socket.
   */
  readonly protocol?: number;
  /** Path of a network namespace file (e.g. /var/run/netns/NAME); default: the caller's namespace. */
  readonly netnsPath?: string;
}

export class PacketSocket {
  readonly #h: FdHandle;
  readonly #buf: Uint8Array;

  constructor(h: FdHandle, maxFrame: number) {
    this.#h = h;
    this.#buf = stableBuffer(maxFrame);
  }

  get fd(): number {
    return this.#h.fd;
  }

  /** Sends one whole frame (Ethernet header included) out of the bound interface. */
  send(frame: Uint8Array): Result<number> {
    if (this.#h.closed) return fail(sysError('send', ERRNO.EBADF, 'socket disposed'));
    const data = stableCopy(frame);
    const r = this.#h.sys.send(this.#h.fd, data, 0);
    keepAlive(data);
    return r.ok ? ok(r.value) : fail(sysError('send', r.errno, `${frame.length}-byte frame`));
  }

  /** Runs classic BPF `program` (encoded struct bpf_insn) on every frame before it is queued (SO_ATTACH_FILTER):
   *  the kernel's own interpreter, ancillary loads (pkt_type, ifindex, …) included. */
  attachClassic(program: Uint8Array): Result<void> {
    if (this.#h.closed) return fail(sysError('SO_ATTACH_FILTER', ERRNO.EBADF, 'socket disposed'));
    return attachClassicFilter(this.#h.sys, this.#h.fd, program);
  }

  /** Runs the loaded eBPF socket filter `progFd` on every frame before it is queued (SO_ATTACH_BPF; the socket
   *  holds its own reference to the program). */
  attachBpf(progFd: number): Result<void> {
    if (this.#h.closed) return fail(sysError('SO_ATTACH_BPF', ERRNO.EBADF, 'socket disposed'));
    return attachBpfFilter(this.#h.sys, this.#h.fd, progFd);
  }

  /** Receives one frame without blocking; undefined when none is queued. */
  receive(): Result<Uint8Array | undefined> {
    if (this.#h.closed) return fail(sysError('recv', ERRNO.EBADF, 'socket disposed'));
    const r = this.#h.sys.recv(this.#h.fd, this.#buf, PACKET.MSG_DONTWAIT);
    if (!r.ok) return r.errno === ERRNO.EAGAIN ? ok(undefined) : fail(sysError('recv', r.errno));
    return ok(this.#buf.slice(0, r.value));
  }

  dispose(): void {
    this.#h.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Runs `f` with the calling thread inside the network namespace at `path`, then moves it back. */
function inNetns<T>(sys: Syscalls, path: string, f: () => Result<T>): Result<T> {
  const self = sys.open(cString('/proc/thread-self/ns/net'), PACKET.O_RDONLY | PACKET.O_CLOEXEC);
  if (!self.ok) return fail(sysError('open /proc/thread-self/ns/net', self.errno));
  const home = new FdHandle(sys, self.value, 'netns');
  const t = sys.open(cString(path), PACKET.O_RDONLY | PACKET.O_CLOEXEC);
  if (!t.ok) {
    home.dispose();
    return fail(sysError(`open ${path}`, t.errno));
  }
  const target = new FdHandle(sys, t.value, 'netns');
  try {
    const enter = sys.setns(target.fd, PACKET.CLONE_NEWNET);
    if (!enter.ok) return fail(sysError('setns', enter.errno, path));
    let result: Result<T>;
    try {
      result = f();
    } finally {
      const back = sys.setns(home.fd, PACKET.CLONE_NEWNET);
      if (!back.ok) {
        // The thread is stranded in the other namespace: undo and say so (callers must treat this as fatal).
        result = fail(sysError('setns (back to the original namespace)', back.errno));
      }
    }
    return result;
  } finally {
    target.dispose();
    home.dispose();
  }
}

function openHere(sys: Syscalls, ifindex: number, protocol: number, maxFrame: number): Result<PacketSocket> {
  const s = sys.socket(PACKET.AF_PACKET, PACKET.SOCK_RAW | PACKET.SOCK_CLOEXEC, htons(protocol));
  if (!s.ok) return fail(sysError('socket(AF_PACKET)', s.errno));
  const h = new FdHandle(sys, s.value, 'packet');
  const addr = sockaddrLl(ifindex, protocol);
  const b = sys.bind(h.fd, addr);
  keepAlive(addr);
  if (!b.ok) {
    h.dispose();
    return fail(sysError('bind(sockaddr_ll)', b.errno, `ifindex ${ifindex}`));
  }
  return ok(new PacketSocket(h, maxFrame));
}

/** Opens a raw packet socket bound to `ifindex` (in `netnsPath`'s namespace when given). */
export function openPacketSocket(
  sys: Syscalls,
  o: PacketSocketOptions,
  maxFrame = 65536,
): Result<PacketSocket> {
  const protocol = o.protocol ?? PACKET.ETH_P_ALL;
  if (!Number.isInteger(o.ifindex) || o.ifindex <= 0)
    return fail(sysError('bind(sockaddr_ll)', ERRNO.EINVAL, `ifindex ${o.ifindex}`));
  if (o.netnsPath === undefined) return openHere(sys, o.ifindex, protocol, maxFrame);
  let opened: PacketSocket | undefined;
  const r = inNetns(sys, o.netnsPath, () => {
    const s = openHere(sys, o.ifindex, protocol, maxFrame);
    if (s.ok) opened = s.value;
    return s;
  });
  if (!r.ok) opened?.dispose();
  return r;
}
