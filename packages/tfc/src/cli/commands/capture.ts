/*
 * `tfc capture [PCAPFILTER] (--drops | --at HOOK[,HOOK...])`: packets where the kernel handles and drops them. One
 * capture program per hook (tp_btf tracepoints such as skb/kfree_skb, or fentry on a kernel function with a
 * `struct sk_buff *` argument), the pcap filter compiled by tfc for that hook (program-source.ts), writes a record per
 * accepted packet into a BPF ring buffer (docs/capture.md); tfc
 * reads it and delivers pcapng (-w FILE, -w -), one line per packet (--print, the default) or JSON (--json), with
 * the drop reason by name, the caller as symbol+offset, device, netns, pid/comm and the skb address.
 * Invariants: every program, link, map and mapping is released on every exit path (count, duration, SIGINT/
 * SIGTERM, an error; at process exit if leaked); the signal handlers it installs are removed before it returns;
 * lost records are never silent (epb_dropcount, the statistics block, the summary line); exit 1 only when the
 * compiler rejects the filter (its message and position), 2 for usage and for a machine that cannot capture.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { MAX_SNAPLEN } from '@tfc/codegen-bpf';
import {
  type CaptureSession,
  decodeRecord,
  type Kallsyms,
  openCapture,
  parseKallsyms,
} from '@tfc/kernel/skb';
import { loadKoffiSyscalls } from '@tfc/kernel/sys';
import { PACKET_TYPE_NAMES, type SkbPacket, SkbPcapngWriter } from '@tfc/live';
import { createHost } from '../../host/index.ts';
import { type CommandSpec, flag, int, type Parsed, parseCommandArgs, renderHelp, str } from '../args.ts';
import { bpfLoopsHelp, bpfLoopsOption, chooseBpfFeatures } from '../bpf-loops-option.ts';
import { captureDeviceNames } from '../capture/devices.ts';
import { hookList, layoutOf, readKernelBtf, reasonsOf, selectHooks } from '../capture/hooks-option.ts';
import { packetOf, type Resolvers, summarize } from '../capture/packet-view.ts';
import { type PacketPath, PathTracker } from '../capture/paths.ts';
import { captureFilterCheck, captureProgramSource } from '../capture/program-source.ts';
import { filterText, pcapFileHelp, pcapFileOption } from '../filter-input.ts';
import { EXIT, errnoText, type Io, prefixLines, UsageError } from '../io.ts';
import { PCAP_ENV_OPTIONS, pcapEnv, pcapVersionOf } from '../pcap-env.ts';
import { stopper } from '../stopper.ts';

export const captureSpec: CommandSpec = {
  name: 'capture',
  summary:
    'Captures packets where the kernel handles and drops them (skb tracepoints, fentry), with drop reasons.',
  usage: 'tfc capture [PCAPFILTER...] (--drops | --at HOOK[,HOOK...]) [-w FILE | --print | --json] [options]',
  options: {
    drops: { type: 'boolean' },
    at: { type: 'string', multiple: true },
    'list-hooks': { type: 'boolean' },
    write: { type: 'string', short: 'w' },
    print: { type: 'boolean' },
    json: { type: 'boolean' },
    snaplen: { type: 'string', short: 's' },
    count: { type: 'string', short: 'c' },
    duration: { type: 'string', short: 'd' },
    'ring-kb': { type: 'string' },
    path: { type: 'boolean' },
    ...PCAP_ENV_OPTIONS,
    ...bpfLoopsOption,
    ...pcapFileOption,
  },
  positionals: { min: 0, max: 1 },
  pcapWords: 'always',
  help: `options:
      --drops            capture at skb/kfree_skb: packets the kernel frees as dropped, with the reason
      --at HOOK,...      capture at these hooks (repeatable): a tracepoint with an skb argument (skb/kfree_skb,
                         skb/consume_skb, net/netif_receive_skb, net/net_dev_queue, net/net_dev_xmit, ...) or
                         a kernel function with a struct sk_buff * argument (fentry/FUNC, or FUNC)
      --list-hooks       list the hooks the running kernel's BTF offers and exit
  -w, --write FILE       write pcapng: one interface per hook, each packet's metadata as its comment
                         ('-': standard output, for 'tfc capture ... -w - | tshark -r -')
      --print            one line per packet: time, hook, reason, location, device, pid/comm, summary
                         (the default when no output is named)
      --json             one JSON object per packet
      --path             follow each matching skb by its address through every selected hook until it is
                         freed (kfree_skb: dropped, consume_skb: consumed); --print/--json then show one path
                         each (hooks with time offsets), --count counts paths; a record at the same address
                         after the free is a new packet
  -s, --snaplen N        bytes of each packet to keep (default 256, at most 16384)
  -c, --count N          stop after N packets
  -d, --duration S       stop after S seconds (default: until Ctrl-C / SIGTERM)
      --ring-kb N        ring buffer size in KiB, a power of two (default 8192)
      --names-from DIR   resolve host, network, service, protocol and ethers names in PCAPFILTER from
                         DIR/hosts, networks, services, protocols, ethers (default /etc; never DNS)
      --netmask A.B.C.D  the IPv4 netmask for 'ip broadcast' (libpcap: the capture interface's)
      --pcap-version V   libpcap semantics: 1.10 (default, libpcap 1.10.3) or current (libpcap master)
${bpfLoopsHelp}
${pcapFileHelp}

PCAPFILTER is a libpcap filter ('udp port 9999'), compiled by tfc into each hook's program and run in the kernel,
judged on the bytes a tap would show: from the Ethernet header when the skb has one, else from the network header. Records the kernel could not fit into the ring buffer are
counted and reported (pcapng epb_dropcount and statistics, the summary line). Needs root and BTF.

exit status: 0 captured, 1 the filter is rejected (the compiler's message and position), 2 usage error or this
machine cannot capture.

examples:
  $ tfc capture 'udp port 9999' --drops -w drops.pcapng
  $ tfc capture 'tcp port 80' --at net/netif_receive_skb,skb/kfree_skb,skb/consume_skb --print --count 20
  $ tfc capture --drops --json --duration 10
  $ tfc capture 'udp port domain or ip broadcast' --drops --netmask 255.255.255.0 --count 5
  $ tfc capture 'tcp port 8080' --path --at net/net_dev_queue,net/netif_receive_skb,skb/consume_skb,skb/kfree_skb
  $ tfc capture --list-hooks
`,
};

function positive(p: Parsed, name: string, max: number): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0 && n <= max)) throw new UsageError(`--${name} takes a number > 0, got '${v}'`);
  return n;
}

interface Sink {
  packet?(p: SkbPacket): void;
  path?(p: PacketPath): void;
  /** Writes what ends the output (statistics) and releases it. */
  close(lost: bigint, endNs: bigint): void;
  /** Releases the output without writing (an error path); idempotent, also after close. */
  release?(): void;
}

