/*
 * Typed `tc` operations: clsact qdisc, filter add/del/show on a hook (a clsact direction, or a classful qdisc or
 * class: `parent 1:`), batches (`tc -b -`, one command per line, no leading `tc`) with a transactional apply, and
 * statistics (per-filter action counters, qdisc drops) read through the tolerant JSON reader. Invariants: every
 * command goes through exec.run (argv, timeout, typed errors);
 * applyBatch is all-or-nothing: it refuses lines it could not undo before running anything, and on failure deletes,
 * in reverse order, what the lines before the failing one added (a prio's u32 hash tables included); the batch
 * line syntax is iproute2's own (its makeargs splits on blanks and honours '…' and "…" quoting).
 */
import { type CommandError, type CommandResult, type Result, type RunOptions, run } from './exec.ts';
import {
  field,
  intField,
  isObject,
  items,
  type JsonObject,
  type JsonValue,
  parseTolerantJson,
  stringField,
} from './tolerant-json.ts';

export type Direction = 'ingress' | 'egress';

/** Where filters attach: the clsact hook of a direction, or a classful qdisc or class (`{ parent: '1:' }`). */
export type FilterHook = Direction | { readonly parent: string };

/** The hook as tc arguments (`ingress`, or `parent 1:`). */
export function hookArgs(h: FilterHook): string[] {
  return typeof h === 'string' ? [h] : ['parent', h.parent];
}

/** The hook as words (`ingress`, `parent 1:`). */
export function hookWords(h: FilterHook): string {
  return hookArgs(h).join(' ');
}

function unit(r: CommandResult): Result<void> {
  return r.ok ? { ok: true, value: undefined } : r;
}

function parseError(command: string, args: readonly string[], message: string, stdout = ''): CommandError {
  return {
    kind: 'command',
    command,
    args,
    exitCode: null,
    signal: null,
    timedOut: false,
    stderr: '',
    stdout,
    message,
  };
}

export function addClsact(netns: string | undefined, dev: string): Promise<Result<void>> {
  return run('tc', ['qdisc', 'add', 'dev', dev, 'clsact'], opt(netns)).then(unit);
}

export function deleteClsact(netns: string | undefined, dev: string): Promise<Result<void>> {
  return run('tc', ['qdisc', 'del', 'dev', dev, 'clsact'], opt(netns)).then(unit);
}

function opt(netns: string | undefined, extra: RunOptions = {}): RunOptions {
  return netns !== undefined ? { ...extra, netns } : extra;
}

/** `tc filter add dev DEV DIR` followed by `args` (protocol, prio, classifier and its options). */
export function filterAdd(
  netns: string | undefined,
  dev: string,
  dir: Direction,
  args: readonly string[],
): Promise<Result<void>> {
  return run('tc', ['filter', 'add', 'dev', dev, dir, ...args], opt(netns)).then(unit);
}

/**
 * Deletes the filters of one prio (all of the device's filters in that direction when prio is omitted). u32 hash
 * tables belong to the qdisc, not to a prio: deleting a prio leaves the tables its knodes link to (and keeps their
 * handles taken) while other u32 prios remain, so a prio's linking knodes are deleted first, then the tables they
 * linked (retried while the kernel's deferred free of the links still holds them), then the prio.
 */
export async function filterDel(
  netns: string | undefined,
  dev: string,
  dir: FilterHook,
  prio?: number,
): Promise<Result<void>> {
  if (prio !== undefined) await releaseU32Tables(netns, dev, dir, prio);
  const p = prio !== undefined ? ['prio', String(prio)] : [];
  const r = await run('tc', ['filter', 'del', 'dev', dev, ...hookArgs(dir), ...p], opt(netns)).then(unit);
  // Some kernels drop the whole prio with its last hash table (the root one included): nothing is left to delete.
  if (!r.ok && prio !== undefined && /Cannot find specified filter chain/.test(r.error.stderr)) {
    const shown = await run(
      'tc',
      ['filter', 'show', 'dev', dev, ...hookArgs(dir), 'prio', String(prio)],
      opt(netns),
    );
    if (shown.ok && shown.value.stdout.trim() === '') return { ok: true, value: undefined };
  }
  return r;
}

