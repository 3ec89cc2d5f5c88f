// Curated edge cases (literal forms, qualifier combinations, protocol names, arithmetic, size limits):
// tfc accepts exactly what libpcap 1.10.3 accepts (apart from documented `unsupported` gaps) and, where
// both accept, gives libpcap's verdicts on the 35 corpus frames and their truncations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate } from '@tfc/ir';
import { DLT, loadLibpcap } from '@tfc/kernel/sys';
import { compilePcap } from '../src/index.ts';
import { corpusFrames } from './corpus.ts';

const pcap = loadLibpcap();
const skip = pcap.ok ? false : pcap.reason;

const CASES: readonly string[] = [
  'host 0x0a.0.0.1',
  'host 01.2.3.4',
  'ip6 host ::ffff:1.2.3.4',
  'ip6 host ::1',
  'host ::',
  'ether host 0:1:2:3:4:5',
  'ether host 00-11-22-33-44-55',
  'ether host 0.1.2.3.4.5',
  'net 10.0.0.0 mask 255.255.0.0',
  'net 10 mask 255.0.0.0',
  'dst net 10.0.0.0/8 or 192.168',
  'port 0x50',
  'port 080',
  'portrange 80',
  'portrange 0-65535',
  'portrange 00080-00090',
  'tcp[0:4] = 0xffffffff',
  'ip[0] = -1',
  'len = -1',
  'ip proto 255',
  'ip6 proto 256',
  'ether proto 0xffff',
  'ether proto 65536',
  'less 0x10',
  'greater (10)',
  'vlan (100)',
  'vlan ((100))',
  'mpls 0xfffff',
  'host 10.0.0.1/32',
  'net 10.0.0.1/32',
  'net 1.2.3.4 mask 255.255.255.255',
  'icmp6 and ip6[40] = icmp6-echo',
  'src or dst host 1.2.3.4',
  'dst and src port 80',
  'not not not tcp',
  '!tcp',
  'tcp&&udp',
  'tcp||!udp',
  'ip[1+1:2]=0',
  'ip[ip[0]&0xf] = 0',
  'ether[12:2] = 0x800',
  'link[12:2] = 0x800',
  'ppp[0] = 1',
  'slip[0]=1',
  'fddi host 1:2:3:4:5:6',
  'tr src aa:bb:cc:dd:ee:ff',
  'wlan host 1:2:3:4:5:6',
  'decnet',
  'decnet host 1.2',
  'iso',
  'stp',
  'netbeui',
  'ipx',
  'atalk',
  'aarp',
  'clnp',
  'esis',
  'isis',
  'l1',
  'radio',
  'host 1.2.3.4 and port 80 and 443',
  'port 80 and host 1.2.3.4 or 5.6.7.8',
  'arp src 10.0.0.1',
  'rarp dst host 10.0.0.1',
  'ip src 10.0.0.1',
  'ip6 src 2001:db8::1',
  'ip6 dst net 2001:db8::/32',
  'src 2001:db8::1',
  'net 2001:db8::/32',
  'ether src host ff:ff:ff:ff:ff:ff',
  'ether dst 112233445566',
  'ether 1:2:3:4:5:6',
  'host 1:2:3:4:5:6',
  'link host 1:2:3:4:5:6',
  'tcp src port 80 and dst port 80',
  'udp src or dst port 53',
  'sctp port 1',
  'icmp[icmptype] != icmp-echo and icmp[icmpcode] = 0',
  'ip and ip and ip',
  'ip6 protochain 58',
  'ip protochain 6',
  'protochain 17',
  'pppoed',
  'pppoes 0x10000',
  'geneve 0x1000000',
  'ip multicast and ip6 multicast',
  'ether broadcast or ether multicast',
  'multicast and broadcast',
  'len >= 0 and len <= 0xffffffff',
  'tcp[13] & (tcp-syn|tcp-ack) = tcp-syn',
  '(ip[6:2] & 0x1fff) = 0',
  'ip[2:2] - ((ip[0]&0xf)<<2) - ((tcp[12]&0xf0)>>2) != 0',
];

test('curated edge cases: same accept/reject decision and verdicts as libpcap', { skip }, () => {
  assert.ok(pcap.ok);
  const lib = pcap.value;
  using c = lib.compiler(DLT.EN10MB, 262144);
  const frames = corpusFrames().flatMap((f) => [f.bytes, f.bytes.subarray(0, 20), f.bytes.subarray(0, 40)]);
  let both = 0;
  let gaps = 0;
  for (const f of CASES) {
    const l = c.compile(f, { optimize: false });
    const t = compilePcap(f, { linktype: 'ethernet' });
    if (!l.ok) {
      assert.ok(!t.ok, `tfc accepts '${f}'; libpcap: ${l.error}`);
      continue;
    }
    if (!t.ok) {
      assert.equal(t.diagnostics[0]!.code, 'unsupported', `${f}: ${t.diagnostics[0]!.message}`);
      gaps++;
      continue;
    }
    both++;
    for (const fr of frames) {
      const want: 'accept' | 'reject' = lib.filter(l.program, fr) !== 0 ? 'accept' : 'reject';
      assert.equal(evaluate(t.ir, { packet: fr }), want, `'${f}' on ${Buffer.from(fr).toString('hex')}`);
    }
  }
  assert.equal(CASES.length, 92);
  assert.ok(both >= 70 && gaps <= 8, `${both} compared, ${gaps} gaps`);
});