export async function runCapture(argv: readonly string[], io: Io): Promise<number> {
  const p = parseCommandArgs(captureSpec, argv);
  if (p.help) {
    io.out(renderHelp(captureSpec, io.columns));
    return EXIT.ok;
  }
  if (flag(p, 'list-hooks')) {
    io.out(hookList(readKernelBtf()));
    return EXIT.ok;
  }
  const filter =
    p.positionals.length === 0 && p.values['expression-file'] === undefined
      ? ''
      : filterText(p, io, { pcap: true }).text;
  const at = (p.values.at as string[] | undefined) ?? [];
  if (!flag(p, 'drops') && at.length === 0)
    throw new UsageError('capture: say where: --drops or --at HOOK[,HOOK...] (--list-hooks lists them)');
  const snaplen = int(p, 'snaplen', { min: 1, max: MAX_SNAPLEN }) ?? 256;
  const ringKb = int(p, 'ring-kb', { min: 4, max: 1 << 20 }) ?? 8192;
  if ((ringKb & (ringKb - 1)) !== 0) throw new UsageError(`--ring-kb takes a power of two, got ${ringKb}`);
  if ((snaplen + 96) * 2 > ringKb * 1024) throw new UsageError('--ring-kb is too small for --snaplen');
  const count = positive(p, 'count', Number.MAX_SAFE_INTEGER);
  const duration = positive(p, 'duration', 31_536_000);
  const write = str(p, 'write');
  if (write === '-' && (flag(p, 'print') || flag(p, 'json')))
    throw new UsageError('-w - takes standard output: no --print/--json');
  if (write === '-' && io.outBytes === undefined)
    throw new UsageError('-w -: this output cannot take binary data');
  const table = readKernelBtf();
  const hooks = selectHooks(table, flag(p, 'drops'), at);
  const layout = layoutOf(table);
  const first = hooks[0];
  if (first === undefined) throw new UsageError('capture: no hook selected');
  const pcap = {
    env: pcapEnv(p),
    pcapVersion: pcapVersionOf(p),
    bpfFeatures: chooseBpfFeatures(p, createHost()).features,
  };
  const check = captureFilterCheck(filter, layout, first, snaplen, pcap);
  if (!check.ok) {
    io.err(prefixLines(`capture: the filter is rejected:\n${check.error}`, 'tfc: '));
    return EXIT.rejected;
  }
  if (process.getuid?.() !== 0) throw new UsageError('capture needs root (BPF programs on kernel hooks)');
  const sysLoad = loadKoffiSyscalls();
  if (!sysLoad.ok) throw new UsageError(`cannot capture here: ${sysLoad.reason}`);
  for (const n of check.notes) io.err(`tfc: capture: note: ${n}\n`);
  const reasons = reasonsOf(table);
  const symbols = readKallsyms();
  const devices = captureDeviceNames();
  const res: Resolvers = {
    hooks,
    reason: (r) => reasons.get(r) ?? String(r),
    symbol: (a) => symbols.symbolize(a),
    device: (ns, idx) => devices.name(ns, idx),
    clockOffset: BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint(),
  };
  const paths = flag(p, 'path') ? new PathTracker() : undefined;
  const sinks = openSinks(p, io, write, snaplen, paths !== undefined);
  const opened = openCapture(sysLoad.value, {
    hooks,
    snaplen,
    ringSize: ringKb * 1024,
    source: captureProgramSource(filter, layout, pcap),
    follow: paths !== undefined,
  });
  if (!opened.ok) {
    for (const s of sinks) s.close(0n, 0n);
    if (write !== undefined && write !== '-') rmSync(write, { force: true });
    const hint =
      opened.error.includes('EPERM') && hooks.some((h) => h.kind === 'fentry')
        ? ' (fentry: this kernel refuses tracing programs on functions here)'
        : '';
    throw new UsageError(`cannot capture: ${opened.error}${hint}`);
  }
  const session = opened.session;
  const leak = (): void => session.dispose();
  process.on('exit', leak);
  io.err(`tfc: capture: capturing at ${hooks.map((h) => h.name).join(', ')}\n`);
  try {
    return await loop(session, sinks, io, res, {
      paths,
      count,
      duration,
    });
  } finally {
    session.dispose();
    process.off('exit', leak);
    for (const s of sinks) s.release?.();
  }
}

