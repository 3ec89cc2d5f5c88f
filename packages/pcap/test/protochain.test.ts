// Long IPv6 extension-header chains against libpcap 1.10.3 (bpf_filter through koffi, on libpcap's own
// program): libpcap's gen_protochain is a loop (a backward jump, which its userland bpf_filter runs) and
// follows a chain of any length; tfc unrolls PROTOCHAIN_DEPTH steps. For chains of 0..100 headers (hop-by-hop,
// routing, destination options, fragment in turn) ending in the protocol asked for or in another one,
// tfc must agree with libpcap on every chain of at most PROTOCHAIN_DEPTH headers, and on longer ones reject
// where libpcap accepts (the documented limit, README "Long protochains"): the test fails if either side moves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from '@tfc/ir';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import { compilePcap } from '../src/index.ts';
import { PROTOCHAIN_DEPTH } from '../src/lower.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

/** Hop-by-hop, routing, destination options, fragment (AH is walked too, but with 1.10.3's offset bug). */
const KINDS = [0, 43, 60, 44] as const;

/** Ethernet + IPv6 with `n` extension headers (8 bytes each; AH's length field 0 = 8 bytes) then `last`. */
function chain(n: number, last: number): Uint8Array {
  const next = (i: number) => (i < n ? KINDS[i % KINDS.length]! : last);
  const hdrs: number[] = [];
  for (let i = 0; i < n; i++) hdrs.push(next(i + 1), 0, 0, 0, 0, 0, 0, 0);
  const ip6 = [0x60, 0, 0, 0, 0, hdrs.length + 8, next(0), 64, ...Array(32).fill(1)];
  return Uint8Array.from([...Array(12).fill(0x11), 0x86, 0xdd, ...ip6, ...hdrs, ...Array(8).fill(0)]);
}

test('ip6 protochain on chains of 0..100 extension headers: libpcap walks on, tfc stops after the unrolled depth', {
  skip,
}, () => {
  assert.ok(pcap.ok);
  using c = pcap.value.compiler(DLT.EN10MB);
  let agree = 0;
  let beyond = 0;
  for (const filter of ['ip6 protochain 17', 'protochain 6', 'ip6 protochain 58']) {
    const want = Number(filter.split(' ').pop());
    const lib = c.compile(filter, { optimize: false });
    assert.ok(lib.ok);
    const t = compilePcap(filter, { linktype: 'ethernet' });
    assert.ok(t.ok);
    for (let n = 0; n <= 100; n++)
      for (const last of [want, 59]) {
        const f = chain(n, last);
        const byLibpcap: boolean = pcap.value.filter(lib.program, f) !== 0;
        const byTfc: boolean = evaluate(t.ir, { packet: f }) === 'accept';
        if (n <= PROTOCHAIN_DEPTH) {
          assert.equal(byTfc, byLibpcap, `${filter}, ${n} headers then ${last}`);
          agree++;
        } else if (byLibpcap) {
          assert.equal(byTfc, false, `${filter}, ${n} headers: beyond the unrolled depth tfc rejects`);
          beyond++;
        } else assert.equal(byTfc, false, `${filter}, ${n} headers then ${last}`);
      }
  }
  console.log(
    `# protochain: ${agree} chains of ≤ ${PROTOCHAIN_DEPTH} headers agree; ${beyond} longer ones libpcap accepts and tfc rejects`,
  );
  assert.ok(beyond > 0);
});
