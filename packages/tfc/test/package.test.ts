/*
 * The installable package, as a user outside the repository gets it: `pnpm run package` (scripts/package.mjs), then
 * `npm install <tarball>` into an empty folder; there `npx tfc` compiles without tsx, a plain .mjs imports the library
 * and compiles to tc rules, eBPF and (pcap) flower, and a strict TypeScript consumer type-checks against the typings.
 * In the same folder, the examples of examples/consumer/ run as a user runs them: each .mjs with plain `node`, its
 * stdout equal to the output docs/library.md shows under the file's own text (the page quotes each file whole), and
 * every .ts (with use.ts) type-checked by one strict `tsc --noEmit`.
 * Invariants: skips, with the reason, when npm or the npm registry (for koffi) is unreachable; removes its folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function run(cmd: string, args: readonly string[], cwd: string, timeout = 120_000) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, NO_UPDATE_NOTIFIER: '1' },
  });
  return { code: r.status, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function unreachable(): string | undefined {
  if (run('npm', ['--version'], root, 20_000).code !== 0) return 'npm is not installed';
  const v = run('npm', ['view', 'koffi', 'version', '--prefer-offline'], root, 30_000);
  return v.code === 0
    ? undefined
    : `the npm registry is unreachable (npm view koffi: ${v.err.trim().split('\n')[0]})`;
}

const CONSUMER = join(root, 'examples/consumer');

/** docs/library.md's examples: the quoted file text and the output shown under `$ node FILE`. */
function documentedExamples(): Map<string, { text: string; output: string }> {
  const page = readFileSync(join(root, 'docs/library.md'), 'utf8');
  const found = new Map<string, { text: string; output: string }>();
  const re =
    /```js title="examples\/consumer\/([^"]+)"\n([\s\S]*?)```\n\n```console\n\$ node (\S+)\n([\s\S]*?)```/g;
  for (const m of page.matchAll(re)) {
    const [, file, text, ran, output] = m as unknown as [string, string, string, string, string];
    assert.equal(ran, file, `docs/library.md: the output under ${file} is of ${ran}`);
    found.set(file, { text, output });
  }
  return found;
}

/** Runs every consumer example in `dir` (the tarball installed there) against the page. */
function checkExamples(dir: string): string[] {
  const files = readdirSync(CONSUMER).sort();
  const documented = documentedExamples();
  const mjs = files.filter((f) => f.endsWith('.mjs'));
  assert.ok(mjs.length >= 5, `examples/consumer has ${mjs.length} .mjs files`);
  assert.deepEqual([...documented.keys()].sort(), mjs, 'docs/library.md quotes every .mjs example once');
  for (const f of files) copyFileSync(join(CONSUMER, f), join(dir, f));
  for (const f of mjs) {
    assert.ok(files.includes(f.replace(/\.mjs$/, '.ts')), `${f} has a TypeScript twin`);
    const doc = documented.get(f) as { text: string; output: string };
    assert.equal(doc.text, readFileSync(join(CONSUMER, f), 'utf8'), `docs/library.md quotes ${f} as it is`);
    const r = run(process.execPath, [f], dir);
    assert.equal(r.code, 0, `${f}: ${r.err}`);
    assert.equal(r.out, doc.output, `node ${f}: the output docs/library.md shows`);
  }
  return files.filter((f) => f.endsWith('.ts'));
}

const MJS = `import { bundledEvent, bundledEventNames, compile, compilePcapFilter, compileTc } from 'tfc-filter';
const events = bundledEventNames().map((n) => bundledEvent(...n.split('/'))).filter(Boolean);
const tc = compileTc({ source: { lang: 'tracefs', filter: 'family==2 && protocol==6', events, anyEvent: true, nrCpuIds: 2 },
  target: 'tc', dev: 'trace0', direction: 'ingress', prio: 1 });
if (!tc.ok) throw new Error('tc: ' + JSON.stringify(tc.diagnostics));
const event = bundledEvent('sock', 'inet_sock_set_state');
const bpf = compile({ filter: 'family==2 && protocol==6', event, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2 });
if (!bpf.ok) throw new Error('ebpf: ' + JSON.stringify(bpf.diagnostics));
const flower = compileTc({ source: { lang: 'pcap', filter: 'tcp dst port 80' }, target: 'flower', dev: 'eth0', direction: 'ingress', prio: 1 });
const pcap = compilePcapFilter({ filter: 'tcp dst port 80', linktype: 'ethernet', target: 'cbpf' });
if (!pcap.ok) throw new Error('pcap: ' + JSON.stringify(pcap.diagnostics));
console.log(JSON.stringify({ tc: tc.lines.length, tcBackend: tc.backend, ebpf: bpf.ok, pcap: pcap.ok, flower: flower.ok ? flower.lines : flower.diagnostics.map((d) => d.message) }));
`;

