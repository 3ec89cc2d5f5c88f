// The proof of issue 16: `tfc capture`'s in-kernel filtering equals libpcap. In the namespace lab (./capture-lab.ts:
// datagrams delivered, dropped at a closed port, dropped by nftables, with the ICMP errors, ARP and IPv6 neighbour
// traffic they cause), one capture session per filter (the compiler's skb programs, as `tfc capture` opens them) and
// one accept-all session ('') run at the same time at four hooks. For every filter and hook, the records the
// filter's session reports equal (as a multiset of skb address, length and bytes) the accept-all session's records
// that libpcap's bpf_filter accepts (DLT_EN10MB for records that start at the Ethernet header, DLT_RAW for those that
// start at the network header), among records of the lab's namespaces inside the window where every session was
// attached. Filters: every skb-specific case (vlan, protochain, IPv6 extension headers, port ranges) plus a seeded
// random draw from the libpcap corpus plus a few that match the lab's traffic. Skips without root, nft or BTF.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '@tfc/iproute2';
import {
  type CaptureRecord,
  type CaptureSession,
  decodeRecord,
  openCapture,
  resolveHook,
} from '@tfc/kernel/skb';
import { DLT, loadKoffiSyscalls, loadLibpcap } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { captureFilterCheck, captureProgramSource } from '../src/cli/capture/program-source.ts';
import { readKernelBtf, skbLayoutFromBtf } from '../src/host/skb-layout.ts';
import { CLOSED_PORT, createLab, DROP_PORT, labUnavailable, OPEN_PORT } from './capture-lab.ts';
import { corpusFilterTexts, SKB_FILTERS } from './skb-cases.ts';

const HOOKS = ['net/net_dev_queue', 'net/netif_receive_skb', 'skb/kfree_skb', 'skb/consume_skb'];
const SNAPLEN = 256;
const CORPUS_DRAW = 40;
const LAB_FILTERS = [
  `udp port ${CLOSED_PORT}`,
  `udp dst portrange ${CLOSED_PORT}-${DROP_PORT}`,
  'udp and host 10.200.0.2',
  'icmp[icmptype] = icmp-unreach',
  'arp or ip6',
  'ip and greater 100',
  'tcp[tcpflags] & tcp-rst != 0',
  `ip6 and udp dst port ${CLOSED_PORT}`,
  'icmp6 and ip6[40] = 1',
];

/** Runs a node script in a lab namespace. */
async function inNs(ns: string, script: string): Promise<void> {
  const r = await run('ip', ['netns', 'exec', ns, process.execPath, '-e', script]);
  if (!r.ok) throw new Error(`${ns}: ${r.error.message}`);
}

const key = (r: CaptureRecord): string =>
  `${r.skb.toString(16)}|${r.len}|${r.start}|${Buffer.from(r.data).toString('hex')}`;