/** Best effort: the linking knodes of a u32 prio, then its hash tables other than the root (see filterDel). */
async function releaseU32Tables(
  netns: string | undefined,
  dev: string,
  dir: FilterHook,
  prio: number,
): Promise<void> {
  const shown = await run('tc', ['-j', 'filter', 'show', 'dev', dev, ...hookArgs(dir)], opt(netns));
  if (!shown.ok || shown.value.stdout.trim() === '') return;
  const j = parseTolerantJson(shown.value.stdout);
  if (!j.ok) return;
  const del = (handle: string) =>
    run(
      'tc',
      ['filter', 'del', 'dev', dev, ...hookArgs(dir), 'prio', String(prio), 'handle', handle, 'u32'],
      opt(netns),
    );
  const links: string[] = [];
  const tables: string[] = [];
  for (const f of items(j.value)) {
    const o = field(f, 'options');
    if (Number(intField(f, 'pref') ?? -1n) !== prio || stringField(f, 'kind') !== 'u32' || !isObject(o))
      continue;
    const fh = stringField(o, 'fh');
    if (fh === undefined || !/^[0-9a-f]{1,3}:[0-9a-f:]*$/.test(fh)) continue;
    if (field(o, 'ht_divisor') !== undefined) tables.push(fh);
    else if (stringField(o, 'link') !== undefined) links.push(fh);
  }
  if (tables.length < 2) return; // only the root table: nothing outlives the prio
  for (const l of links) await del(l);
  for (const t of tables) {
    for (let tries = 0; tries < 40; tries++) {
      const r = await del(t);
      // The root table cannot be deleted ("Not allowed to delete root node"); a link's deferred free keeps a
      // table "in-use" for a moment.
      if (r.ok || !/in-use/i.test(r.error.stderr)) break;
      await new Promise((res) => setTimeout(res, 25));
    }
  }
}

export interface ActionStats {
  readonly order: number;
  readonly kind: string;
  readonly index: number;
  readonly packets: bigint;
  readonly bytes: bigint;
}

function actionStats(a: JsonValue): ActionStats {
  const stats = field(a, 'stats');
  return {
    order: Number(intField(a, 'order') ?? 0n),
    kind: stringField(a, 'kind') ?? '',
    index: Number(intField(a, 'index') ?? 0n),
    packets: intField(stats, 'packets') ?? 0n,
    bytes: intField(stats, 'bytes') ?? 0n,
  };
}

/** Reads `tc -s -j actions ls action KIND` output: every action of that kind with its counters. */
export function parseActionsShow(
  stdout: string,
): { ok: true; value: ActionStats[] } | { ok: false; error: string } {
  if (stdout.trim() === '') return { ok: true, value: [] };
  const j = parseTolerantJson(stdout);
  if (!j.ok) return { ok: false, error: `${j.error} at offset ${j.offset}` };
  return { ok: true, value: items(j.value).flatMap((x) => items(field(x, 'actions')).map(actionStats)) };
}

export async function actionsShow(netns: string | undefined, kind: string): Promise<Result<ActionStats[]>> {
  const args = ['-s', '-j', 'actions', 'ls', 'action', kind];
  const r = await run('tc', args, opt(netns));
  if (!r.ok) return r;
  const p = parseActionsShow(r.value.stdout);
  return p.ok
    ? p
    : { ok: false, error: parseError('tc', args, `unreadable output: ${p.error}`, r.value.stdout) };
}

export interface FilterInfo {
  readonly pref: number;
  readonly protocol: string;
  readonly kind: string;
  readonly chain: number;
  /** `handle` (bpf) or `fh` (u32). */
  readonly handle: string;
  readonly actions: readonly ActionStats[];
  /** The filter's whole object, duplicates kept (u32 "match" keys). */
  readonly raw: JsonObject;
}

/** Reads `tc -s -j filter show` output (tolerantly): one entry per installed filter, bare prio headers skipped. */
export function parseFilterShow(
  stdout: string,
): { ok: true; value: FilterInfo[] } | { ok: false; error: string } {
  if (stdout.trim() === '') return { ok: true, value: [] };
  const j = parseTolerantJson(stdout);
  if (!j.ok) return { ok: false, error: `${j.error} at offset ${j.offset}` };
  const out: FilterInfo[] = [];
  for (const f of items(j.value)) {
    const options = field(f, 'options');
    if (!isObject(f) || !isObject(options)) continue;
    const handle = stringField(options, 'handle') ?? stringField(options, 'fh');
    if (handle === undefined) continue; // u32 hash table objects carry "fh" too; bare headers have no options
    if (field(options, 'ht_divisor') !== undefined) continue;
    const actions: ActionStats[] = items(field(options, 'actions')).map(actionStats);
    out.push({
      pref: Number(intField(f, 'pref') ?? -1n),
      protocol: stringField(f, 'protocol') ?? '',
      kind: stringField(f, 'kind') ?? '',
      chain: Number(intField(f, 'chain') ?? 0n),
      handle,
      actions,
      raw: f,
    });
  }
  return { ok: true, value: out };
}

