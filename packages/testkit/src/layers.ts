// The layer checker behind packages/testkit/test/architecture.test.ts: the rules of docs/layers.md as data (parsed
// from its three tables), an import scanner for TypeScript sources, and checkLayers(), which turns a list of
// packages, their package.json dependencies and their imports into violations. Invariants: pure (the test reads the
// files; everything here works on strings, so a synthetic import list can prove the checker catches a violation);
// violations come out sorted and each names its file (or package.json) and the rule; a row whose folder is absent
// (a package in flight on another branch) is kept in the rules but checked only where it is named.

/** A row of the packages table. `mayImport` is a list of package names, or 'any'. */
export type Layer = {
  readonly name: string;
  readonly dir: string;
  readonly kind: string;
  readonly mayImport: readonly string[] | 'any';
};

/** A row of the never table: names or kinds on both sides ('runtime' = every kind but test, 'any' = everything). */
export type Never = {
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly why: string;
};

/** A row of the exceptions table: one allowed edge and the change that removes it. */
export type Exception = { readonly from: string; readonly to: string; readonly removedBy: string };

export type LayerRules = {
  readonly layers: readonly Layer[];
  readonly never: readonly Never[];
  readonly exceptions: readonly Exception[];
};

/** One import of a source file. `line` is 1-based. */
export type ImportRef = {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly typeOnly: boolean;
};

/** What checkLayers needs of a package: its folder (relative to the repository root) and its package.json. */
export type PackageInfo = {
  readonly name: string;
  readonly dir: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
  /** The subpaths its package.json exports ('.' and './sub'). */
  readonly exports: readonly string[];
};

export type Violation = { readonly where: string; readonly rule: string; readonly message: string };

const TEST_KIND = 'test';

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim().replaceAll('`', ''));
}

function list(cell: string): string[] {
  if (cell === '—' || cell === '-' || cell === '') return [];
  return cell.split(',').map((s) => s.trim());
}

