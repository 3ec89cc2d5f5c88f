// Test helper: the kernel as the judge of packet filters on packet sockets. A veth pair v0/v1 in a private network
// namespace (IPv6 off, so the kernel sends nothing of its own; v0's MAC fixed), a socket bound to v0 that sends frames
// out of it (taps on v0 see them as PACKET_OUTGOING) and one bound to v1 that sends frames into it; `judge` attaches
// each program to its own receive-all socket on v0, sends every frame, and returns the tags (each frame's last 4
// bytes) each socket received. Invariants: nothing leaves the namespace; sockets are opened inside it; every socket
// `judge` opens is closed before it returns, and dispose() closes the senders and deletes the namespace (idempotent),
// also after a failed setup.
import assert from 'node:assert/strict';
import { addVethPair, createNamespace, linkIndex, type Namespace, run, setLinkUp } from '@tfc/iproute2';
import { loadKoffiSyscalls, openPacketSocket, type PacketSocket, type Syscalls } from '@tfc/kernel/sys';

/** v0's MAC address: frames sent into v0 with it as the destination are PACKET_HOST there. */
export const V0_MAC: readonly number[] = [0x02, 0, 0, 0, 0, 0x01];
/** The first tag frames carry: tags below it are not ours. */
export const FIRST_TAG = 0x7f000000;

/** A frame's 4-byte tag (its last four bytes, big-endian). */
export const tagOf = (f: Uint8Array): number =>
  ((f[f.length - 4]! << 24) | (f[f.length - 3]! << 16) | (f[f.length - 2]! << 8) | f[f.length - 1]!) >>> 0;

/** A tag's 4 bytes, to end a frame with. */
export const tagBytes = (tag: number): number[] => [
  (tag >>> 24) & 0xff,
  (tag >>> 16) & 0xff,
  (tag >>> 8) & 0xff,
  tag & 0xff,
];

/** A program for one judging socket: classic BPF bytes (SO_ATTACH_FILTER) or a loaded eBPF socket filter's fd. */
export type SocketProgram = { readonly classic: Uint8Array } | { readonly bpfFd: number };

/** A frame and the device side it is sent from: `into` v0 (received there) or `out` of v0 (sent there). */
export interface Sent {
  readonly f: Uint8Array;
  readonly received: boolean;
}

export interface VethPacketLab {
  readonly sys: Syscalls;
  readonly ns: Namespace;
  readonly v0: number;
  readonly v1: number;
  /** Runs each program on its own socket on v0 over `sent`: the sorted tags each one received, by name. */
  judge(
    programs: Readonly<Record<string, SocketProgram>>,
    sent: readonly Sent[],
  ): Promise<Record<string, number[]>>;
  dispose(): Promise<void>;
}

/** Every frame queued on the socket. */
export function drain(s: PacketSocket): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (;;) {
    const r = s.receive();
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    if (r.value === undefined) return frames;
    frames.push(r.value);
  }
}

export async function createVethPacketLab(prefix: string): Promise<VethPacketLab> {
  const sys = loadKoffiSyscalls();
  assert.ok(sys.ok, sys.ok ? '' : sys.reason);
  const n = await createNamespace(prefix);
  assert.ok(n.ok, n.ok ? '' : n.error.message);
  const ns = n.value;
  const senders: PacketSocket[] = [];
  const dispose = async () => {
    for (const s of senders.splice(0)) s.dispose();
    await ns.dispose();
  };
  try {
    const sh = async (args: string[]) => {
      const r = await run('ip', args, { netns: ns.name });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
    };
    for (const k of ['all', 'default'])
      await sh(['netns', 'exec', ns.name, 'sysctl', '-q', '-w', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    assert.ok((await addVethPair(ns.name, 'v0', 'v1')).ok);
    await sh(['link', 'set', 'v0', 'address', V0_MAC.map((b) => b.toString(16).padStart(2, '0')).join(':')]);
    for (const d of ['v0', 'v1']) assert.ok((await setLinkUp(ns.name, d)).ok);
    const v0 = await linkIndex(ns.name, 'v0');
    const v1 = await linkIndex(ns.name, 'v1');
    assert.ok(v0.ok && v1.ok);
    const open = (ifindex: number, protocol?: number): PacketSocket => {
      const s = openPacketSocket(sys.value, {
        ifindex,
        netnsPath: ns.path,
        ...(protocol === undefined ? {} : { protocol }),
      });
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      return s.value;
    };
    const out = open(v0.value, 0);
    senders.push(out);
    const into = open(v1.value, 0);
    senders.push(into);
    const judge = async (programs: Readonly<Record<string, SocketProgram>>, sent: readonly Sent[]) => {
      const sockets = new Map<string, PacketSocket>();
      try {
        for (const [name, p] of Object.entries(programs)) {
          const s = open(v0.value);
          sockets.set(name, s);
          const a = 'classic' in p ? s.attachClassic(p.classic) : s.attachBpf(p.bpfFd);
          assert.ok(a.ok, a.ok ? '' : `${name}: ${a.error.message}`);
        }
        // frames queued between bind and attach ran no filter: drop them
        for (const s of sockets.values()) drain(s);
        for (const s of sent) assert.ok((s.received ? into : out).send(s.f).ok);
        await new Promise((r) => setTimeout(r, 50));
        const last = Math.max(...sent.map((s) => tagOf(s.f)));
        const got: Record<string, number[]> = {};
        for (const [name, s] of sockets)
          got[name] = drain(s)
            .map(tagOf)
            .filter((g) => g >= FIRST_TAG && g <= last)
            .sort();
        return got;
      } finally {
        for (const s of sockets.values()) s.dispose();
      }
    };
    return { sys: sys.value, ns, v0: v0.value, v1: v1.value, judge, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