function readKallsyms(): Kallsyms {
  try {
    return parseKallsyms(readFileSync('/proc/kallsyms', 'utf8'));
  } catch {
    return parseKallsyms('');
  }
}

async function loop(
  session: CaptureSession,
  sinks: readonly Sink[],
  io: Io,
  res: Resolvers,
  o: {
    readonly paths: PathTracker | undefined;
    readonly count: number | undefined;
    readonly duration: number | undefined;
  },
): Promise<number> {
  const { paths, count, duration } = o;
  let seen = 0;
  let matched = 0;
  let bad = 0;
  let lostSeen = 0n;
  let pathsDone = 0;
  let shown = 0;
  const t0 = Date.now();
  const st = stopper(duration);
  try {
    while (!st.stop()) {
      const lost = session.lost();
      let lostBefore = lost - lostSeen;
      lostSeen = lost;
      session.drain((bytes) => {
        if (st.reason !== undefined) return;
        const d = decodeRecord(bytes);
        if (!d.ok) {
          bad++;
          return;
        }
        seen++;
        const pkt = packetOf(d.record, res, lostBefore);
        if (paths !== undefined) {
          // word 84: 1 when the filter accepted the packet here, 0 when it is only followed (--path)
          const r = paths.add(pkt, d.record.verdict === 1);
          if (r.joined) {
            lostBefore = 0n;
            for (const s of sinks) s.packet?.(pkt);
            matched++;
          }
          for (const path of r.closed) {
            for (const s of sinks) s.path?.(path);
            pathsDone++;
            if (count !== undefined && pathsDone >= count) st.reason = 'count';
          }
          return;
        }
        lostBefore = 0n;
        for (const s of sinks) s.packet?.(pkt);
        matched++;
        if (count !== undefined && matched >= count) st.reason = 'count';
      });
      if (st.stop()) break;
      await new Promise((r) => setTimeout(r, 20));
      if (io.isTty && Date.now() - shown >= 250) {
        shown = Date.now();
        io.err(`\r${matched} packets, ${lostSeen} lost`);
      }
    }
  } finally {
    st.dispose();
  }
  const lost = session.lost();
  if (paths !== undefined && st.reason !== 'count')
    for (const path of paths.finish()) {
      for (const s of sinks) s.path?.(path);
      pathsDone++;
    }
  for (const s of sinks) s.close(lost, BigInt(Date.now()) * 1_000_000n);
  if (io.isTty) io.err('\n');
  const followed = paths !== undefined ? `, ${seen} records` : '';
  io.err(
    `tfc: capture: ${paths !== undefined ? `${pathsDone} paths, ` : ''}${matched} packets in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${lost} records lost${followed}${bad ? `, ${bad} malformed records` : ''}${st.reason?.startsWith('SIG') ? ` (stopped by ${st.reason})` : ''}\n`,
  );
  return EXIT.ok;
}

