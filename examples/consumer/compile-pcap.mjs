// A libpcap filter as classic BPF (the listing `tcpdump -d` prints) and as tc flower rules.
// Run in a project that has tfc-filter installed: node compile-pcap.mjs
import { compile, renderDiagnostics } from 'tfc-filter';

const cbpf = compile('tcp dst port 80', { lang: 'pcap', target: 'cbpf', emit: 'd' });
if (cbpf.ok && cbpf.kind === 'bpf') process.stdout.write(cbpf.output);

const flower = compile('tcp dst port 80', { lang: 'pcap', target: 'flower', dev: 'eth0' });
if (flower.ok && flower.kind === 'tc') process.stdout.write(flower.output);

const bad = compile('tcp port http', { lang: 'pcap', target: 'cbpf' });
if (!bad.ok) process.stdout.write(renderDiagnostics('tcp port http', bad.diagnostics));