/** The table rows (header and separator dropped) of the section titled `## title`. */
function tableOf(md: string, title: string): string[][] {
  const start = md.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/layers.md has no '## ${title}' section`);
  const rest = md.slice(start + title.length + 5);
  const end = rest.indexOf('\n## ');
  const body = end < 0 ? rest : rest.slice(0, end);
  const rows = body.split('\n').filter((l) => l.trim().startsWith('|'));
  return rows.slice(2).map(cells);
}

/** Parses docs/layers.md; throws on a malformed table (the test then fails with the reason). */
export function parseLayersDoc(md: string): LayerRules {
  const layers = tableOf(md, 'Packages').map((c): Layer => {
    const [name, dir, kind, may] = c;
    if (name === undefined || dir === undefined || kind === undefined || may === undefined) {
      throw new Error(`malformed packages row: ${c.join(' | ')}`);
    }
    return { name, dir, kind, mayImport: may === 'any' ? 'any' : list(may) };
  });
  const never = tableOf(md, 'Never').map((c): Never => {
    const [from, to, why] = c;
    if (from === undefined || to === undefined) throw new Error(`malformed never row: ${c.join(' | ')}`);
    return { from: list(from), to: list(to), why: why ?? '' };
  });
  const exceptions = tableOf(md, 'Exceptions').map((c): Exception => {
    const [from, to, removedBy] = c;
    if (from === undefined || to === undefined) throw new Error(`malformed exceptions row: ${c.join(' | ')}`);
    return { from, to, removedBy: removedBy ?? '' };
  });
  return { layers, never, exceptions };
}

const STATIC_RE = /^[ \t]*(import|export)(\s+type)?\s[^;]*?\sfrom\s*['"]([^'"\n]+)['"]/gm;
const BARE_RE = /^[ \t]*import\s*['"]([^'"\n]+)['"]/gm;
const DYNAMIC_RE = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

function lineAt(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Every import of a TypeScript source: static (import/export … from), bare (import '…') and dynamic (import('…')). */
export function scanImports(file: string, text: string): ImportRef[] {
  const out: ImportRef[] = [];
  for (const m of text.matchAll(STATIC_RE)) {
    // `import { type A }` still loads the module (verbatimModuleSyntax keeps `import {} from`): only
    // `import type` / `export type` are type-only.
    out.push({ file, line: lineAt(text, m.index), specifier: m[3]!, typeOnly: m[2] !== undefined });
  }
  for (const m of text.matchAll(BARE_RE))
    out.push({ file, line: lineAt(text, m.index), specifier: m[1]!, typeOnly: false });
  for (const m of text.matchAll(DYNAMIC_RE)) {
    // A dynamic import inside a line comment is prose, not an edge.
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (text.slice(lineStart, m.index).includes('//')) continue;
    out.push({ file, line: lineAt(text, m.index), specifier: m[1]!, typeOnly: false });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** The workspace package an import names ('@tfc/kernel/sys' → '@tfc/kernel', 'tfc' → 'tfc'), and its subpath. */
function target(specifier: string, names: ReadonlySet<string>): { name: string; sub: string } | null {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
  if (!names.has(name)) return null;
  const rest = specifier.slice(name.length);
  return { name, sub: rest === '' ? '.' : `.${rest}` };
}

function matches(sel: readonly string[], layer: Layer | undefined, name: string): boolean {
  const kind = layer?.kind;
  return sel.some(
    (s) =>
      s === 'any' ||
      s === name ||
      s === kind ||
      (s === 'runtime' && kind !== undefined && kind !== TEST_KIND),
  );
}

/** The never rule an edge breaks, if any. */
function forbidden(rules: LayerRules, from: string, to: string): Never | undefined {
  const byName = new Map(rules.layers.map((l) => [l.name, l]));
  return rules.never.find(
    (n) => matches(n.from, byName.get(from), from) && matches(n.to, byName.get(to), to),
  );
}

function allowed(layer: Layer, to: string): boolean {
  return layer.mayImport === 'any' || layer.mayImport.includes(to);
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The table against itself: known kinds, may-import lists that name known packages and break no never rule. */
export function checkTable(rules: LayerRules): Violation[] {
  const out: Violation[] = [];
  const names = new Set(rules.layers.map((l) => l.name));
  const exception = (from: string, to: string) =>
    rules.exceptions.some((e) => e.from === from && e.to === to);
  for (const l of rules.layers) {
    if (l.mayImport === 'any') {
      if (l.kind !== TEST_KIND)
        out.push(v('docs/layers.md', 'table', `${l.name} may import 'any' but is not a test package`));
      continue;
    }
    for (const to of l.mayImport) {
      if (!names.has(to))
        out.push(v('docs/layers.md', 'table', `${l.name} may import ${to}, which is not in the table`));
      const n = forbidden(rules, l.name, to);
      if (n && !exception(l.name, to)) {
        out.push(
          v(
            'docs/layers.md',
            'table',
            `${l.name}'s may-import list names ${to}, which it never imports (${n.why})`,
          ),
        );
      }
    }
  }
  for (const e of rules.exceptions) {
    if (!names.has(e.from) || !names.has(e.to))
      out.push(v('docs/layers.md', 'table', `exception ${e.from} → ${e.to} names an unknown package`));
  }
  return sortViolations(out);
}

function v(where: string, rule: string, message: string): Violation {
  return { where, rule, message };
}

function sortViolations(vs: Violation[]): Violation[] {
  return vs.sort((a, b) => (a.where < b.where ? -1 : a.where > b.where ? 1 : a.message < b.message ? -1 : 1));
}

/**
 * Checks imports (of `src/` files: the caller chooses which) and package.json dependencies against the rules.
 * `packages` are the workspace packages that exist; an import's file is attributed to the package whose folder
 * holds it.
 */
