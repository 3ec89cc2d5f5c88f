/*
 * A tc laboratory in a throwaway network namespace: veth v0/v1 (or names the caller picks) (frames injected on v1 pass v1's egress hook and
 * arrive on v0's ingress hook; both devices have a clsact qdisc for the filters under test) and veth s0/s1 (s0 is the SINK that `mirred egress mirror`
 * copies matches to, so every filter's action counter counts its matches). Invariants: nothing is sent outside the
 * namespace (the packet socket is created inside it and bound to v1; IPv6 is off there, so the kernel itself sends
 * nothing); dispose() closes the socket and deletes the namespace (idempotent), and a failed setup releases what it
 * had created; names carry the pid (see @tfc/iproute2 uniqueName).
 */
import {
  addClsact,
  addVethPair,
  type CommandError,
  createNamespace,
  filterShow,
  linkIndex,
  type Namespace,
  run,
  setLinkUp,
} from '@tfc/iproute2';
import { loadKoffiSyscalls, openPacketSocket, type PacketSocket } from '@tfc/kernel/sys';

export const LAB_DEV = 'v0';
export const LAB_PEER = 'v1';
export const LAB_SINK = 's0';

export interface TcLab {
  readonly ns: Namespace;
  /** The device under test (ingress hook) and its peer (where frames are sent). */
  readonly dev: string;
  readonly peer: string;
  /** Sends one whole Ethernet frame out of v1 (through its egress hook) into v0's ingress. */
  send(frame: Uint8Array): { ok: true } | { ok: false; error: string };
  /** `action mirred egress mirror dev s0 continue`: counts a match and lets classification go on. */
  readonly countAction: string;
  dispose(): Promise<void>;
}

export type LabResult =
  | { readonly ok: true; readonly lab: TcLab }
  | { readonly ok: false; readonly error: string };

const msg = (e: CommandError | { message: string }): string => e.message;

export async function createTcLab(
  prefix = 'tfc-tc',
  names: { readonly dev: string; readonly peer: string } = { dev: LAB_DEV, peer: LAB_PEER },
): Promise<LabResult> {
  const sys = loadKoffiSyscalls();
  if (!sys.ok) return { ok: false, error: sys.reason };
  const n = await createNamespace(prefix);
  if (!n.ok) return { ok: false, error: msg(n.error) };
  const ns = n.value;
  let sock: PacketSocket | undefined;
  const fail = async (error: string): Promise<LabResult> => {
    sock?.dispose();
    await ns.dispose();
    return { ok: false, error };
  };
  const sysctl = await run('ip', [
    'netns',
    'exec',
    ns.name,
    'sysctl',
    '-q',
    '-w',
    'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1',
  ]);
  if (!sysctl.ok) return fail(msg(sysctl.error));
  for (const [a, b] of [
    [names.dev, names.peer],
    [LAB_SINK, 's1'],
  ] as const) {
    const r = await addVethPair(ns.name, a, b);
    if (!r.ok) return fail(msg(r.error));
  }
  for (const d of [names.dev, names.peer, LAB_SINK, 's1']) {
    const r = await setLinkUp(ns.name, d);
    if (!r.ok) return fail(msg(r.error));
  }
  for (const d of [names.dev, names.peer]) {
    const q = await addClsact(ns.name, d);
    if (!q.ok) return fail(msg(q.error));
  }
  const idx = await linkIndex(ns.name, names.peer);
  if (!idx.ok) return fail(msg(idx.error));
  const s = openPacketSocket(sys.value, { ifindex: idx.value, protocol: 0, netnsPath: ns.path });
  if (!s.ok) return fail(s.error.message);
  sock = s.value;
  const opened = sock;
  let disposed: Promise<void> | undefined;
  return {
    ok: true,
    lab: {
      ns,
      dev: names.dev,
      peer: names.peer,
      countAction: `action mirred egress mirror dev ${LAB_SINK} continue`,
      send: (frame) => {
        const r = opened.send(frame);
        if (!r.ok) return { ok: false, error: r.error.message };
        if (r.value !== frame.length) return { ok: false, error: `sent ${r.value} of ${frame.length} bytes` };
        return { ok: true };
      },
      dispose: () => {
        disposed ??= (async () => {
          opened.dispose();
          await ns.dispose();
        })();
        return disposed;
      },
    },
  };
}

/** Packets counted by the actions of each prio of the lab device's ingress filters (mirred counters), by prio. */
export async function prioCounts(lab: TcLab): Promise<Map<number, bigint>> {
  const s = await filterShow(lab.ns.name, LAB_DEV, 'ingress');
  if (!s.ok) throw new Error(`tc filter show: ${s.error.message}`);
  const m = new Map<number, bigint>();
  for (const f of s.value)
    m.set(f.pref, (m.get(f.pref) ?? 0n) + f.actions.reduce((n, a) => n + a.packets, 0n));
  return m;
}