export async function filterShow(
  netns: string | undefined,
  dev: string,
  dir: FilterHook,
): Promise<Result<FilterInfo[]>> {
  const args = ['-s', '-j', 'filter', 'show', 'dev', dev, ...hookArgs(dir)];
  const r = await run('tc', args, opt(netns));
  if (!r.ok) return r;
  const p = parseFilterShow(r.value.stdout);
  return p.ok
    ? p
    : { ok: false, error: parseError('tc', args, `unreadable output: ${p.error}`, r.value.stdout) };
}

export interface QdiscInfo {
  readonly kind: string;
  readonly handle: string;
  readonly packets: bigint;
  readonly bytes: bigint;
  readonly drops: bigint;
}

export function parseQdiscShow(
  stdout: string,
): { ok: true; value: QdiscInfo[] } | { ok: false; error: string } {
  if (stdout.trim() === '') return { ok: true, value: [] };
  const j = parseTolerantJson(stdout);
  if (!j.ok) return { ok: false, error: `${j.error} at offset ${j.offset}` };
  return {
    ok: true,
    value: items(j.value).map((q: JsonValue) => ({
      kind: stringField(q, 'kind') ?? '',
      handle: stringField(q, 'handle') ?? '',
      packets: intField(q, 'packets') ?? 0n,
      bytes: intField(q, 'bytes') ?? 0n,
      drops: intField(q, 'drops') ?? 0n,
    })),
  };
}

export async function qdiscShow(netns: string | undefined, dev: string): Promise<Result<QdiscInfo[]>> {
  const args = ['-s', '-j', 'qdisc', 'show', 'dev', dev];
  const r = await run('tc', args, opt(netns));
  if (!r.ok) return r;
  const p = parseQdiscShow(r.value.stdout);
  return p.ok
    ? p
    : { ok: false, error: parseError('tc', args, `unreadable output: ${p.error}`, r.value.stdout) };
}

/** Splits a batch line the way iproute2's makeargs does: blanks separate, '…' and "…" quote (no escapes inside). */
export function splitBatchLine(line: string): { ok: true; args: string[] } | { ok: false; error: string } {
  const args: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= line.length || line[i] === '#') break;
    let arg = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      const c = line[i] as string;
      if (c === '"' || c === "'") {
        const end = line.indexOf(c, i + 1);
        if (end < 0) return { ok: false, error: `unterminated quote at column ${i + 1}` };
        arg += line.slice(i + 1, end);
        i = end + 1;
      } else {
        arg += c;
        i++;
      }
    }
    args.push(arg);
  }
  return { ok: true, args };
}

/** Quotes one argument for a batch line (single quotes; arguments containing a single quote are refused). */
export function quoteBatchArg(arg: string): string | undefined {
  if (arg.includes("'") || arg.includes('\n')) return undefined;
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg}'`;
}

/** The command that undoes one batch line, or why there is none. */
export function undoLine(
  line: string,
): { ok: true; undo: string | undefined } | { ok: false; error: string } {
  const s = splitBatchLine(line);
  if (!s.ok) return s;
  const a = s.args;
  if (a.length === 0) return { ok: true, undo: undefined };
  const [obj, verb] = a;
  const devAt = a.indexOf('dev');
  const dev = devAt >= 0 ? a[devAt + 1] : undefined;
  if (verb !== 'add') return { ok: false, error: `only 'add' commands can be undone: '${line}'` };
  if (dev === undefined) return { ok: false, error: `no 'dev' in '${line}'` };
  if (obj === 'qdisc') {
    if (a.includes('clsact')) return { ok: true, undo: `qdisc del dev ${dev} clsact` };
    const parentAt = a.findIndex((x) => x === 'root' || x === 'parent' || x === 'ingress');
    const where = a[parentAt] === 'parent' ? `parent ${a[parentAt + 1]}` : a[parentAt];
    if (parentAt < 0 || where === undefined) return { ok: false, error: `no parent in '${line}'` };
    return { ok: true, undo: `qdisc del dev ${dev} ${where}` };
  }
  if (obj === 'filter') {
    const prioAt = a.findIndex((x) => x === 'prio' || x === 'pref' || x === 'priority');
    const prio = prioAt >= 0 ? a[prioAt + 1] : undefined;
    if (prio === undefined || !/^\d+$/.test(prio))
      return { ok: false, error: `a filter line needs an explicit prio to be undone: '${line}'` };
    const dirAt = a.findIndex((x) => x === 'ingress' || x === 'egress' || x === 'parent' || x === 'root');
    if (dirAt < 0) return { ok: false, error: `no ingress/egress/parent in '${line}'` };
    const dir = a[dirAt] === 'parent' ? `parent ${a[dirAt + 1] ?? ''}` : a[dirAt];
    const protoAt = a.indexOf('protocol');
    const proto = protoAt >= 0 ? ` protocol ${a[protoAt + 1] ?? ''}` : '';
    return { ok: true, undo: `filter del dev ${dev} ${dir}${proto} prio ${prio}` };
  }
  return { ok: false, error: `cannot undo '${obj ?? ''}' commands: '${line}'` };
}

