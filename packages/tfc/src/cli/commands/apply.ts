/*
 * `tfc apply FILTER --event SYS/NAME --target ebpf`: the filter compiled to a tracepoint program, loaded, attached
 * to the live tracepoint, and counted: how many hits the tracepoint saw and how many the program accepted, until
 * SIGINT/SIGTERM or --duration SECONDS.
 * Counting (see @tfc/kernel TracepointAttachment): accepted = one counting perf event per online CPU, the filter
 * program on the first — perf counts a hit only when the tracepoint's programs return non-zero; seen = an
 * array-map counter bumped by a second, always-accepting program on the same tracepoint.
 * Invariants: the schema is the running kernel's (live tracefs only: a program is attached to this kernel's
 * tracepoint); every kernel object (maps, programs, perf events) is released on every exit path — summary,
 * signal, error — before the command returns, and the signal handlers it installs are removed again; stdout holds
 * only the summary (text or --json), progress and diagnostics go to stderr (progress only on a terminal); exit 0
 * after a run, 1 when the kernel (or tfc's front end) rejects the filter or the verifier rejects the program (its
 * log is printed), 2 for usage errors and a machine that cannot run it (not root, no tracefs, event not live).
 * --target dispatches before parsing: ebpf here; the tc family (tc, u32, flower, tc-bpf) to apply-tc, whose options
 * (--dev, --prio, ...) differ.
 */
import {
  type HitCounts,
  loadKoffiSyscalls,
  onlineCpus,
  probeTracefs,
  TracepointAttachment,
  tracepointId,
} from '@tfc/kernel';
import type { EventFormat } from '@tfc/tracefs';
import type { Host } from '../../host/index.ts';
import { readLiveEvent } from '../../live-event.ts';
import { type CommandSpec, flag, type Parsed, parseCommandArgs, renderHelp, str } from '../args.ts';
import { eventHint } from '../event-source.ts';
import { filterFileHelp, filterFileOption, filterText } from '../filter-input.ts';
import { EXIT, type Io, UsageError } from '../io.ts';
import { chooseDialect, kernelOption, kernelOptionHelp } from '../kernel-option.ts';
import { type Counting, startRawApply } from '../trace/raw-apply.ts';
import { attachMode } from '../trace/raw-program.ts';
import { compileTracepointFilter, loadTracepointProgram } from '../trace/tracepoint-program.ts';
import { runApplyTc } from './apply-tc.ts';

const TRACEFS = '/sys/kernel/tracing';
const TC_TARGETS = ['tc', 'u32', 'flower', 'tc-bpf'] as const;
const PRIVILEGE = 'tfc apply needs root (CAP_BPF and CAP_PERFMON) to load and attach tracepoint programs';

export const applySpec: CommandSpec = {
  name: 'apply',
  summary:
    'Attaches a compiled trace event filter to a live tracepoint and counts the events it sees and accepts.',
  usage: 'tfc apply FILTER --event SYS/NAME [--target ebpf] [--duration SECONDS] [--json]',
  options: {
    ...filterFileOption,
    event: { type: 'string', short: 'e' },
    target: { type: 'string', short: 't' },
    duration: { type: 'string', short: 'd' },
    attach: { type: 'string' },
    json: { type: 'boolean' },
    ...kernelOption,
  },
  positionals: { min: 0, max: 1 },
  help: `options:
  -e, --event SYS/NAME   the live tracepoint (its format is read from /sys/kernel/tracing)
${filterFileHelp}
  -t, --target T         ebpf (default): a BPF_PROG_TYPE_TRACEPOINT program attached with perf_event_open;
                         tc, u32, flower, tc-bpf: tc rules on a device (see tfc apply --target tc --help)
      --attach A         perf (default): the program runs on the record perf built; raw: a tp_btf program counts
                         and decides on the raw tracepoint's arguments (docs/raw-tracepoints.md); auto: raw where
                         every field the filter reads is covered, else perf (said on stderr)
  -d, --duration S       stop after S seconds (default: run until Ctrl-C / SIGTERM)
      --json             print the summary as one JSON object
${kernelOptionHelp}

Counts: "seen" is every hit of the tracepoint (all tasks, all CPUs) while attached; "accepted" the hits the
program returned 1 for (perf counting events, one per online CPU). Other BPF programs on the same tracepoint also
veto hits; the summary names them. A progress line is drawn every second on a terminal.
Needs root (CAP_BPF and CAP_PERFMON) and tracefs.

exit status: 0 counted, 1 the kernel rejects the filter or the verifier rejects the program, 2 usage error or
this machine cannot run it.

example (count the lseeks that move to offset 0 from the end of a file, for 5 seconds):
  $ tfc apply 'whence == 2 && offset == 0' --event syscalls/sys_enter_lseek --duration 5
  syscalls:sys_enter_lseek: 1520 events seen, 3 accepted (0.2%) in 5.0 s
`,
};

