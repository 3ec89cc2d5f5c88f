#!/usr/bin/env node
/*
 * `pnpm run package`: builds the installable npm package of tfc into dist/ and packs it (dist/tfc-filter-X.tgz).
 * Invariants: the workspace packages are bundled by esbuild into plain ESM JavaScript (one published package, no
 * `workspace:` ranges, no tsx or TypeScript at run time); koffi stays external (an optional dependency, loaded
 * lazily by @tfc/kernel only when a command needs the kernel), so compiling works where FFI cannot load; the typings
 * of the library entry are tsc's declaration output (tsc -b) of the bundled packages, copied to lib/types/ with
 * `@tfc/...` specifiers rewritten to relative paths and `.ts` extensions to `.js`; the tarball holds only lib/, bin/,
 * package.json, README.md and the data files the sources read through `new URL('<literal>', import.meta.url)` (the
 * bundled event snapshot), copied to the same relative place from the output file that holds the reading module. Prints the tarball's path as its last line.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const PACKAGE_NAME = 'tfc-filter';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'packages/tfc');
const stage = join(root, 'dist/package');
const pkg = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8'));
const koffiRange = JSON.parse(readFileSync(join(root, 'packages/kernel/package.json'), 'utf8')).dependencies
  .koffi;

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'lib'), { recursive: true });

const built = await build({
  entryPoints: {
    index: join(src, 'src/index.ts'),
    live: join(src, 'src/live.ts'),
    cli: join(src, 'src/cli/bin.ts'),
  },
  outdir: join(stage, 'lib'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['koffi'],
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const assetDirs = copyAssets(built.metafile);
assertPure(built.metafile, 'lib/index.js');

execFileSync(join(root, 'node_modules/.bin/tsc'), ['-b'], { cwd: root, stdio: 'inherit' });
writeTypings();

mkdirSync(join(stage, 'bin'));
const bin = join(stage, 'bin/tfc.js');
// `tfc --version` answers before the bundle loads (cold start: node's floor, not the whole CLI's parse).
const cliVersion = /const VERSION = '([^']+)'/.exec(readFileSync(join(src, 'src/cli/main.ts'), 'utf8'))?.[1];
if (cliVersion !== pkg.version)
  throw new Error(`package: main.ts VERSION ${cliVersion} != package.json ${pkg.version}`);
writeFileSync(
  bin,
  `#!/usr/bin/env node
// The \`tfc\` command (bundled JavaScript). --version answers as main() does, without loading the bundle.
const first = process.argv[2];
if (first === '--version' || first === '-V') process.stdout.write('tfc ${pkg.version}\\n');
else await import('../lib/cli.js');
`,
);
chmodSync(bin, 0o755);

const manifest = {
  name: PACKAGE_NAME,
  version: pkg.version,
  description:
    'tfc: a filter compiler for Linux trace event filters and libpcap filters (eBPF, cBPF, tc, P4)',
  type: 'module',
  license: 'UNLICENSED',
  bin: { tfc: './bin/tfc.js' },
  exports: {
    '.': { types: './lib/index.d.ts', default: './lib/index.js' },
    './live': { types: './lib/live.d.ts', default: './lib/live.js' },
    './package.json': './package.json',
  },
  types: './lib/index.d.ts',
  files: ['lib', 'bin', ...assetDirs],
  engines: pkg.engines,
  os: ['linux'],
  optionalDependencies: { koffi: koffiRange },
  sideEffects: false,
};
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
writeFileSync(
  join(stage, 'README.md'),
  `# ${PACKAGE_NAME}\n\nThe \`tfc\` filter compiler: trace event filters and libpcap filters to eBPF, classic BPF, tc rules\n` +
    'and P4. `npx tfc --help` lists the commands; `import { compile } from ' +
    `'${PACKAGE_NAME}'\` is the library.\n`,
);

const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', join(root, 'dist')], {
  cwd: stage,
  encoding: 'utf8',
});
console.log(join(root, 'dist', out.trim().split('\n').pop()));

/** Copies the .d.ts files of every runtime workspace package into lib/types/<folder>/ with specifiers rewritten. */
function writeTypings() {
  const folders = new Map(); // '@tfc/x' -> { dir, exports }
  for (const dir of [
    ...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)),
    join(root, 'bench'),
  ]) {
    let p;
    try {
      p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (p.name === 'tfc' || p.name.startsWith('@tfc/')) {
      if (['@tfc/testkit', '@tfc/tc-test', '@tfc/tracepoint-test'].includes(p.name)) continue;
      folders.set(p.name, {
        dir,
        exports: p.exports ?? {},
        out: join(stage, 'lib/types', relative(root, dir)),
      });
    }
  }
  const target = (spec) => {
    const m = /^(@tfc\/[^/]+)(\/.*)?$/.exec(spec);
    const f = m && folders.get(m[1]);
    if (!f) throw new Error(`package: typings import ${spec} names no bundled workspace package`);
    const entry = f.exports[m[2] ? `.${m[2]}` : '.'];
    const file = typeof entry === 'string' ? entry : entry?.types;
    if (!file) throw new Error(`package: ${spec} is not exported by its package.json`);
    return join(f.out, file.replace(/\.ts$/, '.d.ts'));
  };
  for (const f of folders.values()) copyDts(join(f.dir, 'dist/src'), join(f.out, 'src'), target);
  writeFileSync(join(stage, 'lib/index.d.ts'), "export * from './types/packages/tfc/src/index.js';\n");
  writeFileSync(join(stage, 'lib/live.d.ts'), "export * from './types/packages/tfc/src/live.js';\n");
}

