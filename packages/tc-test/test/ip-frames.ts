// Test helper: random Ethernet frames for the linked-u32 proofs: IPv4 with every IHL value (0…15, options bytes
// random), fragment words, TCP/UDP/ICMP/GRE with common ports, IPv6 and ARP, some truncated. Invariant: pure and
// deterministic for a seed (its own LCG), every frame at least 16 bytes (the AF_PACKET sender needs 14).
export function ipFrames(seed: number, n: number): { readonly bytes: Uint8Array; readonly desc: string }[] {
  let x = seed >>> 0 || 1;
  const rnd = (k: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % k;
  };
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;
  const ports = [80, 53, 443, 22, 1024, 8080, 5001];
  const addrs = [
    [10, 0, 0, 1],
    [192, 168, 1, 1],
    [10, 1, 2, 3],
  ];
  const out: { bytes: Uint8Array; desc: string }[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rnd(10);
    const et = kind < 7 ? 0x0800 : kind < 9 ? 0x86dd : 0x0806;
    const b: number[] = [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, et >> 8, et & 0xff];
    let desc: string;
    const l4 = (proto: number): number[] => {
      const t = Array.from({ length: 8 + rnd(32) }, () => rnd(256));
      const sp = rnd(3) === 0 ? rnd(65536) : pick(ports);
      const dp = rnd(3) === 0 ? rnd(65536) : pick(ports);
      if (proto === 6 || proto === 17) t.splice(0, 4, sp >> 8, sp & 0xff, dp >> 8, dp & 0xff);
      return t;
    };
    if (et === 0x0800) {
      const ihl = rnd(4) === 0 ? rnd(16) : 5 + rnd(4);
      const proto = pick([6, 6, 17, 17, 1, 47]);
      const hdr = Array.from({ length: Math.max(20, 4 * ihl) }, () => rnd(256));
      hdr[0] = 0x40 | ihl;
      const frag = pick([0, 0, 0, 0x4000, 0x2000, 0x00b9]);
      hdr[6] = frag >> 8;
      hdr[7] = frag & 0xff;
      hdr[9] = proto;
      hdr.splice(12, 4, ...pick(addrs));
      hdr.splice(16, 4, ...pick(addrs));
      // The transport header starts at 4·IHL (libpcap's offset, also for IHL < 5, where it overlaps the header).
      const ip = hdr.slice();
      l4(proto).forEach((v, k) => {
        ip[4 * ihl + k] = v;
      });
      ip[0] = 0x40 | ihl;
      b.push(...ip);
      desc = `IPv4 IHL ${ihl} proto ${proto} frag ${frag.toString(16)}`;
    } else if (et === 0x86dd) {
      const nh = pick([6, 17, 58]);
      const h = Array.from({ length: 40 }, () => rnd(256));
      h[0] = 0x60;
      h[6] = nh;
      b.push(...h, ...l4(nh));
      desc = `IPv6 nh ${nh}`;
    } else {
      b.push(...Array.from({ length: 28 }, () => rnd(256)));
      desc = 'ARP';
    }
    let bytes = Uint8Array.from(b);
    if (rnd(8) === 0) {
      const len = 16 + rnd(bytes.length - 15);
      bytes = bytes.slice(0, len);
      desc += ` cut to ${len}`;
    }
    out.push({ bytes, desc });
  }
  return out;
}
