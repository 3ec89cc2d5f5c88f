// compile-pcap.mjs with types: options are checked by the compiler (a flower rule takes no emit form).
import { type CompileOptions, cbpf, compile, renderDiagnostics } from 'tfc-filter';

const cbpfOptions: CompileOptions = { lang: 'pcap', target: 'cbpf', emit: 'd' };
const classic = compile('tcp dst port 80', cbpfOptions);
if (classic.ok && classic.kind === 'bpf' && classic.program.target === 'cbpf') {
  const r: cbpf.RunResult = cbpf.run(classic.program.insns, new Uint8Array(54), { semantics: 'libpcap' });
  console.log('result' in r ? r.result : r.error);
}

const flower = compile('tcp dst port 80', {
  lang: 'pcap',
  target: 'flower',
  dev: 'eth0',
  flowerProfile: 'mlx5',
});
if (flower.ok && flower.kind === 'tc') process.stdout.write(flower.output);

const bad = compile('tcp port http', { lang: 'pcap', target: 'cbpf' });
if (!bad.ok) process.stdout.write(renderDiagnostics('tcp port http', bad.diagnostics));

// The types refuse what the CLI refuses: a P4 emit form on a BPF target.
// @ts-expect-error 'bmv2' is not an emit form of target cbpf
compile('tcp', { lang: 'pcap', target: 'cbpf', emit: 'bmv2' });
