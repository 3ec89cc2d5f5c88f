// Grammar semantics pinned by IR equality: qualifier inheritance into bare ids, equal-precedence
// left-associative and/or, `%`/`^` precedence, empty filter; the scopedEncap option against libpcap's
// vlan offset behaviour (corpus #60/#61); raw-IP link type; deterministic output.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, printFilter } from '@tfc/ir';
import { compilePcap, type LinkType } from '../src/index.ts';
import { corpusFrames } from './corpus.ts';

function ir(text: string, linktype: LinkType = 'ethernet', scopedEncap = false): string {
  const r = compilePcap(text, { linktype, scopedEncap });
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.diagnostics[0]?.message}`);
  return printFilter(r.ir);
}

const SAME: readonly [string, string][] = [
  ['host 10.0.0.1 and 10.0.0.2', 'host 10.0.0.1 and host 10.0.0.2'],
  ['host 10.0.0.1 and not 10.0.0.2', 'host 10.0.0.1 and not host 10.0.0.2'],
  ['tcp dst port 80 or 443', 'tcp dst port 80 or tcp dst port 443'],
  [
    'src net 10.0.0.0/8 or (192.168.0.0/16 or 1.2.3.4)',
    'src net 10.0.0.0/8 or (src net 192.168.0.0/16 or src net 1.2.3.4)',
  ],
  ['ip6 src host 2001:db8::1 or 2001:db8::2', 'ip6 src host 2001:db8::1 or ip6 src host 2001:db8::2'],
  ['host 10.0.0.1 and (tcp) and 10.0.0.2', 'host 10.0.0.1 and (tcp) and host 10.0.0.2'],
  ['host not 10.0.0.1', 'not host 10.0.0.1'],
  ['port 80 and 1 > 0', 'port 80 and (1 > 0)'],
  ['tcp or udp and icmp', '(tcp or udp) and icmp'],
  ['tcp and udp or icmp and arp', '((tcp and udp) or icmp) and arp'],
  ['not tcp and udp', '(not tcp) and udp'],
  ['! tcp && udp || arp', '(not tcp and udp) or arp'],
  ['ip[0] & 0xf % 3 + 1 > 2', 'ip[0] & (0xf % (3 + 1)) > 2'],
  ['len - 1 - 1 = 0', '(len - 1) - 1 = 0'],
  ['2 + 3 * 4 = 14', '2 + (3 * 4) = 14'],
  ['1 | 2 & 3 << 1 + 1 = 3', '1 | (2 & (3 << (1 + 1))) = 3'],
  ['-len % 3 = 1', '-(len % 3) = 1'],
  ['tcp[tcpflags] & tcp-syn != 0', 'tcp[13] & 2 != 0'],
  ['icmp[icmptype] == icmp-echo', 'icmp[0] = 8'],
  ['greater 100', 'len >= 100'],
  ['less 64', 'len <= 64'],
  ['ether host 00:11:22:33:44:55', 'ether host 0011.2233.4455'],
  ['ether src 00-11-22-33-44-55', 'ether src host 001122334455'],
  ['net 10', 'net 10.0.0.0/8'],
  ['net 192.168', 'net 192.168.0.0/16'],
  ['portrange 2000-1000', 'portrange 1000-2000'],
];

test('qualifier inheritance, precedence and literal forms: IR equalities', () => {
  for (const [a, b] of SAME) assert.equal(ir(a), ir(b), `${a}  ≡  ${b}`);
  assert.notEqual(ir('tcp or udp and icmp'), ir('tcp or (udp and icmp)'));
  assert.equal(SAME.length, 26);
});

test('the empty filter accepts everything; output is deterministic', () => {
  const r = compilePcap('', { linktype: 'ethernet' });
  assert.ok(r.ok && r.ir.body.kind === 'true');
  const t = 'vlan 100 and tcp port 80 or ip6 protochain 17 and not host 10.0.0.1';
  assert.equal(ir(t), ir(t));
});

const frames = corpusFrames();
const frame = (n: number) => frames[n - 1]!.bytes;
const verdict = (text: string, n: number, scopedEncap: boolean) => {
  const r = compilePcap(text, { linktype: 'ethernet', scopedEncap });
  assert.ok(r.ok);
  return evaluate(r.ir, { packet: frame(n) });
};

test('vlan shifts the rest of the expression (libpcap) or only its and-chain (scopedEncap)', () => {
  // frame 1: untagged IPv4; frame 19: 802.1Q vlan 100 / IPv4
  // libpcap: in `(vlan and ip) or ip` the second `ip` reads the EtherType 4 bytes further on
  assert.equal(verdict('(vlan and ip) or ip', 1, false), 'reject');
  assert.equal(verdict('(vlan and ip) or ip', 1, true), 'accept');
  assert.equal(verdict('(vlan and ip) or ip', 19, true), 'accept');
  // libpcap: `ip or (vlan and ip)` = `(ip or vlan) and ip`?? no: parenthesised, the last ip is shifted
  assert.equal(verdict('ip or (vlan and ip)', 19, false), 'accept');
  assert.equal(verdict('ip or (vlan and ip)', 19, true), 'accept');
  // or/not do not leak the shift in scoped mode; and-chains carry it
  assert.equal(verdict('ip or vlan and ip', 19, false), 'accept');
  assert.equal(verdict('ip or vlan and ip', 19, true), 'reject');
  assert.equal(verdict('vlan 100 and udp and port 53', 19, true), 'accept');
  assert.equal(verdict('not vlan and ip', 1, false), 'reject');
  assert.equal(verdict('not vlan and ip', 1, true), 'accept');
  assert.equal(ir('vlan and ip', 'ethernet', true), ir('vlan and ip'));
});

test('raw IP: the version nibble replaces the EtherType; link-layer primitives are false or errors', () => {
  assert.equal(ir('ip', 'raw'), '(filter\n  (eq u4 (& (load packet 0 u1be) 240) 64))\n');
  assert.equal(ir('ip6', 'raw'), '(filter\n  (eq u4 (& (load packet 0 u1be) 240) 96))\n');
  const arp = compilePcap('arp', { linktype: 'raw' });
  assert.ok(arp.ok && arp.ir.body.kind === 'false');
  const tcp = compilePcap('tcp port 80', { linktype: 'raw' });
  assert.ok(tcp.ok);
  // frame 1 without its 14-byte Ethernet header is a raw IPv4 TCP packet to port 80
  assert.equal(evaluate(tcp.ir, { packet: frame(1).subarray(14) }), 'accept');
  assert.equal(evaluate(tcp.ir, { packet: frame(1) }), 'reject');
  for (const bad of ['vlan', 'mpls', 'ether host 00:11:22:33:44:55', 'ether multicast']) {
    assert.ok(!compilePcap(bad, { linktype: 'raw' }).ok, bad);
  }
});

test('errors carry spans pointing at the offending text', () => {
  const cases: [string, string][] = [
    ['host 10.0.0.1 and foo', 'foo'],
    ['len / 0 > 1', 'len / 0'],
    ['tcp port 70000', '70000'],
    ['ip[0:3] = 1', '3'],
    ['tcp and and', 'and'],
    ['vlan 5000', 'vlan 5000'],
  ];
  for (const [text, at] of cases) {
    const r = compilePcap(text, { linktype: 'ethernet' });
    assert.ok(!r.ok, text);
    const s = r.diagnostics[0]!.span;
    assert.equal(text.slice(s.start, s.end), at, `${text}: ${r.diagnostics[0]!.message}`);
  }
});

test('pppoes: session id, PPP protocol numbers and shifted offsets', () => {
  // frame 1 (IPv4 TCP to port 80) re-encapsulated in a PPPoE session 5 frame (PPP protocol 0x0021)
  const ip = frame(1).subarray(14);
  const hdr = [0x11, 0, 0, 5, (ip.length + 2) >> 8, (ip.length + 2) & 0xff, 0, 0x21];
  const pkt = Uint8Array.from([...frame(1).subarray(0, 12), 0x88, 0x64, ...hdr, ...ip]);
  const v = (t: string) => {
    const r = compilePcap(t, { linktype: 'ethernet' });
    assert.ok(r.ok, t);
    return evaluate(r.ir, { packet: pkt });
  };
  assert.equal(v('pppoes'), 'accept');
  assert.equal(v('pppoes 5 and tcp dst port 80 and host 10.0.0.1'), 'accept');
  assert.equal(v('pppoes 6'), 'reject');
  assert.equal(v('pppoes and ip6'), 'reject');
  assert.equal(v('tcp'), 'reject');
  assert.ok(!compilePcap('pppoes and vlan', { linktype: 'ethernet' }).ok);
});
