// The architecture test: the imports of every package's src/ (packages/*/src, bench/src) and every package.json
// against docs/layers.md (parsed by ../src/layers.ts). A second group runs the checker on synthetic import lists and
// proves that it catches each kind of violation, so a checker that silently accepts everything cannot pass.
// Invariants: reads files only; deterministic; a failure lists every violation with its file:line and rule.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  checkLayers,
  checkTable,
  type ImportRef,
  type LayerRules,
  type PackageInfo,
  parseLayersDoc,
  scanImports,
  type Violation,
} from '../src/layers.ts';

const ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
const rules = parseLayersDoc(readFileSync(join(ROOT, 'docs/layers.md'), 'utf8'));

function packageDirs(): string[] {
  const dirs = readdirSync(join(ROOT, 'packages'))
    .map((d) => `packages/${d}`)
    .filter((d) => existsSync(join(ROOT, d, 'package.json')));
  return [...dirs, 'bench'].sort();
}

function readPackage(dir: string): PackageInfo {
  const j = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    exports?: Record<string, unknown>;
  };
  return {
    name: j.name,
    dir,
    dependencies: j.dependencies ?? {},
    devDependencies: j.devDependencies ?? {},
    exports: Object.keys(j.exports ?? {}),
  };
}

function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(join(ROOT, dir))) return out;
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(join(ROOT, rel)).isDirectory()) sources(rel, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const show = (vs: readonly Violation[]) => vs.map((x) => `${x.where} [${x.rule}] ${x.message}`).join('\n');

test('docs/layers.md is consistent: known packages, no may-import edge that a never rule forbids', () => {
  assert.ok(rules.layers.length >= 14, 'the packages table was read');
  const vs = checkTable(rules);
  assert.equal(vs.length, 0, show(vs));
});

test('every import of packages/*/src and bench/src, and every package.json, keeps to docs/layers.md', () => {
  const packages = packageDirs().map(readPackage);
  const imports = packages.flatMap((p) =>
    sources(`${p.dir}/src`).flatMap((f) => scanImports(f, readFileSync(join(ROOT, f), 'utf8'))),
  );
  assert.ok(imports.length > 200, `imports were found (${imports.length})`);
  const vs = checkLayers(rules, packages, imports);
  assert.equal(vs.length, 0, show(vs));
});

// ---- the checker catches violations: synthetic workspaces ----

const pkg = (name: string, dir: string, deps: string[] = [], exports = ['.']): PackageInfo => ({
  name,
  dir,
  dependencies: Object.fromEntries(deps.map((d) => [d, 'workspace:*'])),
  devDependencies: { 'fast-check': '^4' },
  exports,
});
const imp = (file: string, specifier: string, typeOnly = false): ImportRef => ({
  file,
  line: 1,
  specifier,
  typeOnly,
});

const WORLD: PackageInfo[] = [
  pkg('@tfc/ir', 'packages/ir'),
  pkg('@tfc/bpf', 'packages/bpf', [], ['.', './cbpf']),
  pkg('@tfc/tracefs', 'packages/tracefs', ['@tfc/ir']),
  pkg('@tfc/codegen-bpf', 'packages/codegen-bpf', ['@tfc/ir', '@tfc/bpf']),
  pkg('@tfc/codegen-p4', 'packages/codegen-p4', ['@tfc/ir', '@tfc/decision-list']),
  pkg('@tfc/codegen-tc', 'packages/codegen-tc', ['@tfc/ir', '@tfc/decision-list']),
  pkg('@tfc/decision-list', 'packages/decision-list', ['@tfc/ir']),
  pkg('@tfc/compiler', 'packages/compiler', ['@tfc/ir', '@tfc/decision-list']),
  pkg('@tfc/kernel', 'packages/kernel', [], ['.', './sys', './tracefs']),
  pkg('@tfc/testkit', 'packages/testkit', ['@tfc/ir', 'fast-check']),
];
// The real table has no exceptions left; a BASE import list stays for cases that need one.
const BASE: ImportRef[] = [];
const run = (imports: ImportRef[], world = WORLD, r: LayerRules = rules) =>
  checkLayers(r, world, [...BASE, ...imports]);

test('the checker accepts a clean synthetic workspace', () => {
  const vs = run([
    imp('packages/codegen-p4/src/x.ts', '@tfc/decision-list'),
    imp('packages/compiler/src/x.ts', '@tfc/decision-list'),
    imp('packages/decision-list/src/x.ts', '@tfc/ir'),
    imp('packages/decision-list/src/x.ts', './y.ts'),
    imp('packages/testkit/src/x.ts', 'fast-check'),
    imp('packages/codegen-bpf/src/x.ts', '@tfc/bpf/cbpf'),
  ]);
  assert.equal(vs.length, 0, show(vs));
});

test('the checker catches each kind of violation', () => {
  const cases: [ImportRef, string, RegExp][] = [
    [imp('packages/ir/src/x.ts', '@tfc/tracefs'), 'never', /@tfc\/ir never imports @tfc\/tracefs/],
    [
      imp('packages/codegen-p4/src/x.ts', '@tfc/codegen-bpf'),
      'never',
      /never imports @tfc\/codegen-bpf: a target/,
    ],
    [imp('packages/codegen-bpf/src/x.ts', '@tfc/tracefs'), 'never', /a backend sees the IR/],
    [imp('packages/compiler/src/x.ts', '@tfc/kernel', true), 'never', /compilation is pure/],
    [imp('packages/kernel/src/x.ts', '@tfc/tracefs'), 'never', /@tfc\/kernel never imports @tfc\/tracefs/],
    [imp('packages/decision-list/src/x.ts', '@tfc/codegen-p4'), 'never', /built from the IR only/],
    [imp('packages/tracefs/src/x.ts', '@tfc/testkit'), 'never', /nothing imports a test package/],
    [imp('packages/tracefs/src/x.ts', '@tfc/bpf'), 'layer', /@tfc\/tracefs may not import @tfc\/bpf/],
    [imp('packages/tracefs/src/x.ts', 'fast-check'), 'fast-check', /must not import fast-check/],
    [imp('packages/codegen-bpf/src/x.ts', '@tfc/ir/src/eval.ts'), 'deep import', /not an export of @tfc\/ir/],
    [
      imp('packages/codegen-bpf/src/x.ts', '@tfc/kernel/testing'),
      'deep import',
      /not an export of @tfc\/kernel/,
    ],
    [
      imp('packages/codegen-bpf/src/x.ts', '../../ir/src/eval.ts'),
      'deep import',
      /leaves packages\/codegen-bpf\//,
    ],
    [
      imp('packages/tracefs/src/dialect/x.ts', '../../../ir/src/a.ts'),
      'deep import',
      /leaves packages\/tracefs\//,
    ],
  ];
  for (const [i, rule, message] of cases) {
    const vs = run([i]).filter((x) => x.rule === rule);
    assert.ok(
      vs.some((x) => message.test(x.message) && x.where === `${i.file}:1`),
      `${i.file} → ${i.specifier}: expected a '${rule}' violation, got:\n${show(run([i]))}`,
    );
  }
});

test('the checker catches package.json violations, cycles and stale exceptions', () => {
  const world = WORLD.map((p) =>
    p.name === '@tfc/ir'
      ? { ...p, dependencies: { 'fast-check': '^4', '@tfc/tracefs': 'workspace:*' } }
      : p.name === '@tfc/pcap'
        ? p
        : p,
  );
  const vs = checkLayers(rules, world, [...BASE, imp('packages/codegen-bpf/src/x.ts', '@tfc/kernel/sys')]);
  const msgs = show(vs);
  assert.match(msgs, /packages\/ir\/package.json \[fast-check\] @tfc\/ir lists fast-check in dependencies/);
  assert.match(msgs, /packages\/ir\/package.json \[layer\] @tfc\/ir depends on @tfc\/tracefs/);
  assert.match(msgs, /\[cycle\] dependencies form a cycle: @tfc\/ir → @tfc\/tracefs → @tfc\/ir/);
  assert.match(
    msgs,
    /codegen-bpf\/src\/x.ts:1 \[package.json\] @tfc\/codegen-bpf imports @tfc\/kernel but does not list it/,
  );
  const withException: LayerRules = {
    ...rules,
    exceptions: [{ from: '@tfc/codegen-tc', to: '@tfc/codegen-bpf', removedBy: 'a test' }],
  };
  const stale = checkLayers(withException, WORLD, []);
  assert.match(
    show(stale),
    /\[stale exception\] no import of @tfc\/codegen-tc needs @tfc\/codegen-bpf any more/,
  );
  const unknown = checkLayers(rules, [...WORLD, pkg('@tfc/new', 'packages/new')], BASE);
  assert.match(show(unknown), /@tfc\/new is not in docs\/layers.md/);
});

test('the table checker refuses a may-import list that widens past a never rule', () => {
  const widened: LayerRules = {
    ...rules,
    layers: rules.layers.map((l) => (l.name === '@tfc/compiler' ? { ...l, mayImport: ['@tfc/kernel'] } : l)),
  };
  assert.match(show(checkTable(widened)), /@tfc\/compiler's may-import list names @tfc\/kernel/);
});

test('scanImports reads static, type-only, re-export, bare and dynamic imports, and skips prose', () => {
  const text = [
    '// a comment: import x from "nothing"',
    "import fc from 'fast-check';",
    "import type { A } from '@tfc/ir';",
    'import {',
    '  b,',
    '  type C,',
    "} from '@tfc/bpf/cbpf';",
    "export * from './y.ts';",
    "export { d } from '../z.ts';",
    "import './side.ts';",
    "const m = await import('@tfc/kernel');",
    "// await import('@tfc/nothing')",
    "export const s = 'from \\'x\\'';",
  ].join('\n');
  const got = scanImports('f.ts', text).map((i) => `${i.line}:${i.specifier}${i.typeOnly ? ':type' : ''}`);
  assert.deepEqual(got, [
    '2:fast-check',
    '3:@tfc/ir:type',
    '4:@tfc/bpf/cbpf',
    '8:./y.ts',
    '9:../z.ts',
    '10:./side.ts',
    '11:@tfc/kernel',
  ]);
});
