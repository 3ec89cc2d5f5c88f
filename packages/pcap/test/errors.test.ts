// Error parity with libpcap 1.10.3 (through koffi): every malformed filter in the list, and every
// random token sequence, that libpcap's pcap_compile rejects is rejected by tfc with a diagnostic
// whose span lies inside the text. Random sequences that both accept must give the same verdicts on
// sample frames; those only libpcap accepts must be documented gaps (`unsupported` / `name`).
// Also: lexer facts (longest match), deep nesting is a diagnostic (no stack overflow), named
// constants equal libpcap's values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from '@tfc/ir';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import fc from 'fast-check';
import { compilePcap, NAMED_CONSTANTS, parsePcap } from '../src/index.ts';
import { corpusFrames } from './corpus.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

/** Filters libpcap 1.10.3 rejects (syntax, numbers, addresses, qualifiers, link-type limits). */
const MALFORMED: readonly string[] = [
  'tcp and and',
  'and',
  'not',
  '(',
  ')',
  '(tcp',
  'tcp)',
  'host',
  'port',
  'src',
  'src or src 1.2.3.4',
  'host 1.2.3.4 5.6.7.8',
  'TCP',
  'tcp and 80',
  'ip and 1.2.3.4',
  '(host 1.1.1.1) and 2.2.2.2',
  '10.0.0.1',
  '(1 or 2)',
  '80',
  '(80)',
  'len',
  'len + 1',
  'len-1 > 0',
  'ip[0:3] = 1',
  'ip[0:0] = 1',
  'ip[0 = 1',
  'ip[] = 1',
  '1 > 2 > 3',
  'len = 08',
  'len = 4294967296',
  'len = 0x100000000',
  'len / 0 > 1',
  'len % 0 > 1',
  'len << 32 > 1',
  'len >> 40 > 1',
  'len / udp[0] > 1',
  'host foo',
  'port 1.2.3.4',
  'port 70000',
  'portrange 1000-70000',
  'port 1000-2000',
  'proto 1.2.3.4',
  'ip proto tcp',
  'ether proto ip',
  'host 1.2.3.256',
  'host 1.2.3.4.5',
  'net 10.0.0.1/8',
  'net 10.0.0.0/33',
  'net 10.0.0.0 mask 255.0.0.1 and net 10.0.0.1 mask 255.0.0.0',
  'host 10.0.0.0/8',
  'ip6 host 1.2.3.4',
  'ip host 2001:db8::1',
  'host 2001:db8::/64',
  'net 2001:db8::1/64',
  'net 2001:db8::/129',
  'host 1::2::3',
  'ether host 1.2.3.4',
  'ether host 1:2:3',
  'host aa:bb:cc:dd:ee:ff',
  'tcp host 1.2.3.4',
  'udp net 10.0.0.0/8',
  'ip port 80',
  'icmp port 80',
  'arp proto 6',
  'tcp proto 6',
  'src proto 6',
  'gateway 1.2.3.4',
  'host $1',
  'vlan 5000',
  'mpls 2000000',
  'mpls and vlan',
  'ip6 broadcast',
  'tcp multicast',
  'ip broadcast',
  'link',
  'vxlan',
  'vlan and',
  'not not',
  '&&',
  'tcp[13] & ',
  'ip[0] = = 1',
  'icmp-echo',
  'tcp or (udp',
  '#',
  'host 10.0.0.1 @',
];

/** Filters libpcap rejects for DLT_RAW only. */
const MALFORMED_RAW: readonly string[] = [
  'vlan',
  'mpls',
  'ether broadcast',
  'ether multicast',
  'ether host aa:bb:cc:dd:ee:ff',
  'broadcast',
];

test('every listed malformed filter: libpcap rejects → tfc rejects with a span', { skip }, () => {
  assert.ok(pcap.ok);
  using eth = pcap.value.compiler(DLT.EN10MB, 262144);
  using raw = pcap.value.compiler(DLT.RAW, 262144);
  const cases = [
    ...MALFORMED.map((f) => ({ f, c: eth, l: 'ethernet' as const })),
    ...MALFORMED_RAW.map((f) => ({ f, c: raw, l: 'raw' as const })),
  ];
  for (const { f, c, l } of cases) {
    const lib = c.compile(f, { optimize: false });
    assert.ok(!lib.ok, `libpcap accepts '${f}' (${l}): fix the list`);
    const t = compilePcap(f, { linktype: l });
    assert.ok(!t.ok, `tfc accepts '${f}' (${l}) which libpcap rejects: ${lib.ok ? '' : lib.error}`);
    const d = t.diagnostics[0]!;
    assert.ok(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= f.length, `${f}: span`);
    assert.ok(d.message.length > 0);
  }
  assert.equal(cases.length, MALFORMED.length + MALFORMED_RAW.length);
});

