// The namespace lab of the capture tests: two private network namespaces joined by a veth pair (10.200.0.1 on `ca`
// in A, 10.200.0.2 on `cb` in B; a spare veth pair in B before it, so ca and cb have different ifindexes), an nftables
// table in B that drops UDP to DROP_PORT, a UDP listener in B on
// OPEN_PORT, and a sender in A. Traffic to CLOSED_PORT dies with NO_SOCKET, to DROP_PORT with NETFILTER_DROP,
// to OPEN_PORT is delivered. Invariants: dispose() kills the listener and deletes both namespaces (and with them
// the veths and the nftables table), once, on every exit path; every command runs through execFile, never a shell.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createNamespace, type Namespace, run } from '@tfc/iproute2';

export const CLOSED_PORT = 9001;
export const DROP_PORT = 9002;
export const OPEN_PORT = 9003;
export const A_ADDR = '10.200.0.1';
export const B_ADDR = '10.200.0.2';

export interface Lab {
  readonly a: Namespace;
  readonly b: Namespace;
  /** netns inode numbers of A and B. */
  readonly inodeA: number;
  readonly inodeB: number;
  /** ifindex of ca in A and of cb in B (different). */
  readonly ifindexA: number;
  readonly ifindexB: number;
  /** Sends `n` UDP datagrams from A to B:port, `payload` each, `gapMs` apart (0: a burst). */
  send(port: number, n: number, payload?: string, gapMs?: number): Promise<void>;
  /** Resolves once the listener in B has received `n` datagrams. */
  received(n: number, timeoutMs?: number): Promise<number>;
  dispose(): Promise<void>;
}

/** Why the lab cannot be built here, or undefined. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, BPF)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'ip (iproute2) not installed';
  if (spawnSync('nft', ['--version']).status !== 0) return 'nft (nftables) not installed';
  return undefined;
}

async function must(p: Promise<{ ok: boolean; error?: { message: string } }>, what: string): Promise<void> {
  const r = await p;
  if (!r.ok) throw new Error(`${what}: ${r.error?.message ?? 'failed'}`);
}

function nsInode(path: string): number {
  const r = spawnSync('stat', ['-L', '-c', '%i', path], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

function ifindexOf(netns: string, dev: string): number {
  const r = spawnSync('ip', ['-n', netns, '-o', 'link', 'show', dev], { encoding: 'utf8' });
  return Number(/^(\d+):/.exec(r.stdout)?.[1] ?? Number.NaN);
}

export async function createLab(): Promise<Lab> {
  const made: Namespace[] = [];
  let listener: ChildProcess | undefined;
  const dispose = async (): Promise<void> => {
    if (listener !== undefined && listener.exitCode === null) listener.kill('SIGKILL');
    for (const ns of made.splice(0).reverse()) await ns.dispose();
  };
  try {
    const a = await createNamespace('tfc-cap-a');
    if (!a.ok) throw new Error(`namespace A: ${a.error.message}`);
    made.push(a.value);
    const b = await createNamespace('tfc-cap-b');
    if (!b.ok) throw new Error(`namespace B: ${b.error.message}`);
    made.push(b.value);
    const A = a.value.name;
    const B = b.value.name;
    // a spare veth pair first, so cb's ifindex in B (4) differs from ca's in A (2): `ifindex N` tells them apart
    await must(
      run('ip', ['link', 'add', 'cd0', 'type', 'veth', 'peer', 'name', 'cd1'], { netns: B }),
      'spare B',
    );
    await must(
      run('ip', ['link', 'add', 'ca', 'type', 'veth', 'peer', 'name', 'cb', 'netns', B], { netns: A }),
      'veth',
    );
    await must(run('ip', ['addr', 'add', `${A_ADDR}/24`, 'dev', 'ca'], { netns: A }), 'addr A');
    await must(run('ip', ['addr', 'add', `${B_ADDR}/24`, 'dev', 'cb'], { netns: B }), 'addr B');
    await must(run('ip', ['link', 'set', 'ca', 'up'], { netns: A }), 'up A');
    await must(run('ip', ['link', 'set', 'cb', 'up'], { netns: B }), 'up B');
    const nft = await run('ip', ['netns', 'exec', B, 'nft', '-f', '-'], {
      input: `table inet tfc_lab {\n chain input {\n  type filter hook input priority 0; policy accept;\n  udp dport ${DROP_PORT} drop\n }\n}\n`,
    });
    if (!nft.ok) throw new Error(`nft: ${nft.error.message}`);
    let got = 0;
    const waiters: (() => void)[] = [];
    listener = spawn(
      'ip',
      [
        'netns',
        'exec',
        B,
        process.execPath,
        '-e',
        `const s=require('dgram').createSocket('udp4');s.bind(${OPEN_PORT},'${B_ADDR}',()=>console.log('ready'));s.on('message',()=>console.log('got'));`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('listener did not start')), 10_000);
      listener?.stdout?.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\n')) {
          if (line === 'ready') {
            clearTimeout(timer);
            resolve();
          }
          if (line === 'got') {
            got++;
            for (const w of waiters.splice(0)) w();
          }
        }
      });
    });
    const inodeA = nsInode(a.value.path);
    const inodeB = nsInode(b.value.path);
    return {
      a: a.value,
      b: b.value,
      inodeA,
      inodeB,
      ifindexA: ifindexOf(A, 'ca'),
      ifindexB: ifindexOf(B, 'cb'),
      send: async (port, n, payload = 'tfc', gapMs = 20) => {
        const script = `const s=require('dgram').createSocket('udp4');let i=0;const next=()=>{if(i++>=${n}){s.close();return}s.send(${JSON.stringify(payload)},${port},'${B_ADDR}',()=>${gapMs > 0 ? `setTimeout(next,${gapMs})` : 'next()'})};next();`;
        await must(run('ip', ['netns', 'exec', A, process.execPath, '-e', script]), `send to ${port}`);
      },
      received: (n, timeoutMs = 5000) =>
        new Promise<number>((resolve) => {
          const t0 = Date.now();
          const check = (): void => {
            if (got >= n || Date.now() - t0 > timeoutMs) resolve(got);
            else {
              waiters.push(check);
              setTimeout(check, 100);
            }
          };
          check();
        }),
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}