export function checkLayers(
  rules: LayerRules,
  packages: readonly PackageInfo[],
  imports: readonly ImportRef[],
): Violation[] {
  const out: Violation[] = [];
  const layerOf = new Map(rules.layers.map((l) => [l.name, l]));
  const pkgOf = new Map(packages.map((p) => [p.name, p]));
  const names = new Set([...layerOf.keys(), ...pkgOf.keys()]);
  const usedExceptions = new Set<Exception>();
  const exception = (from: string, to: string) =>
    rules.exceptions.find((e) => e.from === from && e.to === to);
  const owner = (file: string) => packages.find((p) => file.startsWith(`${p.dir}/`));

  for (const p of packages) {
    if (!layerOf.has(p.name))
      out.push(v(`${p.dir}/package.json`, 'table', `${p.name} is not in docs/layers.md`));
  }
  for (const imp of imports) {
    const where = `${imp.file}:${imp.line}`;
    const from = owner(imp.file);
    if (from === undefined) continue;
    const layer = layerOf.get(from.name);
    if (imp.specifier === 'fast-check' && layer?.kind !== TEST_KIND) {
      out.push(v(where, 'fast-check', `${from.name} is not a test package: src/ must not import fast-check`));
      continue;
    }
    if (imp.specifier.startsWith('.')) {
      const resolved = normalize(`${dirname(imp.file)}/${imp.specifier}`);
      if (!resolved.startsWith(`${from.dir}/`)) {
        out.push(
          v(where, 'deep import', `'${imp.specifier}' leaves ${from.dir}/ (import the package by its name)`),
        );
      }
      continue;
    }
    const t = target(imp.specifier, names);
    if (t === null || t.name === from.name) continue;
    const to = pkgOf.get(t.name);
    if (t.sub.includes('/src/') || t.sub === './src' || (to !== undefined && !to.exports.includes(t.sub))) {
      out.push(v(where, 'deep import', `'${imp.specifier}' is not an export of ${t.name}`));
    }
    if (!from.dependencies[t.name] && !(imp.typeOnly && from.devDependencies[t.name])) {
      out.push(
        v(
          where,
          'package.json',
          `${from.name} imports ${t.name} but does not list it in dependencies${imp.typeOnly ? ' or devDependencies' : ''}`,
        ),
      );
    }
    if (layer === undefined) continue;
    const ex = exception(from.name, t.name);
    if (ex) {
      usedExceptions.add(ex);
      continue;
    }
    const n = forbidden(rules, from.name, t.name);
    if (n) out.push(v(where, 'never', `${from.name} never imports ${t.name}: ${n.why}`));
    else if (!allowed(layer, t.name))
      out.push(v(where, 'layer', `${from.name} may not import ${t.name} (docs/layers.md)`));
  }
  for (const p of packages) {
    const layer = layerOf.get(p.name);
    if (layer === undefined) continue;
    for (const dep of Object.keys(p.dependencies)) {
      if (dep === 'fast-check' && layer.kind !== TEST_KIND) {
        out.push(
          v(
            `${p.dir}/package.json`,
            'fast-check',
            `${p.name} lists fast-check in dependencies (a dev dependency at most)`,
          ),
        );
      }
      if (!names.has(dep) || allowed(layer, dep) || exception(p.name, dep)) continue;
      out.push(v(`${p.dir}/package.json`, 'layer', `${p.name} depends on ${dep}, which it may not import`));
    }
  }
  out.push(...dependencyCycles(packages));
  for (const e of rules.exceptions) {
    if (pkgOf.has(e.from) && !usedExceptions.has(e)) {
      out.push(
        v(
          'docs/layers.md',
          'stale exception',
          `no import of ${e.from} needs ${e.to} any more: delete the exception`,
        ),
      );
    }
  }
  return sortViolations(out);
}

/** Cycles of the runtime dependency graph (package.json `dependencies` between workspace packages). */
function dependencyCycles(packages: readonly PackageInfo[]): Violation[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const state = new Map<string, 'open' | 'done'>();
  const out: Violation[] = [];
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'open') {
      const cycle = [...path.slice(path.indexOf(name)), name].join(' → ');
      out.push(
        v(`${byName.get(name)?.dir ?? name}/package.json`, 'cycle', `dependencies form a cycle: ${cycle}`),
      );
      return;
    }
    state.set(name, 'open');
    for (const dep of Object.keys(byName.get(name)?.dependencies ?? {}))
      if (byName.has(dep)) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const p of [...packages].sort((a, b) => (a.name < b.name ? -1 : 1))) visit(p.name, []);
  return out;
}
