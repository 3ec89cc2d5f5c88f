// The flower target: random libpcap filters over the primitives flower can key on (ip/ip6/arp, ip proto, IPv4/IPv6
// hosts and nets, MAC addresses, EtherTypes, IPv4 and IPv6 tcp/udp ports, IPv4 headers with options, ARP/RARP addresses) with and/or/not → flower rules; tfc's flower model
// (evaluateFlower: lowest prio whose keys all match decides) must give libpcap's verdict (the pcap front end's IR,
// itself proven against libpcap) on every random frame inside the flower contract (≥ 60 bytes, no VLAN tag, IPv4
// IHL ≥ 5 and unfragmented, IPv6 without extension headers). This kernel has no cls_flower, so real tc checks the
// syntax: each generated line must reach the kernel (exit 2, "classifier not found"), never an iproute2 parse
// error (exit 1) — the control lines prove the distinction. Trace filters → a clear flower error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateFlower, type FlowerRule, flowerContract } from '@tfc/codegen-tc';
import { compileTc } from '@tfc/compiler';
import { createNamespace, run, splitBatchLine } from '@tfc/iproute2';
import { evaluate } from '@tfc/ir';
import { compilePcap } from '@tfc/pcap';
import { bundledEvent } from '@tfc/tracefs';
import fc from 'fast-check';

const V4 = ['10.0.0.1', '10.1.2.3', '192.168.1.1', '1.2.3.4'];
const V6 = ['2001:db8::1', '2001:db8::2', 'fe80::1'];
const MACS = ['02:00:00:00:00:01', 'aa:bb:cc:dd:ee:ff', 'ff:ff:ff:ff:ff:ff'];
const prim: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('ip', 'ip6', 'arp', 'ether proto 0x88cc', 'ip6 and tcp', 'ip6 and udp'),
  fc.constantFrom(1, 6, 17, 47).map((p) => `ip proto ${p}`),
  fc.tuple(fc.constantFrom('', 'src ', 'dst '), fc.constantFrom(...V4)).map(([d, a]) => `ip ${d}host ${a}`),
  fc.constantFrom('10.0.0.0/8', '192.168.0.0/16', '10.1.0.0/16').map((n) => `ip net ${n}`),
  fc.tuple(fc.constantFrom('', 'src ', 'dst '), fc.constantFrom(...V6)).map(([d, a]) => `ip6 ${d}host ${a}`),
  fc
    .tuple(fc.constantFrom('src', 'dst', 'host'), fc.constantFrom(...MACS))
    .map(([d, m]) => `ether ${d} ${m}`),
  fc
    .tuple(fc.constantFrom('tcp', 'udp'), fc.constantFrom('', 'src ', 'dst '), fc.constantFrom(80, 443, 53))
    .map(([p, d, n]) => `(ip6 and ${p} ${d}port ${n})`),
  // IPv4 and both families' ports and protocols (R4): ports behind the IHL, libpcap's fragment terms.
  fc.constantFrom('tcp', 'udp', 'ip6 proto 6', 'ip proto 17'),
  // ARP/RARP addresses (arp_sip/arp_tip) and `host`, which libpcap extends to ARP and RARP.
  fc
    .tuple(fc.constantFrom('arp ', 'rarp ', ''), fc.constantFrom('', 'src ', 'dst '), fc.constantFrom(...V4))
    .map(([p, d, a]) => `(${p}${d}host ${a})`),
  fc
    .tuple(
      fc.constantFrom('tcp', 'udp', 'ip and tcp', 'ip and udp'),
      fc.constantFrom('', 'src ', 'dst '),
      fc.constantFrom(80, 443, 53),
    )
    .map(([p, d, n]) => `(${p} ${d}port ${n})`),
);
const exprArb: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'e' },
    prim,
    fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    tie('e').map((a) => `not ${a}`),
  ),
})).e;