function openSinks(p: Parsed, io: Io, write: string | undefined, snaplen: number, byPath: boolean): Sink[] {
  const sinks: Sink[] = [];
  if (write !== undefined) {
    let out: (b: Uint8Array) => void;
    let done = (): void => {};
    if (write === '-') out = io.outBytes as (b: Uint8Array) => void;
    else {
      let fd: number;
      try {
        fd = openSync(write, 'w');
      } catch (e) {
        throw new UsageError(`cannot write ${write}: ${errnoText(e)}`);
      }
      out = (b) => {
        try {
          writeSync(fd, b);
        } catch (e) {
          throw new UsageError(`cannot write ${write}: ${errnoText(e)}`);
        }
      };
      done = () => {
        if (fd >= 0) closeSync(fd);
        fd = -1;
      };
    }
    const w = new SkbPcapngWriter(snaplen);
    try {
      out(w.header());
    } catch (e) {
      done();
      throw e;
    }
    sinks.push({
      packet: (pkt) => out(w.packet(pkt)),
      close: (lost, end) => {
        try {
          if (w.interfaces > 0) out(w.end(end, lost));
        } finally {
          done();
        }
      },
      release: () => done(),
    });
  }
  const json = flag(p, 'json');
  if (flag(p, 'print') || (!json && write === undefined))
    sinks.push(
      byPath
        ? { path: (path) => io.out(printPath(path)), close: () => {} }
        : { packet: (pkt) => io.out(`${printLine(pkt)}\n`), close: () => {} },
    );
  if (json)
    sinks.push(
      byPath
        ? { path: (path) => io.out(`${JSON.stringify(jsonPath(path))}\n`), close: () => {} }
        : { packet: (pkt) => io.out(`${JSON.stringify(jsonOf(pkt))}\n`), close: () => {} },
    );
  return sinks;
}

