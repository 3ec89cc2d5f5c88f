/*
 * Sending trace frames out of an existing interface (`tfc trace --dev IF` when IF exists, e.g. a veth), through its
 * egress qdisc, with every refusal counted. The frames go through an AF_PACKET socket, so IF's qdisc decides what
 * is queued and what is dropped: a full queue makes send() fail with ENOBUFS (packet_snd turns the qdisc's
 * NET_XMIT_DROP into -ENOBUFS through net_xmit_errno), which is counted as "dropped by IF's queue" — that is the
 * qdisc's choice (with htb classes and tfc's --classid rules, the user's).
 * Invariants: a send never blocks and is never retried (MSG_DONTWAIT: a full socket buffer is EAGAIN, counted as
 * its own kind of drop), so a full queue neither stalls nor spins the tracer; the socket's send buffer is raised
 * (SO_SNDBUFFORCE, else SO_SNDBUF) so that the qdisc, not the socket, is what fills first; no failure is fatal or
 * silent: every frame is sent, dropped by the queue, dropped at the socket, or counted under its errno;
 * per-class figures are the differences of `tc -s class show` counters between open and summary (the classes of a
 * classful root qdisc; none for a classless one); the socket is closed once, by close().
 */
import { type ClassInfo, classShow, classShowSync } from '@tfc/iproute2';
import {
  ERRNO,
  errnoName,
  keepAlive,
  openPacketSocket,
  PACKET,
  type PacketSocket,
  type Syscalls,
  stableCopy,
} from '@tfc/kernel/sys';
import { raiseSocketBuffer, SOCKET_BUFFER_BYTES } from './socket-buffer.ts';

/** asm-generic/errno.h: "No buffer space available", what a qdisc drop becomes at an AF_PACKET send. */
export const ENOBUFS = 105;
/** asm-generic/errno.h names of the other ways a send out of an interface fails (@tfc/kernel's table lacks them). */
const SEND_ERRNO: Readonly<Record<number, string>> = { 19: 'ENODEV', 90: 'EMSGSIZE', 100: 'ENETDOWN' };
/** The send buffer asked for: room for thousands of small frames, so qdisc limits are reached first. */
export const SEND_BUFFER_BYTES = SOCKET_BUFFER_BYTES;

export interface SendCounts {
  sent: number;
  /** ENOBUFS: the qdisc dropped the frame (its queue, or its class's queue, was full). */
  queueDrops: number;
  /** EAGAIN: the socket's send buffer was full (frames held in the queue); dropped without blocking. */
  bufferDrops: number;
  /** Other errors by errno name (the interface went down or away, …). */
  readonly errors: Map<string, number>;
}

/** Per-class differences between two class readings. */
export interface ClassDelta {
  readonly classid: string;
  readonly sent: bigint;
  readonly drops: bigint;
  readonly backlog: bigint;
}

export function classDeltas(before: readonly ClassInfo[], after: readonly ClassInfo[]): ClassDelta[] {
  const old = new Map(before.map((c) => [c.classid, c]));
  return after
    .filter((c) => !after.some((x) => x.parent === c.classid))
    .map((c) => {
      const o = old.get(c.classid);
      return {
        classid: c.classid,
        sent: c.packets - (o?.packets ?? 0n),
        drops: c.drops - (o?.drops ?? 0n),
        backlog: c.backlog,
      };
    })
    .filter((d) => d.sent !== 0n || d.drops !== 0n || d.backlog !== 0n);
}

/** The summary words for a device: sent, dropped by the queue (per class when known), other failures. */
export function sendSummary(dev: string, c: SendCounts, classes: readonly ClassDelta[] | undefined): string {
  const parts = [`${dev}: ${c.sent} frames sent, ${c.queueDrops} dropped by ${dev}'s queue (ENOBUFS)`];
  if (c.bufferDrops > 0) parts.push(`${c.bufferDrops} dropped with the socket's send buffer full (EAGAIN)`);
  for (const [name, n] of c.errors) parts.push(`${n} failed with ${name}`);
  let s = parts.join(', ');
  if (classes !== undefined && classes.length > 0)
    s += ` [${classes.map((d) => `class ${d.classid}: sent ${d.sent}, dropped ${d.drops}${d.backlog > 0n ? `, ${d.backlog} still queued` : ''}`).join('; ')}]`;
  return s;
}

export class DeviceSender {
  readonly dev: string;
  readonly counts: SendCounts = { sent: 0, queueDrops: 0, bufferDrops: 0, errors: new Map() };
  readonly #sys: Syscalls;
  readonly #sock: PacketSocket;
  readonly #before: readonly ClassInfo[] | undefined;
  #closed = false;

  private constructor(
    sys: Syscalls,
    sock: PacketSocket,
    dev: string,
    before: readonly ClassInfo[] | undefined,
  ) {
    this.#sys = sys;
    this.#sock = sock;
    this.dev = dev;
    this.#before = before;
  }

  /** Opens a send-only packet socket on `ifindex` and reads the device's class counters. */
  static async open(
    sys: Syscalls,
    dev: string,
    ifindex: number,
  ): Promise<{ ok: true; sender: DeviceSender } | { ok: false; message: string }> {
    const sock = openPacketSocket(sys, { ifindex, protocol: 0 });
    if (!sock.ok) return { ok: false, message: sock.error.message };
    raiseSocketBuffer(sys, sock.value.fd, 'send', SEND_BUFFER_BYTES);
    const c = await classShow(undefined, dev);
    return { ok: true, sender: new DeviceSender(sys, sock.value, dev, c.ok ? c.value : undefined) };
  }

  /** Sends one frame without blocking; counts what became of it. */
  send(frame: Uint8Array): void {
    if (this.#closed) return;
    const data = stableCopy(frame);
    const r = this.#sys.send(this.#sock.fd, data, PACKET.MSG_DONTWAIT);
    keepAlive(data);
    const c = this.counts;
    if (r.ok) c.sent++;
    else if (r.errno === ENOBUFS) c.queueDrops++;
    else if (r.errno === ERRNO.EAGAIN) c.bufferDrops++;
    else {
      const name = SEND_ERRNO[r.errno] ?? errnoName(r.errno);
      c.errors.set(name, (c.errors.get(name) ?? 0) + 1);
    }
  }

  /** Closes the socket (idempotent); frames already queued are still sent by the qdisc. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sock.dispose();
  }

  /** The summary words, with per-class figures when the device has classes. */
  summary(): string {
    let classes: ClassDelta[] | undefined;
    if (this.#before !== undefined && this.#before.length > 0) {
      const after = classShowSync(undefined, this.dev);
      if (after.ok) classes = classDeltas(this.#before, after.value);
    }
    return sendSummary(this.dev, this.counts, classes);
  }
}
