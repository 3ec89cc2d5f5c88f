// `tfc compile --lang pcap` in a child process (the size and scale tests measure the CLI as a user runs it).
// Invariants: the child is killed after 20 s; the program is written as raw bytes to `out`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/tfc/src/cli/bin.ts');

export function compileInChild(text: string, target: 'cbpf' | 'ebpf', out: string) {
  return spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      BIN,
      'compile',
      '--lang',
      'pcap',
      text,
      '--target',
      target,
      '--emit',
      'bin',
      '-o',
      out,
    ],
    { cwd: ROOT, timeout: 20_000, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
}