function ip4(s: string): number[] {
  return s.split('.').map(Number);
}
function ip6(s: string): number[] {
  const [h, t] = s.split('::') as [string, string | undefined];
  const hs = h === '' ? [] : h.split(':');
  const ts = t === undefined || t === '' ? [] : t.split(':');
  const g = [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts].map((x) => Number.parseInt(x, 16));
  return g.flatMap((x) => [x >> 8, x & 0xff]);
}
const macBytes = (m: string) => m.split(':').map((x) => Number.parseInt(x, 16));
const frameArb: fc.Arbitrary<Uint8Array> = fc
  .record({
    et: fc.constantFrom(0x0800, 0x0800, 0x86dd, 0x86dd, 0x0806, 0x0806, 0x8035, 0x88cc),
    op: fc.constantFrom(1, 2, 2, 3),
    dst: fc.constantFrom(...MACS),
    src: fc.constantFrom(...MACS),
    proto: fc.constantFrom(1, 6, 17, 47, 58),
    s4: fc.constantFrom(...V4),
    d4: fc.constantFrom(...V4),
    s6: fc.constantFrom(...V6),
    d6: fc.constantFrom(...V6),
    sp: fc.constantFrom(80, 443, 53, 1234),
    dp: fc.constantFrom(80, 443, 53, 1234),
    len: fc.integer({ min: 60, max: 90 }),
    frag: fc.constantFrom(0, 0, 0, 0x2000, 0x00b9),
    ihl: fc.constantFrom(5, 5, 5, 6, 7, 8, 4),
  })
  .map((r) => {
    const f = new Uint8Array(r.len);
    f.set(macBytes(r.dst), 0);
    f.set(macBytes(r.src), 6);
    f[12] = r.et >> 8;
    f[13] = r.et & 0xff;
    if (r.et === 0x0800) {
      f.set([0x40 | r.ihl, 0, 0, r.len - 14, 0, 0, r.frag >> 8, r.frag & 0xff, 64, r.proto, 0, 0], 14);
      f.set(ip4(r.s4), 26);
      f.set(ip4(r.d4), 30);
      // IPv4 options (IHL > 5) shift the transport header; the dissector and libpcap both follow the IHL.
      const l4 = 14 + 4 * Math.max(5, r.ihl);
      f.set([r.sp >> 8, r.sp & 0xff, r.dp >> 8, r.dp & 0xff], l4);
    } else if (r.et === 0x0806 || r.et === 0x8035) {
      // Ethernet/IPv4 ARP; op 3 (RARP request) is outside the contract (the dissector keys only ops 1 and 2).
      f.set([0, 1, 8, 0, 6, 4, 0, r.op], 14);
      f.set(macBytes(r.src), 22);
      f.set(ip4(r.s4), 28);
      f.set(macBytes(r.dst), 32);
      f.set(ip4(r.d4), 38);
    } else if (r.et === 0x86dd) {
      f.set([0x60, 0, 0, 0, 0, r.len - 54, r.proto, 64], 14);
      f.set(ip6(r.s6), 22);
      f.set(ip6(r.d6), 38);
      f.set([r.sp >> 8, r.sp & 0xff, r.dp >> 8, r.dp & 0xff], 54);
    }
    return f;
  });

function flowerOf(text: string): { rules: readonly FlowerRule[]; lines: readonly string[] } | string {
  const r = compileTc({
    source: { lang: 'pcap', filter: text },
    target: 'flower',
    dev: 'v0',
    direction: 'ingress',
    prio: 1,
  });
  if (!r.ok) return r.diagnostics.map((d) => d.message).join('; ');
  assert.equal(r.backend, 'flower');
  assert.ok(r.flower);
  return { rules: r.flower, lines: r.lines };
}

test('flower model ≡ libpcap (pcap IR) on random filters × frames inside the flower contract', (t) => {
  let judged = 0;
  let expressible = 0;
  let outside = 0;
  let v4Ports = 0;
  fc.assert(
    fc.property(exprArb, fc.array(frameArb, { minLength: 12, maxLength: 12 }), (text, frames) => {
      const front = compilePcap(text, { linktype: 'ethernet' });
      assert.ok(front.ok, text);
      const f = flowerOf(text);
      if (typeof f === 'string') {
        assert.match(f, /flower|u32|computed offset/, f);
        return;
      }
      expressible++;
      if (f.lines.some((l) => /protocol ip .*_port/.test(l))) v4Ports++;
      for (const l of f.lines) {
        assert.doesNotMatch(l, /ip_proto \d+ /, 'ip_proto as a name or 0x-hex');
        if (/(src|dst)_port/.test(l)) assert.match(l, /ip_proto (tcp|udp|sctp) .*_port/);
      }
      for (const frame of frames) {
        if (!flowerContract(frame)) {
          outside++;
          continue;
        }
        const want: 'hit' | 'miss' = evaluate(front.ir, { packet: frame }) === 'accept' ? 'hit' : 'miss';
        const got = evaluateFlower(f.rules, frame);
        if (got !== want)
          assert.fail(
            `'${text}' on ${Buffer.from(frame).toString('hex')}: flower ${got}, libpcap ${want}\n${f.lines.join('\n')}`,
          );
        judged++;
      }
    }),
    { numRuns: 600 },
  );
  t.diagnostic(
    `${expressible} filters as flower (${v4Ports} with IPv4 ports), ${judged} (filter, frame) pairs judged, ${outside} frames outside the contract`,
  );
  assert.ok(expressible >= 200, `${expressible} expressible filters`);
  assert.ok(judged >= 3000, `${judged} judged pairs`);
  assert.ok(outside > 0);
  assert.ok(v4Ports >= 20, `${v4Ports} filters with IPv4 port keys`);
});

