// Linked u32 rules for random libpcap transport filters on real tc, in a namespace this test creates (and always
// deletes): filters drawn from a small grammar (tcp/udp ports and port ranges, src/dst, tcp flags, icmp types, udp
// payload words, hosts, and/or/not), compiled with --target u32 (each must go through the linked table), installed
// one filter per prio on v0's clsact ingress with `mirred … continue` counters; random frames of every IPv4 header
// length (IHL 0…15, options, fragments, truncations), IPv6 and ARP sent with AF_PACKET. Every kernel verdict must equal
// tfc's cls_u32 model, and the model must equal libpcap's own bpf_filter (running libpcap's unoptimized program, which tfc's IR
// follows) on every
// frame inside the contract (contractMin, and the word rounding does not decide). The seed is printed; TFC_SEED fixes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateU32, type U32Rules } from '@tfc/codegen-tc';
import { compileTc } from '@tfc/compiler';
import { applyBatch, filterDel } from '@tfc/iproute2';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import { createTcLab, LAB_DEV, prioCounts } from '../src/index.ts';
import { ipFrames } from './ip-frames.ts';

const SEED = Number(process.env.TFC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const FILTERS = 30;
const FRAMES = 150;
const root = process.getuid?.() === 0;

/** A random transport filter (libpcap syntax) from the seed's LCG. */
function filters(seed: number, n: number): string[] {
  let x = seed >>> 0 || 7;
  const rnd = (k: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % k;
  };
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;
  const port = () => pick(['80', '53', '443', '22', '1024', '8080']);
  const atom = (): string =>
    pick([
      () => `${pick(['tcp ', 'udp ', ''])}${pick(['', 'src ', 'dst '])}port ${port()}`,
      () =>
        `${pick(['tcp ', 'udp '])}${pick(['', 'dst '])}portrange ${pick(['1000-2000', '20-25', '80-88'])}`,
      () => `tcp[tcpflags] & ${pick(['tcp-syn', 'tcp-ack', 'tcp-fin|tcp-rst'])} != 0`,
      () => `icmp[icmptype] == ${pick(['icmp-echo', 'icmp-echoreply'])}`,
      () => `udp[${pick(['8', '10'])}:2] = ${pick(['0', '0x1234'])}`,
      () => `tcp[${pick(['0', '2', '12'])}] ${pick(['>', '<', '='])} ${pick(['0', '4', '80'])}`,
      () => `${pick(['', 'src ', 'dst '])}host ${pick(['10.0.0.1', '192.168.1.1'])}`,
      () => pick(['ip', 'ip6', 'tcp', 'udp', 'icmp', 'arp']),
    ])();
  const expr = (d: number): string => {
    if (d === 0 || rnd(3) === 0) return rnd(5) === 0 ? `not ${atom()}` : atom();
    return `(${expr(d - 1)} ${pick(['and', 'or'])} ${expr(d - 1)})`;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(expr(2));
  return out;
}

function inContract(rules: U32Rules, frame: Uint8Array): boolean {
  if (frame.length < (rules.contractMin ?? 0)) return false;
  const padded = new Uint8Array(frame.length + 3);
  padded.set(frame);
  return evaluateU32(rules, frame) === evaluateU32(rules, padded);
}

test(`linked u32 rules for random pcap transport filters match on real tc as libpcap (seed ${SEED})`, async (t) => {
  if (!root) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const pcap = loadLibpcap();
  if (!pcap.ok) return t.skip(`libpcap: ${pcap.reason}`);
  const made = await createTcLab('tfc-u32lp');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const installed: {
    text: string;
    prio: number;
    rules: U32Rules;
    program: Uint8Array;
    optimized: Uint8Array;
  }[] = [];
  const lines: string[] = [];
  const fallback: string[] = [];
  {
    using cc = pcap.value.compiler(DLT.EN10MB);
    for (const text of filters(SEED, FILTERS * 3)) {
      if (installed.length === FILTERS) break;
      const prio = installed.length + 1;
      const r = compileTc({
        source: { lang: 'pcap', filter: text },
        target: 'u32',
        dev: LAB_DEV,
        direction: 'ingress',
        prio,
        action: lab.countAction,
      });
      if (!r.ok || r.u32 === undefined) continue;
      if ((r.u32.tables ?? []).length === 0) {
        if (r.notes.some((n) => n.includes('16 IHL values'))) fallback.push(text);
        continue; // no transport load left (or the per-IHL fallback): the other proofs cover it
      }
      // tfc's IR is libpcap's unoptimized program (its optimizer may drop or move loads: short frames differ).
      const p = cc.compile(text, { optimize: false });
      const o = cc.compile(text, { optimize: true });
      assert.ok(p.ok && o.ok, `${text}: libpcap refuses it`);
      installed.push({ text, prio, rules: r.u32, program: p.program, optimized: o.program });
      lines.push(...r.lines);
    }
  }
  assert.ok(installed.length >= FILTERS / 2, `only ${installed.length} linked filters`);
  const applied = await applyBatch(lab.ns.name, lines, { timeoutMs: 60_000 });
  assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
  const tally = {
    kernel: 0,
    reference: 0,
    outside: 0,
    outsideDiffer: 0,
    hits: 0,
    ihlNot5: 0,
    optimizerDiffers: 0,
  };
  try {
    let before = await prioCounts(lab);
    for (const f of ipFrames(SEED + 1, FRAMES)) {
      const s = lab.send(f.bytes);
      assert.ok(s.ok, s.ok ? '' : s.error);
      const after = await prioCounts(lab);
      if (f.bytes[12] === 0x08 && f.bytes[13] === 0 && ((f.bytes[14] ?? 0) & 15) !== 5) tally.ihlNot5++;
      for (const x of installed) {
        const got = (after.get(x.prio) ?? 0n) - (before.get(x.prio) ?? 0n) > 0n;
        const model = evaluateU32(x.rules, f.bytes) === 'hit';
        const hex = Buffer.from(f.bytes).toString('hex');
        assert.equal(
          got,
          model,
          `seed ${SEED}: '${x.text}' on ${hex} (${f.desc}): kernel ${got}, model ${model}`,
        );
        tally.kernel++;
        if (got) tally.hits++;
        const ref: boolean = pcap.value.filter(x.program, f.bytes) !== 0;
        if ((pcap.value.filter(x.optimized, f.bytes) !== 0) !== ref) tally.optimizerDiffers++;
        if (inContract(x.rules, f.bytes)) {
          assert.equal(
            model,
            ref,
            `seed ${SEED}: '${x.text}' on ${hex} (${f.desc}): u32 ${model}, libpcap ${ref}`,
          );
          tally.reference++;
        } else {
          tally.outside++;
          if (model !== ref) tally.outsideDiffer++;
        }
      }
      before = after;
    }
  } finally {
    const d = await filterDel(lab.ns.name, LAB_DEV, 'ingress');
    assert.ok(d.ok, d.ok ? '' : d.error.message);
  }
  const rules = installed.map((x) => x.rules.knodes.length).sort((a, b) => a - b);
  t.diagnostic(
    `seed ${SEED}: ${installed.length} linked filters (rules median ${rules[Math.floor((rules.length - 1) / 2)]}, max ${rules.at(-1)}; ${fallback.length} fell back to the per-IHL expansion), ${tally.kernel} (filter, frame) pairs through real tc (${tally.hits} matches), ${tally.reference} also ≡ libpcap, ${tally.outside} outside the contract (${tally.outsideDiffer} differ from libpcap); ${tally.ihlNot5} of the ${FRAMES} frames IPv4 with IHL ≠ 5; libpcap's optimized program differs from its unoptimized one on ${tally.optimizerDiffers} pairs`,
  );
  assert.ok(tally.hits > 0 && tally.hits < tally.kernel, 'both verdicts occur');
  assert.ok(tally.ihlNot5 > 10, 'frames with IPv4 options or IHL < 5');
});