const TS = `import { bundledEvent, compile, compileTc, type TcResult } from 'tfc-filter';
const event = bundledEvent('sock', 'inet_sock_set_state');
if (event === undefined) throw new Error('no event');
const r = compile({ filter: 'family == 2', event, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2 });
const tc: TcResult = compileTc({ source: { lang: 'pcap', filter: 'tcp' }, target: 'u32', dev: 'eth0', direction: 'ingress', prio: 1 });
export const ok: boolean = r.ok && tc.ok;
`;

test('the packed tarball installs and works outside the repository', { timeout: 300_000 }, (t) => {
  const why = unreachable();
  if (why !== undefined) {
    t.skip(why);
    return;
  }
  const packed = run(process.execPath, ['scripts/package.mjs'], root, 240_000);
  assert.equal(packed.code, 0, packed.err);
  const tarball = packed.out.trim().split('\n').pop() as string;
  const dir = mkdtempSync(join(tmpdir(), 'tfc-package-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{"name":"consumer","private":true,"type":"module"}\n');
    const inst = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], dir);
    assert.equal(inst.code, 0, inst.err);
    const installed = JSON.parse(readFileSync(join(dir, 'node_modules/tfc-filter/package.json'), 'utf8'));
    assert.equal(installed.dependencies, undefined, 'nothing but the optional koffi stays external');
    assert.deepEqual(Object.keys(installed.optionalDependencies), ['koffi']);

    const version = run('npx', ['--no-install', 'tfc', '--version'], dir);
    assert.equal(version.code, 0, version.err);
    assert.match(version.out, /^tfc \d+\.\d+\.\d+/);
    const full = run(process.execPath, ['node_modules/tfc-filter/lib/cli.js', '--version'], dir);
    assert.equal(version.out, full.out, "bin's --version shortcut answers as main() does");
    const tc = run(
      'npx',
      ['--no-install', 'tfc', 'compile', 'family==2 && protocol==6', '--target', 'tc'],
      dir,
    );
    assert.equal(tc.code, 0, tc.err);
    assert.match(tc.out, /^filter add dev trace0 ingress /m);
    // Relative paths are the caller's: -F and -o in a subfolder the command runs from.
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub/f.pcap'), 'tcp # web\n  dst port 80 # http\n');
    const rel = run(
      'npx',
      ['--no-install', 'tfc', 'compile', '--lang', 'pcap', '-F', 'f.pcap', '-o', 'out.txt'],
      join(dir, 'sub'),
    );
    assert.equal(rel.code, 0, rel.err);
    assert.match(readFileSync(join(dir, 'sub/out.txt'), 'utf8'), /^\(000\) ldh/);

    writeFileSync(join(dir, 'use.mjs'), MJS);
    const lib = run(process.execPath, ['use.mjs'], dir);
    assert.equal(lib.code, 0, lib.err);
    const got = JSON.parse(lib.out);
    assert.ok(got.tc > 0 && got.ebpf && got.pcap, lib.out);

    const live = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('tfc-filter/live'); console.log(typeof m.readLiveEvent, typeof m.loadProgram)",
      ],
      dir,
    );
    assert.equal(live.out, 'function function\n', `tfc-filter/live: ${live.err}`);

    writeFileSync(join(dir, 'use.ts'), TS);
    const typed = checkExamples(dir);
    const tsc = run(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--exactOptionalPropertyTypes',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2023',
        '--types',
        'node',
        '--typeRoots',
        join(root, 'node_modules/@types'),
        'use.ts',
        ...typed,
      ],
      dir,
    );
    assert.equal(tsc.code, 0, `${tsc.out}${tsc.err}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
