// The kernel's own classic BPF interpreter as a judge: SO_ATTACH_FILTER on an AF_UNIX datagram
// socketpair. Invariants: the filter is attached to the receiving end; each packet is sent on the
// other end and received at once with MSG_DONTWAIT|MSG_TRUNC, so "arrived" ⇔ the filter returned
// non-zero, and the arrived length is min(len, return value) (the kernel trims the skb); nothing
// stays queued between packets; both fds are closed exactly once by dispose().
import { ERRNO } from './errno.ts';
import { FdHandle } from './fd.ts';
import { fail, ok, type Result, sysError } from './result.ts';
import { keepAlive, type Syscalls, stableBuffer, stableCopy } from './syscalls.ts';

export const SOCK = {
  AF_UNIX: 1,
  SOCK_DGRAM: 2,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_ATTACH_FILTER: 26,
  SO_DETACH_FILTER: 27,
  SO_ATTACH_BPF: 50,
  MSG_TRUNC: 0x20,
  MSG_DONTWAIT: 0x40,
} as const;

/** Kernel limit on classic BPF program length (BPF_MAXINSNS). */
export const CBPF_MAX_INSNS = 4096;

export interface FilterVerdict {
  /** The packet arrived at the receiving socket. */
  readonly accepted: boolean;
  /** Bytes that arrived (0 when rejected). */
  readonly length: number;
}

export class CbpfSocket {
  readonly #tx: FdHandle;
  readonly #rx: FdHandle;
  readonly #sys: Syscalls;
  readonly #buf: Uint8Array;

  constructor(sys: Syscalls, tx: FdHandle, rx: FdHandle, maxPacket: number) {
    this.#sys = sys;
    this.#tx = tx;
    this.#rx = rx;
    this.#buf = stableBuffer(maxPacket);
  }

  /** Sends `packet` through the filter; what arrives was accepted. */
  run(packet: Uint8Array): Result<FilterVerdict> {
    if (packet.length > this.#buf.length)
      return fail(sysError('send', ERRNO.EMSGSIZE, `packet ${packet.length}`));
    const data = stableCopy(packet);
    const s = this.#sys.send(this.#tx.fd, data, SOCK.MSG_DONTWAIT);
    keepAlive(data);
    if (!s.ok) return fail(sysError('send', s.errno));
    const r = this.#sys.recv(this.#rx.fd, this.#buf, SOCK.MSG_DONTWAIT | SOCK.MSG_TRUNC);
    if (!r.ok) {
      return r.errno === ERRNO.EAGAIN ? ok({ accepted: false, length: 0 }) : fail(sysError('recv', r.errno));
    }
    return ok({ accepted: true, length: r.value });
  }

  dispose(): void {
    this.#tx.dispose();
    this.#rx.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** struct sock_fprog { u16 len; struct sock_filter *filter; } (16 bytes on LP64). */
export function sockFprog(insnCount: number, filterPtr: bigint): Uint8Array {
  const b = stableBuffer(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, insnCount, true);
  v.setBigUint64(8, filterPtr, true);
  return b;
}

/**
 * Opens a socketpair and attaches `program` (encoded struct sock_filter array, 8 bytes per insn)
 * to the receiving end. The kernel's checker (sk_chk_filter) errors come back as EINVAL.
 */
export function openCbpfSocket(sys: Syscalls, program: Uint8Array, maxPacket = 65536): Result<CbpfSocket> {
  return openFilteredPair(sys, (fd) => attachClassicFilter(sys, fd, program), maxPacket);
}

/** Opens a socketpair whose receiving end runs the loaded eBPF socket filter `progFd` (SO_ATTACH_BPF). */
export function openBpfSocket(sys: Syscalls, progFd: number, maxPacket = 65536): Result<CbpfSocket> {
  return openFilteredPair(sys, (fd) => attachBpfFilter(sys, fd, progFd), maxPacket);
}

function openFilteredPair(
  sys: Syscalls,
  attach: (fd: number) => Result<void>,
  maxPacket: number,
): Result<CbpfSocket> {
  const p = sys.socketpair(SOCK.AF_UNIX, SOCK.SOCK_DGRAM | SOCK.SOCK_CLOEXEC, 0);
  if (!p.ok) return fail(sysError('socketpair', p.errno));
  const tx = new FdHandle(sys, p.fds[0], 'unix-dgram');
  const rx = new FdHandle(sys, p.fds[1], 'unix-dgram');
  const r = attach(rx.fd);
  if (!r.ok) {
    tx.dispose();
    rx.dispose();
    return r;
  }
  return ok(new CbpfSocket(sys, tx, rx, maxPacket));
}

/** SO_ATTACH_FILTER of `program` (encoded struct sock_filter array) on socket `fd`; the kernel's checker
 *  (sk_chk_filter) errors come back as EINVAL. */
export function attachClassicFilter(sys: Syscalls, fd: number, program: Uint8Array): Result<void> {
  const n = program.length / 8;
  if (!Number.isInteger(n) || n === 0 || n > CBPF_MAX_INSNS)
    return fail(sysError('SO_ATTACH_FILTER', ERRNO.EINVAL, `${program.length} bytes`));
  const insns = stableCopy(program);
  const fprog = sockFprog(n, sys.address(insns));
  const r = sys.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_ATTACH_FILTER, fprog);
  keepAlive(insns, fprog);
  return r.ok ? ok(undefined) : fail(sysError('SO_ATTACH_FILTER', r.errno));
}

/** SO_ATTACH_BPF of the loaded eBPF socket filter `progFd` on socket `fd` (the socket takes its own reference). */
export function attachBpfFilter(sys: Syscalls, fd: number, progFd: number): Result<void> {
  const opt = stableBuffer(4);
  new DataView(opt.buffer, opt.byteOffset, 4).setInt32(0, progFd, true);
  const r = sys.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_ATTACH_BPF, opt);
  keepAlive(opt);
  return r.ok ? ok(undefined) : fail(sysError('SO_ATTACH_BPF', r.errno));
}
