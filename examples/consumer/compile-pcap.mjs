// A libpcap filter as classic BPF (the listing `tcpdump -d` prints) and as tc flower rules.
// Run in a project that has tfc-filter installed: node compile-pcap.mjs
import { cbpf, compile, renderDiagnostics } from 'tfc-filter';

const classic = compile('tcp dst port 80', { lang: 'pcap', target: 'cbpf', emit: 'd' });
if (classic.ok && classic.kind === 'bpf') process.stdout.write(classic.output);

// The program in tfc's classic BPF VM (libpcap's semantics), on Ethernet + IPv4 + TCP packets to ports 80 and 443.
const packet = (dport) => {
  const p = new Uint8Array(54);
  p.set([0x08, 0x00, 0x45], 12); // EtherType IPv4, IHL 5
  p[23] = 6; // TCP
  p.set([dport >> 8, dport & 0xff], 36);
  return p;
};
for (const dport of [80, 443]) {
  const r = classic.ok ? cbpf.run(classic.program.insns, packet(dport), { semantics: 'libpcap' }) : undefined;
  console.log(
    `tcp to ${dport}: ${r && 'result' in r ? (r.result !== 0 ? 'accepted' : 'rejected') : 'no program'}`,
  );
}

const flower = compile('tcp dst port 80', { lang: 'pcap', target: 'flower', dev: 'eth0' });
if (flower.ok && flower.kind === 'tc') process.stdout.write(flower.output);

const bad = compile('tcp port http', { lang: 'pcap', target: 'cbpf' });
if (!bad.ok) process.stdout.write(renderDiagnostics('tcp port http', bad.diagnostics));