/** The value of --target/-t as written in argv (before parsing: the tc targets take options of their own). */
function rawTarget(argv: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === '--target' || a === '-t') found = argv[++i];
    else if (a.startsWith('--target=')) found = a.slice('--target='.length);
  }
  return found;
}

export async function runApply(argv: readonly string[], io: Io, host: Host): Promise<number> {
  if ((TC_TARGETS as readonly string[]).includes(rawTarget(argv) ?? '')) return runApplyTc(argv, io, host);
  const p = parseCommandArgs(applySpec, argv);
  if (p.help) {
    io.out(renderHelp(applySpec, io.columns));
    return EXIT.ok;
  }
  const target = str(p, 'target') ?? 'ebpf';
  if (target !== 'ebpf')
    throw new UsageError(`--target must be one of ebpf, ${TC_TARGETS.join(', ')}, got '${target}'`);
  return runApplyEbpf(p, io, host);
}

function durationOf(p: Parsed): number | undefined {
  const v = str(p, 'duration');
  if (v === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!(n > 0 && n <= 31_536_000)) throw new UsageError(`--duration takes seconds (> 0), got '${v}'`);
  return n;
}

async function liveEvent(
  spec: string | undefined,
): Promise<{ event: EventFormat; system: string; name: string }> {
  if (spec === undefined) throw new UsageError('an event is needed: --event SYS/NAME');
  const m = /^([^/\s:]+)[/:]([^/\s:]+)$/.exec(spec);
  if (!m) throw new UsageError(`--event takes SYS/NAME (e.g. syscalls/sys_enter_lseek), got '${spec}'`);
  const [system, name] = [m[1] as string, m[2] as string];
  const stuck = await probeTracefs(TRACEFS, 3000);
  if (stuck) throw new UsageError(stuck.reason);
  const live = readLiveEvent(system, name);
  if (!live.ok && process.getuid?.() !== 0)
    throw new UsageError(
      `${PRIVILEGE}; as uid ${process.getuid?.()} the live event cannot be read (${live.error})`,
    );
  if (!live.ok)
    throw new UsageError(
      `event ${system}/${name} is not live in this kernel (${live.error}); 'tfc events ${system}/' lists known events${eventHint(spec, TRACEFS)}`,
    );
  return { event: live.event, system, name };
}

function needsPrivilege(errnoName: string): boolean {
  return errnoName === 'EPERM' || errnoName === 'EACCES';
}

