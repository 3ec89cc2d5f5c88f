// Device names for `tfc capture`: what /proc shows (a process in the namespace), else, for a named namespace
// (/var/run/netns/NAME, what `ip netns add` makes) whose inode is the record's netns, `ip -n NAME -o link show`.
// Invariants: never throws; `ip` runs through execFileSync with a timeout, never a shell; each named namespace is
// asked at most once per second; unknown pairs give undefined.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { type DeviceNames, procDeviceNames } from '@tfc/kernel/skb';

const NETNS_DIR = '/var/run/netns';

/** ifindex → name from `ip -o link show` text (`2: cb@if2: <BROADCAST,...> ...`). */
export function parseIpLinkOneline(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):\s+([^:@\s]+)(?:@[^:\s]+)?:/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(Number(m[1]), m[2]);
  }
  return out;
}

export function captureDeviceNames(): DeviceNames {
  const proc = procDeviceNames();
  const named = new Map<number, { at: number; devices: Map<number, string> }>();
  const lookup = (netns: number): Map<number, string> => {
    let names: string[] = [];
    try {
      names = readdirSync(NETNS_DIR);
    } catch {
      return new Map();
    }
    for (const n of names) {
      try {
        if (statSync(`${NETNS_DIR}/${n}`).ino !== netns || !/^[A-Za-z0-9_.-]+$/.test(n)) continue;
        const text = execFileSync('ip', ['-n', n, '-o', 'link', 'show'], {
          encoding: 'utf8',
          timeout: 2000,
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        return parseIpLinkOneline(text);
      } catch {}
    }
    return new Map();
  };
  return {
    name(netns, ifindex) {
      const p = proc.name(netns, ifindex);
      if (p !== undefined || netns === 0 || ifindex === 0) return p;
      const now = Date.now();
      let t = named.get(netns);
      if (t === undefined || (!t.devices.has(ifindex) && now - t.at >= 1000)) {
        t = { at: now, devices: lookup(netns) };
        named.set(netns, t);
      }
      return t.devices.get(ifindex);
    },
  };
}