const VOCAB = [
  'tcp',
  'udp',
  'ip',
  'ip6',
  'arp',
  'icmp',
  'ether',
  'host',
  'net',
  'port',
  'portrange',
  'src',
  'dst',
  'proto',
  'protochain',
  'and',
  'or',
  'not',
  '!',
  '&&',
  '||',
  '(',
  ')',
  '[',
  ']',
  ':',
  '=',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '&',
  '|',
  '^',
  '<<',
  '>>',
  'len',
  'vlan',
  'mpls',
  'less',
  'greater',
  'broadcast',
  'multicast',
  'mask',
  '1',
  '0',
  '80',
  '443',
  '4',
  '2',
  '13',
  '0x10',
  '10.0.0.1',
  '10.0.0',
  '10.0.0.0/8',
  '255.0.0.0',
  '2001:db8::1',
  'aa:bb:cc:dd:ee:ff',
  '1000-2000',
  'tcpflags',
  'tcp-syn',
  'foo',
];

test('random token sequences: libpcap rejects ⇒ tfc rejects; both accept ⇒ same verdicts', { skip }, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  using eth = lib.compiler(DLT.EN10MB, 262144);
  const frames = corpusFrames().map((f) => f.bytes);
  let rejectedBoth = 0;
  let acceptedBoth = 0;
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...VOCAB), { minLength: 1, maxLength: 7 }), (toks) => {
      const f = toks.join(' ');
      const l = eth.compile(f, { optimize: false });
      const t = compilePcap(f, { linktype: 'ethernet' });
      if (!l.ok) {
        assert.ok(!t.ok, `tfc accepts '${f}'; libpcap: ${l.error}`);
        rejectedBoth++;
        return;
      }
      if (!t.ok) {
        const code = t.diagnostics[0]!.code;
        assert.ok(
          code === 'unsupported' || code === 'name',
          `tfc rejects '${f}': ${t.diagnostics[0]!.message}`,
        );
        return;
      }
      acceptedBoth++;
      for (const fr of frames) {
        const want: 'accept' | 'reject' = lib.filter(l.program, fr) !== 0 ? 'accept' : 'reject';
        assert.equal(evaluate(t.ir, { packet: fr }), want, `'${f}'`);
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(rejectedBoth > 1000 && acceptedBoth > 20, `${rejectedBoth} rejected, ${acceptedBoth} accepted`);
});

test('lexing follows flex longest match', () => {
  const kinds = (s: string) => {
    const r = parsePcap(s);
    return r.ok ? 'ok' : r.diagnostics[0]!.message;
  };
  // `len-1` is one ID and `1000-2000` a port range ID
  assert.match(kinds('len-1 > 0'), /syntax error/);
  assert.equal(kinds('portrange 1000-2000'), 'ok');
  assert.equal(kinds('len - 1 > 0'), 'ok');
  assert.equal(kinds('ether host 112233445566'), 'ok');
  assert.match(kinds('host 1::2::3'), /bogus ethernet address/);
  const r = compilePcap('ether host 112233445566', { linktype: 'ethernet' });
  assert.ok(r.ok);
});

test('deep nesting and long chains give diagnostics or IR, never a stack overflow', () => {
  const deep = `${'('.repeat(5000)}tcp${')'.repeat(5000)}`;
  const r = compilePcap(deep, { linktype: 'ethernet' });
  assert.ok(!r.ok && r.diagnostics[0]!.code === 'depth');
  const nots = `${'not '.repeat(5000)}tcp`;
  const n = compilePcap(nots, { linktype: 'ethernet' });
  assert.ok(!n.ok && n.diagnostics[0]!.code === 'depth');
  const arith = `${'-'.repeat(5000)}1 = 1`;
  const a = compilePcap(arith, { linktype: 'ethernet' });
  assert.ok(!a.ok && a.diagnostics[0]!.code === 'depth');
  const chain = Array.from({ length: 20000 }, (_, i) => `host 10.0.${i >> 8}.${i & 255}`).join(' or ');
  const c = compilePcap(chain, { linktype: 'ethernet' });
  assert.ok(c.ok, 'a 20,000-term or chain is flat');
  const alt = Array.from({ length: 3000 }, () => 'tcp').join(' and udp or ');
  const d = compilePcap(alt, { linktype: 'ethernet' });
  assert.ok(!d.ok && d.diagnostics[0]!.code === 'depth');
});

test('named constants have libpcap’s values', { skip }, () => {
  assert.ok(pcap.ok);
  using eth = pcap.value.compiler(DLT.EN10MB, 262144);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  let n = 0;
  for (const [name, value] of Object.entries(NAMED_CONSTANTS)) {
    const a = eth.compile(`ip[0] = ${name}`, { optimize: false });
    const b = eth.compile(`ip[0] = ${value}`, { optimize: false });
    assert.ok(a.ok && b.ok, name);
    assert.equal(hex(a.program), hex(b.program), name);
    n++;
  }
  assert.equal(n, 57);
});
