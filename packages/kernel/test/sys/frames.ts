// Test helper: fast-check arbitraries for Ethernet frames that exercise pcap filters — structured
// Ethernet / 802.1Q / 802.1ad / MPLS / IPv4 (options, fragments) / IPv6 (extension headers) /
// TCP / UDP (VXLAN, Geneve) / ICMP / ICMPv6 / ARP / RARP / LLDP frames with values biased toward the
// constants the corpus filters test, plus truncations (runts), random bytes and bit-flipped corpus
// frames. Invariants: pure generators; frames never exceed 1600 bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });

function be16(n: number): number[] {
  return [(n >>> 8) & 0xff, n & 0xff];
}
function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
const bytes = (min: number, max: number) => fc.array(u8, { minLength: min, maxLength: max });

const mac = fc.oneof(
  fc.constantFrom(
    [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff],
    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb],
    [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e],
    [0x00, 0x11, 0x22, 0x33, 0x44, 0x55],
  ),
  bytes(6, 6),
);

const ip4 = fc.oneof(
  fc.constantFrom(
    [10, 0, 0, 1],
    [10, 0, 0, 2],
    [10, 0, 0, 3],
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [192, 168, 1, 10],
    [224, 0, 0, 251],
    [240, 0, 0, 1],
    [255, 255, 255, 255],
    [10, 9, 8, 7],
  ),
  fc.tuple(fc.constantFrom(10, 192, 224, 239, 127), u8, u8, u8).map((a) => [...a]),
  bytes(4, 4),
);

const ip6 = fc.oneof(
  fc.constantFrom(
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
    [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  ),
  bytes(16, 16),
);

const port = fc.oneof(
  { arbitrary: fc.constantFrom(80, 443, 53, 22, 67, 68, 4789, 6081, 1000, 2000, 1500, 5353), weight: 3 },
  { arbitrary: fc.integer({ min: 990, max: 2010 }), weight: 1 },
  { arbitrary: u16, weight: 2 },
);

const payload = fc.oneof(
  bytes(0, 24),
  fc.constant([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20]),
  fc.constant([0xde, 0xad, 0xbe, 0xef]),
);

const tcp = fc
  .tuple(
    port,
    port,
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.oneof(fc.constantFrom(0x02, 0x12, 0x10, 0x11, 0x18), u8),
    payload,
  )
  .map(([sp, dp, seq, flags, pl]) => [
    ...be16(sp),
    ...be16(dp),
    ...be32(seq),
    0,
    0,
    0,
    0,
    0x50,
    flags,
    0xff,
    0xff,
    0,
    0,
    0,
    0,
    ...pl,
  ]);

const vxlanInner = fc
  .tuple(mac, mac)
  .map(([d, s]) => [
    ...d,
    ...s,
    0x08,
    0x00,
    0x45,
    0,
    0,
    28,
    0,
    0,
    0,
    0,
    64,
    1,
    0,
    0,
    192,
    168,
    100,
    1,
    192,
    168,
    100,
    2,
    8,
    0,
    0,
    0,
  ]);
const udp = fc
  .tuple(
    port,
    port,
    fc.oneof(
      payload,
      vxlanInner.map((inner) => [0x08, 0, 0, 0, 0, 0, 100, 0, ...inner]),
    ),
  )
  .map(([sp, dp, pl]) => [...be16(sp), ...be16(dp), ...be16(8 + pl.length), 0, 0, ...pl]);

const icmp = fc
  .tuple(fc.oneof(fc.constantFrom(0, 8, 3, 11, 128, 129, 135), u8), u8, payload)
  .map(([t, c, pl]) => [t, c, 0, 0, 0, 1, 0, 1, ...pl]);

const l4ByProto = (proto: number): fc.Arbitrary<number[]> =>
  proto === 6 ? tcp : proto === 17 ? udp : proto === 1 || proto === 58 ? icmp : bytes(0, 24);

const ipProto = fc.oneof(
  { arbitrary: fc.constantFrom(6, 17, 1, 47, 132), weight: 4 },
  { arbitrary: u8, weight: 1 },
);

const ipv4 = fc
  .record({
    version: fc.oneof(
      { arbitrary: fc.constant(4), weight: 9 },
      { arbitrary: fc.integer({ min: 0, max: 15 }), weight: 1 },
    ),
    ihl: fc.oneof(
      { arbitrary: fc.constant(5), weight: 6 },
      { arbitrary: fc.integer({ min: 0, max: 15 }), weight: 1 },
    ),
    tos: fc.oneof(fc.constant(0), u8),
    id: u16,
    frag: fc.oneof(
      { arbitrary: fc.constant(0), weight: 5 },
      { arbitrary: fc.constantFrom(0x2000, 0x4000, 185, 0x1fff), weight: 1 },
      { arbitrary: u16, weight: 1 },
    ),
    ttl: u8,
    proto: ipProto,
    src: ip4,
    dst: ip4,
    lenFix: fc.oneof(
      { arbitrary: fc.constant(true), weight: 4 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
    badLen: u16,
  })
  .chain((h) =>
    fc.tuple(
      fc.constant(h),
      l4ByProto(h.proto),
      bytes(Math.max(0, (h.ihl - 5) * 4), Math.max(0, (h.ihl - 5) * 4)),
    ),
  )
  .map(([h, l4, opts]) => {
    const total = 20 + opts.length + l4.length;
    return [
      (h.version << 4) | h.ihl,
      h.tos,
      ...be16(h.lenFix ? total : h.badLen),
      ...be16(h.id),
      ...be16(h.frag),
      h.ttl,
      h.proto,
      0,
      0,
      ...h.src,
      ...h.dst,
      ...opts,
      ...l4,
    ];
  });

const ipv6 = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom(6, 17, 58), weight: 4 },
      { arbitrary: fc.constantFrom(0, 43, 44, 60), weight: 2 },
      { arbitrary: u8, weight: 1 },
    ),
    ipProto.map((p) => (p === 1 ? 58 : p)),
    ip6,
    ip6,
  )
  .chain(([nh, inner, src, dst]) => {
    const ext = nh === 0 || nh === 43 || nh === 44 || nh === 60;
    const final = ext ? inner : nh;
    return fc.tuple(fc.constant({ nh, inner, src, dst, ext }), l4ByProto(final));
  })
  .map(([h, l4]) => {
    const extHdr = h.ext ? [h.inner, 0, 0, 0, 0, 0, 0, 0] : [];
    const plen = extHdr.length + l4.length;
    return [0x60, 0, 0, 0, ...be16(plen), h.nh, 64, ...h.src, ...h.dst, ...extHdr, ...l4];
  });