test('flower: profiles limit keys; trace events are refused', () => {
  const masked = compileTc({
    source: { lang: 'pcap', filter: 'ip6 and tcp dst portrange 1024-2047' },
    target: 'flower',
    dev: 'v0',
    direction: 'ingress',
    prio: 1,
  });
  assert.ok(!masked.ok);
  assert.match(masked.diagnostics[0]?.message ?? '', /profile portable offloads exact ports only/);
  const mlx5 = compileTc({
    source: { lang: 'pcap', filter: 'ip6 and tcp dst portrange 1024-2047' },
    target: 'flower',
    dev: 'v0',
    direction: 'ingress',
    prio: 1,
    flowerProfile: 'mlx5',
  });
  assert.ok(mlx5.ok, mlx5.ok ? '' : mlx5.diagnostics[0]?.message);
  assert.match(mlx5.lines.join('\n'), /dst_port 1024\/0xfc00/);
  const ev = bundledEvent('sock', 'inet_sock_set_state');
  assert.ok(ev);
  const tr = compileTc({
    source: { lang: 'tracefs', filter: 'family == 2', events: [ev], nrCpuIds: 2 },
    target: 'flower',
    dev: 'v0',
    direction: 'ingress',
    prio: 1,
  });
  assert.ok(!tr.ok);
  assert.match(tr.diagnostics[0]?.message ?? '', /trace frames carry no header the flow dissector knows/);
});

test('flower lines pass iproute2 parsing on this kernel (exit 2: classifier missing, never 1: syntax)', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces, tc)');
  const n = await createNamespace('tfc-flower');
  if (!n.ok) assert.fail(n.error.message);
  const ns = n.value;
  t.after(() => ns.dispose());
  assert.ok(
    (await run('ip', ['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], { netns: ns.name })).ok,
  );
  assert.ok((await run('tc', ['qdisc', 'add', 'dev', 'v0', 'clsact'], { netns: ns.name })).ok);
  const tcLine = async (line: string) => {
    const s = splitBatchLine(line);
    assert.ok(s.ok);
    const r = await run('tc', s.args, { netns: ns.name });
    return r.ok ? { code: 0, err: '' } : { code: r.error.exitCode, err: r.error.stderr };
  };
  // Controls: a syntax error is exit 1, a well-formed line exit 2.
  const bad = await tcLine(
    'filter add dev v0 ingress protocol ip prio 1 flower dst_port 80 ip_proto tcp classid 1:1',
  );
  assert.equal(bad.code, 1, bad.err);
  const good = await tcLine('filter add dev v0 ingress protocol ip prio 1 flower ip_proto tcp classid 1:1');
  if (good.code !== 2)
    return t.skip(`this kernel has cls_flower (exit ${good.code}); the syntax check needs it absent`);
  assert.match(good.err, /classifier/i);
  let lines = 0;
  // R4's filters first (IPv4 ports, plain protocols, ARP/RARP addresses), then random ones.
  const fixed = [
    'tcp dst port 80',
    'udp port 53',
    'tcp',
    'udp',
    'ip6 proto 6',
    'host 10.0.0.1',
    'rarp dst host 1.2.3.4',
  ];
  for (const text of [...fixed, ...fc.sample(exprArb, { seed: 7, numRuns: 150 })]) {
    const f = flowerOf(text);
    if (typeof f === 'string' && fixed.includes(text)) assert.fail(`${text}: ${f}`);
    if (typeof f === 'string') continue;
    for (const l of f.lines) {
      const r = await tcLine(l.replace(' classid 1:1', ' action mirred egress mirror dev v1'));
      assert.equal(r.code, 2, `'${text}': ${l}: ${r.err}`);
      lines++;
    }
    if (lines >= 80) break;
  }
  t.diagnostic(`${lines} generated flower lines parsed by iproute2`);
  assert.ok(lines >= 30);
});
