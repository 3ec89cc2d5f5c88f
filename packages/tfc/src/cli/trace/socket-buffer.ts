/*
 * Raising a packet socket's kernel buffer (send or receive) so that bursts of trace frames wait in the socket rather
 * than being dropped by it: the sender's qdisc, not its socket, must be what fills first, and a receiver that is
 * briefly not scheduled must not lose frames the wire delivered. Invariants: the *FORCE option first (root:
 * CAP_NET_ADMIN, past net.core.[rw]mem_max), else the plain one (capped at the max); failure is not an error (the
 * default stays); the option buffer is kept alive across the call.
 */
import { keepAlive, type Syscalls, stableBuffer } from '@tfc/kernel/sys';

const SOL_SOCKET = 1;
const OPTS = {
  send: { plain: 7, force: 32 }, // SO_SNDBUF, SO_SNDBUFFORCE
  receive: { plain: 8, force: 33 }, // SO_RCVBUF, SO_RCVBUFFORCE
} as const;

/** Room for thousands of small frames. */
export const SOCKET_BUFFER_BYTES = 8 << 20;

/** Asks for `bytes` of send or receive buffer on `fd`; true when one of the options was accepted. */
export function raiseSocketBuffer(
  sys: Syscalls,
  fd: number,
  which: 'send' | 'receive',
  bytes = SOCKET_BUFFER_BYTES,
): boolean {
  const size = stableBuffer(4);
  new DataView(size.buffer, size.byteOffset, 4).setInt32(0, bytes, true);
  const o = OPTS[which];
  const ok =
    sys.setsockopt(fd, SOL_SOCKET, o.force, size).ok || sys.setsockopt(fd, SOL_SOCKET, o.plain, size).ok;
  keepAlive(size);
  return ok;
}