const arp = fc
  .tuple(fc.constantFrom(1, 2, 3, 4), mac, ip4, ip4)
  .map(([op, m, s, d]) => [0, 1, 8, 0, 6, 4, 0, op, ...m, ...s, 0, 0, 0, 0, 0, 0, ...d]);

const mplsIp = fc
  .tuple(fc.oneof(fc.constant(1024), fc.integer({ min: 0, max: 0xfffff })), fc.boolean(), ipv4)
  .map(([label, two, ip]) => {
    const lse = (l: number, s: boolean) => be32(((l << 12) | (s ? 0x100 : 0) | 64) >>> 0);
    return [...(two ? [...lse(label, false), ...lse(16, true)] : lse(label, true)), ...ip];
  });

/** Ethertype + L3 payload. */
const l3: fc.Arbitrary<number[]> = fc.oneof(
  { arbitrary: ipv4.map((p) => [0x08, 0x00, ...p]), weight: 8 },
  { arbitrary: ipv6.map((p) => [0x86, 0xdd, ...p]), weight: 4 },
  { arbitrary: arp.map((p) => [0x08, 0x06, ...p]), weight: 1 },
  { arbitrary: arp.map((p) => [0x80, 0x35, ...p]), weight: 1 },
  { arbitrary: mplsIp.map((p) => [0x88, 0x47, ...p]), weight: 1 },
  { arbitrary: bytes(0, 40).map((p) => [0x88, 0xcc, ...p]), weight: 1 },
  { arbitrary: fc.tuple(u16, bytes(0, 40)).map(([t, p]) => [...be16(t), ...p]), weight: 1 },
);

const vlanTag = fc
  .tuple(
    fc.constantFrom(0x8100, 0x88a8, 0x9100),
    fc.oneof(fc.constantFrom(100, 200, 2, 3, 300), fc.integer({ min: 0, max: 4095 })),
    fc.integer({ min: 0, max: 7 }),
  )
  .map(([tpid, vid, pcp]) => [...be16(tpid), ...be16((pcp << 13) | vid)]);

const structured = fc
  .tuple(
    mac,
    mac,
    fc.oneof(
      { arbitrary: fc.constant([] as number[][]), weight: 2 },
      { arbitrary: fc.array(vlanTag, { minLength: 1, maxLength: 2 }), weight: 1 },
    ),
    l3,
    fc.oneof(
      { arbitrary: fc.constant(0), weight: 3 },
      { arbitrary: bytes(0, 20).map((p) => p.length), weight: 1 },
    ),
  )
  .map(([d, s, tags, rest, pad]) => [...d, ...s, ...tags.flat(), ...rest, ...new Array<number>(pad).fill(0)]);

/** A cut position in [0, len] for truncation; most frames stay whole. */
const truncated = (frame: fc.Arbitrary<number[]>) =>
  fc
    .tuple(
      frame,
      fc.oneof(
        { arbitrary: fc.constant(1), weight: 5 },
        { arbitrary: fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000), weight: 1 },
      ),
    )
    .map(([f, keep]) => f.slice(0, Math.round(f.length * keep)));

export interface CorpusFrame {
  readonly n: number;
  readonly desc: string;
  readonly bytes: Uint8Array;
}

// The shared corpus sits beside the repository (../shared), in every checkout and in CI.
export const CORPUS_DIR = fileURLToPath(
  new URL('../../../../../shared/corpus/pcap-libpcap-1.10.3', import.meta.url),
);

export function corpusFrames(dir = CORPUS_DIR): CorpusFrame[] {
  const raw = JSON.parse(readFileSync(`${dir}/semantic/packets.json`, 'utf8')) as {
    n: number;
    desc: string;
    hex: string;
  }[];
  return raw.map((p) => ({ n: p.n, desc: p.desc, bytes: Uint8Array.from(Buffer.from(p.hex, 'hex')) }));
}

/** Corpus frames with up to 3 random byte overwrites. */
function mutatedCorpus(frames: readonly CorpusFrame[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(fc.constantFrom(...frames), fc.array(fc.tuple(fc.nat(), u8), { maxLength: 3 }))
    .map(([f, edits]) => {
      const b = [...f.bytes];
      for (const [i, v] of edits) if (b.length > 0) b[i % b.length] = v;
      return b;
    });
}

/** The packet arbitrary used by the differential tests. */
export function packetArbitrary(frames: readonly CorpusFrame[] = corpusFrames()): fc.Arbitrary<Uint8Array> {
  return fc
    .oneof(
      { arbitrary: truncated(structured), weight: 14 },
      { arbitrary: truncated(mutatedCorpus(frames)), weight: 3 },
      { arbitrary: bytes(14, 96), weight: 2 },
      { arbitrary: bytes(0, 14), weight: 1 },
    )
    .map((a) => Uint8Array.from(a.slice(0, 1600)));
}