export interface BatchFailure {
  readonly error: CommandError;
  /** 1-based line of the batch that failed, when tc said so. */
  readonly failedLine: number | undefined;
  /**
   * Undo commands run, and whether each succeeded; `notApplied`: it failed because tc had stopped before that line
   * (no failing line number), so there was nothing to undo.
   */
  readonly rolledBack: readonly {
    readonly command: string;
    readonly ok: boolean;
    readonly notApplied?: boolean;
  }[];
}

/** Runs a batch as is (`tc -b -`, stops at the first failing line). */
export function runBatch(
  netns: string | undefined,
  lines: readonly string[],
  opts: { readonly force?: boolean; readonly timeoutMs?: number } = {},
): Promise<CommandResult> {
  const args = opts.force ? ['-force', '-b', '-'] : ['-b', '-'];
  const extra: RunOptions = {
    input: `${lines.join('\n')}\n`,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  };
  return run('tc', args, opt(netns, extra));
}

/**
 * All-or-nothing batch: every line must be undoable (`qdisc add`, `filter add … prio N`); on failure the lines
 * that had been applied are undone in reverse order. A filter line is undone by deleting its whole prio (tc cannot
 * name a filter it numbered itself), so a batch should own the prios it adds to.
 */
export async function applyBatch(
  netns: string | undefined,
  lines: readonly string[],
  opts: { readonly timeoutMs?: number } = {},
): Promise<{ ok: true } | { ok: false; failure: BatchFailure }> {
  const undos: (string | undefined)[] = [];
  for (const l of lines) {
    const u = undoLine(l);
    if (!u.ok)
      return {
        ok: false,
        failure: {
          error: parseError('tc', ['-b', '-'], `refused before running: ${u.error}`),
          failedLine: undos.length + 1,
          rolledBack: [],
        },
      };
    undos.push(u.undo);
  }
  const r = await runBatch(netns, lines, opts);
  if (r.ok) return { ok: true };
  const m = /Command failed -:(\d+)/.exec(r.error.stderr);
  const failedLine = m ? Number(m[1]) : undefined;
  const applied = failedLine !== undefined ? failedLine - 1 : lines.length;
  const rolledBack: { command: string; ok: boolean; notApplied?: boolean }[] = [];
  const seen = new Set<string>();
  for (let i = applied - 1; i >= 0; i--) {
    const u = undos[i];
    if (u === undefined || seen.has(u)) continue;
    seen.add(u);
    const s = splitBatchLine(u);
    const whole = /^filter del dev (\S+) (ingress|egress|parent \S+)(?: protocol \S+)? prio (\d+)$/.exec(u);
    if (whole) {
      const w = whole[2]!;
      const hook: FilterHook = w.startsWith('parent ') ? { parent: w.slice(7) } : (w as Direction);
      await releaseU32Tables(netns, whole[1]!, hook, Number(whole[3]));
    }
    const d = s.ok ? await run('tc', s.args, opt(netns)) : undefined;
    // Without a failing line number tc may have stopped before this line: an undo that fails because the object
    // is not there was not needed.
    const notThere = d?.ok !== true && failedLine === undefined && (await absent(netns, u)) === true;
    rolledBack.push({
      command: u,
      ok: d?.ok === true || notThere,
      ...(notThere ? { notApplied: true } : {}),
    });
  }
  return { ok: false, failure: { error: r.error, failedLine, rolledBack } };
}

/** Whether the object an undo command deletes is absent (undefined: cannot tell). */
async function absent(netns: string | undefined, undo: string): Promise<boolean | undefined> {
  const f = /^filter del dev (\S+) (ingress|egress|parent \S+)(?: protocol \S+)? prio (\d+)$/.exec(undo);
  if (f) {
    const r = await run(
      'tc',
      ['filter', 'show', 'dev', f[1]!, ...f[2]!.split(' '), 'prio', f[3]!],
      opt(netns),
    );
    return r.ok ? r.value.stdout.trim() === '' : undefined;
  }
  const q = /^qdisc del dev (\S+) (clsact|root|ingress|parent \S+(?: handle \S+)?)/.exec(undo);
  if (q) {
    const r = await run('tc', ['qdisc', 'show', 'dev', q[1]!], opt(netns));
    if (!r.ok) return undefined;
    const kind = q[2] === 'clsact' ? /qdisc clsact /m : q[2] === 'ingress' ? /qdisc ingress /m : undefined;
    return kind === undefined ? undefined : !kind.test(r.value.stdout);
  }
  return undefined;
}