function copyDts(from, to, target) {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyDts(join(from, e.name), join(to, e.name), target);
    else if (e.name.endsWith('.d.ts')) {
      const text = readFileSync(join(from, e.name), 'utf8')
        .replace(/^\/\/# sourceMappingURL=.*$/m, '')
        .replace(/((?:from|import)\s*\(?\s*)(['"])([^'"]+)\2/g, (_all, a, q, spec) => {
          let s = spec;
          if (s.startsWith('@tfc/')) {
            s = relative(to, target(s));
            if (!s.startsWith('.')) s = `./${s}`;
            s = s.replace(/\.d\.ts$/, '.js');
          } else if (s.startsWith('.')) s = s.replace(/\.ts$/, '.js');
          return `${a}${q}${s}${q}`;
        });
      writeFileSync(join(to, e.name), text);
    }
  }
}

/**
 * The library entry is pure: no module it loads at import time (its static import closure of output chunks) holds
 * code of @tfc/kernel or imports koffi — those are `tfc-filter/live`'s and the CLI's.
 */
function assertPure(metafile, entry) {
  const rel = (p) => relative(root, resolve(root, p));
  const seen = new Set();
  const todo = [rel(join(relative(root, stage), entry))];
  while (todo.length > 0) {
    const out = todo.pop();
    if (seen.has(out)) continue;
    seen.add(out);
    const o = metafile.outputs[out];
    if (o === undefined) throw new Error(`package: no output ${out} in the metafile`);
    const kernel = Object.keys(o.inputs).find((i) => i.startsWith('packages/kernel/'));
    if (kernel !== undefined)
      throw new Error(`package: ${entry} loads ${kernel} (the library must stay pure)`);
    for (const i of o.imports) {
      if (i.path === 'koffi') throw new Error(`package: ${entry} imports koffi through ${out}`);
      if (i.kind === 'import-statement' && !i.external) todo.push(rel(i.path));
    }
  }
}

/**
 * Copies every existing file a bundled module names as `new URL('<literal path>', import.meta.url)` to that path
 * relative to the output that holds the module; returns the top-level folders created outside lib/.
 */
function copyAssets(metafile) {
  const placed = new Map();
  for (const [out, o] of Object.entries(metafile.outputs)) {
    for (const input of Object.keys(o.inputs)) {
      const text = readFileSync(join(root, input), 'utf8');
      for (const m of text.matchAll(/new URL\(\s*'([^'`$]+)'\s*,\s*import\.meta\.url\s*\)/g)) {
        const from = resolve(root, dirname(input), m[1]);
        if (!existsSync(from) || m[1].endsWith('/')) continue;
        const to = resolve(root, dirname(out), m[1]);
        if (!to.startsWith(stage + sep)) continue; // repository data (bench corpora): not for users
        if (placed.has(to) && placed.get(to) !== from) throw new Error(`package: two assets want ${to}`);
        placed.set(to, from);
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(from, to);
      }
    }
  }
  return [...new Set([...placed.keys()].map((to) => relative(stage, to).split(sep)[0]))].filter(
    (d) => d !== 'lib' && d !== 'bin',
  );
}
