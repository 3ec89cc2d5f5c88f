// Device names for (network namespace inode, ifindex) pairs, where the machine lets us find them: a process in
// that namespace is found through /proc/PID/ns/net, and its /proc/PID/net/{dev_mcast,igmp,if_inet6} list
// ifindex and name; the initial namespace also has /sys/class/net/*/ifindex.
// Invariants: never throws (unreadable files are skipped); a namespace's table is re-read at most once per
// `refreshMs` when a lookup misses; unknown pairs give undefined, never a name from another namespace.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface DeviceNames {
  name(netns: number, ifindex: number): string | undefined;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** ifindex → name from the /proc/PID/net files of one process. */
export function parseProcNetDevices(files: {
  devMcast: string;
  igmp: string;
  ifInet6: string;
}): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of files.devMcast.split('\n')) {
    const [idx, name] = line.trim().split(/\s+/);
    if (idx !== undefined && name !== undefined && /^\d+$/.test(idx)) out.set(Number(idx), name);
  }
  for (const line of files.igmp.split('\n')) {
    const m = /^(\d+)\s+(\S+)\s*:/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(Number(m[1]), m[2]);
  }
  for (const line of files.ifInet6.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const idx = parts[1];
    const name = parts[5];
    if (idx !== undefined && name !== undefined && /^[0-9a-f]+$/i.test(idx))
      out.set(Number.parseInt(idx, 16), name);
  }
  return out;
}

function netnsOf(pid: string): number | undefined {
  try {
    const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Device names from /proc and /sys. */
export function procDeviceNames(refreshMs = 1000): DeviceNames {
  const tables = new Map<number, { at: number; devices: Map<number, string> }>();
  const self = netnsOf('self');
  const load = (netns: number): Map<number, string> => {
    const devices = new Map<number, string>();
    let pid: string | undefined;
    if (netns === self) pid = 'self';
    else {
      let entries: string[] = [];
      try {
        entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
      } catch {}
      pid = entries.find((e) => netnsOf(e) === netns);
    }
    if (pid !== undefined) {
      for (const [k, v] of parseProcNetDevices({
        devMcast: read(`/proc/${pid}/net/dev_mcast`),
        igmp: read(`/proc/${pid}/net/igmp`),
        ifInet6: read(`/proc/${pid}/net/if_inet6`),
      }))
        devices.set(k, v);
    }
    if (netns === self) {
      let names: string[] = [];
      try {
        names = readdirSync('/sys/class/net');
      } catch {}
      for (const n of names) {
        const idx = Number(read(`/sys/class/net/${n}/ifindex`).trim());
        if (Number.isInteger(idx) && idx > 0) devices.set(idx, n);
      }
    }
    return devices;
  };
  return {
    name(netns, ifindex) {
      if (ifindex === 0 || netns === 0) return undefined;
      const now = Date.now();
      let t = tables.get(netns);
      if (t === undefined || (!t.devices.has(ifindex) && now - t.at >= refreshMs)) {
        t = { at: now, devices: load(netns) };
        tables.set(netns, t);
      }
      return t.devices.get(ifindex);
    },
  };
}