function multiset(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

test('tfc capture filters in the kernel exactly as libpcap does, at every hook (random filters × lab traffic)', async (t) => {
  const why = labUnavailable();
  if (why !== undefined) return t.skip(why);
  const btf = readKernelBtf();
  if (!btf.ok) return t.skip(btf.error);
  const pcap = loadLibpcap();
  if (!pcap.ok) return t.skip(`libpcap: ${pcap.reason}`);
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) return t.skip(sysLoad.reason);
  const sys = sysLoad.value;
  const layout = skbLayoutFromBtf(btf.value);
  assert.ok(layout.ok, layout.ok ? '' : layout.error);
  const hooks = HOOKS.map((h) => {
    const r = resolveHook(btf.value, h);
    assert.ok(r.ok, r.ok ? '' : r.error);
    return r.hook;
  });

  const corpus = corpusFilterTexts();
  const drawn = fc.sample(fc.shuffledSubarray(corpus, { minLength: CORPUS_DRAW, maxLength: CORPUS_DRAW }), {
    numRuns: 1,
    seed: Number(process.env.TFC_SEED ?? 16),
  })[0] as string[];
  const candidates = [...new Set([...SKB_FILTERS, ...LAB_FILTERS, ...drawn])];

  // libpcap's programs for both starts; filters libpcap refuses on Ethernet are not compared (none expected)
  const eth = pcap.value.compiler(DLT.EN10MB, SNAPLEN);
  const raw = pcap.value.compiler(DLT.RAW, SNAPLEN);
  t.after(() => {
    eth.dispose();
    raw.dispose();
  });
  const filters: { text: string; judge: (r: CaptureRecord) => boolean }[] = [];
  let refusedByTfc = 0;
  let refusedByLibpcap = 0;
  for (const text of candidates) {
    const e = eth.compile(text);
    if (!e.ok) {
      refusedByLibpcap++;
      continue;
    }
    const check = captureFilterCheck(text, layout.value, hooks[0] as (typeof hooks)[0], SNAPLEN);
    if (!check.ok) {
      refusedByTfc++;
      t.diagnostic(`tfc refuses what libpcap compiles: ${text}: ${check.error}`);
      continue;
    }
    const r = raw.compile(text);
    filters.push({
      text,
      judge: (rec) =>
        rec.start === 0
          ? pcap.value.filter(e.program, rec.data, rec.len) !== 0
          : r.ok && pcap.value.filter(r.program, rec.data, rec.len) !== 0,
    });
  }
  assert.equal(refusedByTfc, 0, 'tfc compiles every filter libpcap compiles');
  assert.ok(filters.length >= 50, `at least 50 filters (${filters.length})`);

  const lab = await createLab();
  t.after(() => lab.dispose());
  // IPv6 on the veth (no duplicate address detection), for UDP over IPv6 and the ICMPv6 errors it causes
  for (const [ns, dev, addr] of [
    [lab.a.name, 'ca', 'fd00:16::1/64'],
    [lab.b.name, 'cb', 'fd00:16::2/64'],
  ] as const) {
    const r = await run('ip', ['-6', 'addr', 'add', addr, 'dev', dev, 'nodad'], { netns: ns });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
  }
  const sessions: CaptureSession[] = [];
  t.after(() => {
    for (const s of sessions) s.dispose();
  });
  // the hooks see the whole host (other tests' traffic too): rings large enough, drained every 10 ms
  const open = (filter: string): CaptureSession => {
    const o = openCapture(sys, {
      hooks,
      snaplen: SNAPLEN,
      ringSize: (filter === '' ? 16384 : 1024) * 1024,
      source: captureProgramSource(filter, layout.value),
    });
    assert.ok(o.ok, o.ok ? '' : `${filter}: ${o.error}\n${o.log ?? ''}`);
    sessions.push(o.session);
    return o.session;
  };
  const reference = open('');
  const perFilter = filters.map((f) => ({ ...f, session: open(f.text) }));
  const records = new Map<CaptureSession, CaptureRecord[]>(sessions.map((s) => [s, []]));
  const drainAll = (): void => {
    for (const s of sessions)
      s.drain((bytes) => {
        const d = decodeRecord(bytes);
        assert.ok(d.ok, d.ok ? '' : d.error);
        records.get(s)?.push(d.record);
      });
  };
  drainAll();
  const timer = setInterval(drainAll, 10);
  t.after(() => clearInterval(timer));
  const t0 = process.hrtime.bigint();
  for (const [port, n, payload] of [
    [OPEN_PORT, 8, 'delivered'],
    [CLOSED_PORT, 8, 'closed port'],
    [DROP_PORT, 8, 'x'.repeat(120)],
  ] as const) {
    await lab.send(port, n, payload, 5);
    drainAll();
  }
  // TCP to a port nothing listens on (SYN, RST), UDP over IPv6 to a closed port (ICMPv6 unreachable)
  await inNs(
    lab.a.name,
    `const net=require('net');let n=0;for(let i=0;i<4;i++){const s=net.connect(${OPEN_PORT},'10.200.0.2');s.on('error',()=>{if(++n===4)process.exit(0)})}`,
  );
  drainAll();
  await inNs(
    lab.a.name,
    `const s=require('dgram').createSocket('udp6');let i=0;const next=()=>{if(i++>=6){s.close();return}s.send('v6',${CLOSED_PORT},'fd00:16::2',()=>setTimeout(next,5))};next();`,
  );
  drainAll();
  await lab.received(8);
  await new Promise((r) => setTimeout(r, 500));
  drainAll();
  const t1 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, 100));
  clearInterval(timer);
  drainAll();
  for (const s of sessions) assert.equal(s.lost(), 0n, 'no record lost');

  const inLab = (r: CaptureRecord): boolean =>
    (r.netns === lab.inodeA || r.netns === lab.inodeB) && r.timeNs >= t0 && r.timeNs <= t1;
  const ref = (records.get(reference) ?? []).filter(inLab);
  assert.ok(ref.length > 0, 'the accept-all capture saw the lab traffic');
  let disagreements = 0;
  let accepted = 0;
  for (const f of perFilter) {
    const got = (records.get(f.session) ?? []).filter(inLab);
    for (const [hookIndex, hook] of hooks.entries()) {
      const want = multiset(ref.filter((r) => r.hook === hookIndex && f.judge(r)).map(key));
      const have = multiset(got.filter((r) => r.hook === hookIndex).map(key));
      accepted += [...want.values()].reduce((a, b) => a + b, 0);
      for (const k of new Set([...want.keys(), ...have.keys()]))
        if ((want.get(k) ?? 0) !== (have.get(k) ?? 0)) {
          disagreements++;
          if (disagreements <= 10)
            t.diagnostic(
              `disagreement: '${f.text}' at ${hook.name}: libpcap ${want.get(k) ?? 0}, tfc ${have.get(k) ?? 0}: ${k}`,
            );
        }
    }
  }
  const perHook = hooks.map((h, i) => `${h.name} ${ref.filter((r) => r.hook === i).length}`).join(', ');
  t.diagnostic(
    `capture differential: ${perFilter.length} filters (${refusedByLibpcap} refused by libpcap, ${refusedByTfc} by tfc), ${hooks.length} hooks, ${ref.length} packets (${perHook}), ${accepted} accepted, ${disagreements} disagreements`,
  );
  assert.equal(disagreements, 0);
  assert.ok(accepted > 0, 'some filters accept some packets');
});