async function runApplyEbpf(p: Parsed, io: Io, host: Host): Promise<number> {
  const duration = durationOf(p);
  const { text } = filterText(p, io);
  const { event, system, name } = await liveEvent(str(p, 'event'));
  const { dialect } = await chooseDialect(p, io, host);
  const attach = attachMode(str(p, 'attach'));
  if (attach !== 'perf') {
    const raw = startRawApply({ filter: text, event, dialect, host }, attach);
    if (raw.kind === 'rejected') {
      io.err(raw.stderr);
      return EXIT.rejected;
    }
    if (raw.kind === 'unusable') throw new UsageError(raw.reason);
    if (raw.kind === 'fallback') io.err(`tfc: note: ${raw.note}\n`);
    else
      try {
        const event = `${system}:${name}`;
        const json = flag(p, 'json');
        return await count(raw.counting, { io, json, duration, event, text, insns: raw.insns });
      } finally {
        raw.counting.dispose();
      }
  }
  const compiled = compileTracepointFilter(text, event, dialect, host);
  if (!compiled.ok) {
    io.err(compiled.stderr);
    return EXIT.rejected;
  }
  const spec = compiled.spec;
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) throw new UsageError(`the kernel cannot be used here: ${sysLoad.reason}`);
  const sys = sysLoad.value;
  const id = tracepointId(system, name, TRACEFS);
  if (!id.ok) throw new UsageError(`event ${system}/${name}: ${id.error.message}`);
  const loaded = loadTracepointProgram(sys, spec, 'tfc_apply');
  if (!loaded.ok) {
    if (loaded.privilege !== undefined) throw new UsageError(`${PRIVILEGE} (${loaded.privilege})`);
    io.err(loaded.stderr);
    return EXIT.rejected;
  }
  try {
    const att = TracepointAttachment.open(sys, id.value, loaded.loaded.prog, onlineCpus());
    if (!att.ok) {
      if (needsPrivilege(att.error.errnoName)) throw new UsageError(`${PRIVILEGE} (${att.error.message})`);
      throw new UsageError(`cannot attach to ${system}:${name}: ${att.error.message}`);
    }
    try {
      return await count(att.value, {
        io,
        json: flag(p, 'json'),
        duration,
        event: `${system}:${name}`,
        text,
        insns: spec.stats.instructions,
      });
    } finally {
      att.value.dispose();
    }
  } finally {
    loaded.loaded.dispose();
  }
}

interface CountOptions {
  readonly io: Io;
  readonly json: boolean;
  readonly duration: number | undefined;
  readonly event: string;
  readonly text: string;
  readonly insns: number;
}

/** Waits for the duration or a signal, drawing progress on a terminal; prints the summary. */
async function count(att: Counting, o: CountOptions): Promise<number> {
  const { io } = o;
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
  let stopSignal: string | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const handlers: [NodeJS.Signals, () => void][] = [];
  let readError: string | undefined;
  const read = (): HitCounts => {
    const c = att.counts();
    if (c.ok) return c.value;
    readError ??= c.error.message;
    return { seen: 0n, accepted: 0n };
  };
  try {
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        const h = () => {
          stopSignal = sig;
          resolve();
        };
        handlers.push([sig, h]);
        process.on(sig, h);
      }
      if (o.duration !== undefined) timer = setTimeout(resolve, o.duration * 1000);
      // The ticker also keeps the event loop alive while only signal handlers are waiting.
      ticker = setInterval(() => {
        if (!io.isTty) return;
        const c = read();
        io.err(`\r${o.event}: ${c.seen} seen, ${c.accepted} accepted, ${elapsed().toFixed(0)} s `);
      }, 1000);
      // Announced only now that a signal stops the run cleanly.
      io.err(
        `tfc: attached to ${o.event} (${o.insns} instructions); counting${o.duration === undefined ? ' until Ctrl-C' : ` for ${o.duration} s`}\n`,
      );
    });
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    if (ticker !== undefined) clearInterval(ticker);
    if (timer !== undefined) clearTimeout(timer);
  }
  const c = read();
  const seconds = elapsed();
  if (io.isTty) io.err('\n');
  const foreign = att.foreignPrograms();
  const others = foreign.ok ? foreign.value : [];
  if (readError !== undefined) {
    io.err(`tfc: cannot read the counters: ${readError}\n`);
    return EXIT.usage;
  }
  if (others.length > 0)
    io.err(
      `tfc: other BPF programs on ${o.event} (ids ${others.join(', ')}) also decide which hits count as accepted\n`,
    );
  if (o.json) {
    io.out(
      `${JSON.stringify({
        event: o.event,
        filter: o.text,
        seen: Number(c.seen),
        accepted: Number(c.accepted),
        seconds: Number(seconds.toFixed(3)),
        instructions: o.insns,
        stoppedBy: stopSignal ?? 'duration',
        otherPrograms: others,
      })}\n`,
    );
  } else {
    const pct = c.seen > 0n ? ` (${((Number(c.accepted) / Number(c.seen)) * 100).toFixed(1)}%)` : '';
    io.out(`${o.event}: ${c.seen} events seen, ${c.accepted} accepted${pct} in ${seconds.toFixed(1)} s\n`);
  }
  return EXIT.ok;
}
