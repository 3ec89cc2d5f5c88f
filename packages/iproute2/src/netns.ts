/*
 * Network namespaces and links: create a named namespace (unique per process: the name carries the pid and a
 * counter), veth pairs, link up, ifindex lookup. Invariants: every namespace created here is deleted by its
 * handle's dispose() (idempotent); as a last resort, namespaces still alive when the process exits are deleted by a
 * synchronous exit hook (also on SIGINT/SIGTERM) — the module's only mutable state is that registry of live names; names are validated
 * (iproute2's charset, at most 15 bytes for devices) before any command runs.
 */
import { type CommandError, type CommandResult, type Result, run, runSyncQuiet } from './exec.ts';
import { intField, items, parseTolerantJson } from './tolerant-json.ts';

export interface Namespace {
  readonly name: string;
  /** Path of the namespace file (for setns). */
  readonly path: string;
  /** Deletes the namespace and everything in it; resolves when done; safe to call twice. */
  dispose(): Promise<void>;
}

const live = new Set<string>();
let counter = 0;
let hooked = false;

function cleanupLive(): void {
  for (const n of live) runSyncQuiet('ip', ['netns', 'del', n]);
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanupLive);
  // SIGINT/SIGTERM skip 'exit': clean up, then let the signal do what it would have done — unless the program
  // handles that signal itself.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      cleanupLive();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.once(sig, onSignal);
  }
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const DEV_RE = /^[A-Za-z0-9_.-]{1,15}$/;

function badInput(command: string, message: string): { ok: false; error: CommandError } {
  return {
    ok: false,
    error: {
      kind: 'command',
      command,
      args: [],
      exitCode: null,
      signal: null,
      timedOut: false,
      stderr: '',
      stdout: '',
      message,
    },
  };
}

/** A fresh name `PREFIX-PID-N` (prefix sanitized). */
export function uniqueName(prefix: string): string {
  counter += 1;
  const p = prefix.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 32) || 'tfc';
  return `${p}-${process.pid}-${counter}`;
}

/** Creates a namespace named `uniqueName(prefix)` with its loopback up. */
export async function createNamespace(prefix = 'tfc'): Promise<Result<Namespace>> {
  const name = uniqueName(prefix);
  if (!NAME_RE.test(name)) return badInput('ip', `invalid namespace name '${name}'`);
  hookExit();
  const r = await run('ip', ['netns', 'add', name]);
  if (!r.ok) return r;
  live.add(name);
  let disposed: Promise<void> | undefined;
  const ns: Namespace = {
    name,
    path: `/var/run/netns/${name}`,
    dispose: () => {
      disposed ??= run('ip', ['netns', 'del', name]).then(() => {
        live.delete(name);
      });
      return disposed;
    },
  };
  const lo = await run('ip', ['link', 'set', 'lo', 'up'], { netns: name });
  if (!lo.ok) {
    await ns.dispose();
    return lo;
  }
  return { ok: true, value: ns };
}

function unit(r: CommandResult): Result<void> {
  return r.ok ? { ok: true, value: undefined } : r;
}

export async function addVethPair(netns: string, a: string, b: string): Promise<Result<void>> {
  if (!DEV_RE.test(a) || !DEV_RE.test(b)) return badInput('ip', `invalid device name '${a}' or '${b}'`);
  return unit(await run('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b], { netns }));
}

export async function setLinkUp(netns: string, dev: string): Promise<Result<void>> {
  if (!DEV_RE.test(dev)) return badInput('ip', `invalid device name '${dev}'`);
  return unit(await run('ip', ['link', 'set', dev, 'up'], { netns }));
}

/** The device's ifindex inside the namespace (`ip -j link show dev DEV`). */
export async function linkIndex(netns: string, dev: string): Promise<Result<number>> {
  if (!DEV_RE.test(dev)) return badInput('ip', `invalid device name '${dev}'`);
  const r = await run('ip', ['-j', 'link', 'show', 'dev', dev], { netns });
  if (!r.ok) return r;
  const j = parseTolerantJson(r.value.stdout);
  const idx = j.ok ? intField(items(j.value)[0], 'ifindex') : undefined;
  if (idx === undefined) return badInput('ip', `no ifindex in 'ip -j link show dev ${dev}' output`);
  return { ok: true, value: Number(idx) };
}