function clock(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  const us = String((ns / 1000n) % 1_000_000n).padStart(6, '0');
  return `${d.toISOString().slice(11, 19)}.${us}`;
}

/** A task or device name on a terminal line: control characters (any process can set its comm) as \xNN. */
function safe(name: string): string {
  return name.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `12:00:01.123456 skb/kfree_skb NO_SOCKET udp_rcv+0x1c veth1 1234/nc 10.0.0.1.4000 > 10.0.0.2.9999: UDP, length 3`. */
export function printLine(pkt: SkbPacket): string {
  const parts = [clock(pkt.ts), pkt.hook];
  if (pkt.reason !== undefined) parts.push(pkt.reason);
  if (pkt.location !== undefined) parts.push(pkt.location);
  parts.push(safe(pkt.device ?? (pkt.ifindex === 0 ? '-' : `if${pkt.ifindex}`)));
  parts.push(`${pkt.pid}/${safe(pkt.comm)}`);
  parts.push(summarize(pkt.data, pkt.start));
  return parts.join(' ');
}

/** A path: its head line (address, the first packet's summary, how it ended), then one line per hook. */
export function printPath(path: PacketPath): string {
  const first = path.steps[0];
  if (first === undefined) return '';
  const lines = [`path 0x${path.skb.toString(16)} ${summarize(first.data, first.start)}: ${path.end}`];
  for (const s of path.steps) {
    const dt = s.ts - first.ts;
    const parts = [
      clock(s.ts),
      `+${dt / 1_000_000_000n}.${String((dt / 1000n) % 1_000_000n).padStart(6, '0')}`,
      s.hook,
    ];
    if (s.reason !== undefined) parts.push(s.reason);
    if (s.location !== undefined) parts.push(s.location);
    parts.push(safe(s.device ?? (s.ifindex === 0 ? '-' : `if${s.ifindex}`)));
    lines.push(`  ${parts.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function jsonPath(path: PacketPath): Record<string, unknown> {
  return { skb: `0x${path.skb.toString(16)}`, end: path.end, steps: path.steps.map(jsonOf) };
}

export function jsonOf(pkt: SkbPacket): Record<string, unknown> {
  return {
    time: pkt.ts.toString(),
    hook: pkt.hook,
    ...(pkt.reason !== undefined ? { reason: pkt.reason } : {}),
    ...(pkt.location !== undefined ? { location: pkt.location } : {}),
    ifindex: pkt.ifindex,
    ...(pkt.device !== undefined ? { dev: pkt.device } : {}),
    netns: pkt.netns,
    pid: pkt.pid,
    tid: pkt.tid,
    comm: pkt.comm,
    skb: `0x${pkt.skb.toString(16)}`,
    len: pkt.len,
    caplen: pkt.data.length,
    start: pkt.start === 0 ? 'ethernet' : 'network',
    protocol: pkt.protocol,
    pkt_type: PACKET_TYPE_NAMES[pkt.pktType] ?? pkt.pktType,
    mark: pkt.mark,
    ...(pkt.vlan !== undefined ? { vlan: { tpid: pkt.vlan.proto, tci: pkt.vlan.tci } } : {}),
    ...(pkt.lostBefore !== undefined ? { lost_before: pkt.lostBefore.toString() } : {}),
    summary: summarize(pkt.data, pkt.start),
    data: Buffer.from(pkt.data).toString('hex'),
  };
}
