// libpcap (Debian libpcap0.8, `libpcap.so.0.8`) through koffi: its userspace cBPF interpreter
// `bpf_filter` as a second judge, and `pcap_compile` on a dead handle to obtain libpcap's program for
// an expression and link type (same bytes as `tcpdump -ddd`), or on a live Linux handle (pcap_open_live on a
// device, root only: the program `tcpdump -i DEV -ddd` gets, with the SKF_AD VLAN extensions). Invariants: loading
// never throws (a reason string instead); compiled programs are copied out and freed with pcap_freecode before
// returning; the pcap_t of a compiler is closed exactly once by dispose().
import { loadKoffi } from './koffi-syscalls.ts';
import { keepAlive, stableBuffer, stableCopy } from './syscalls.ts';

type Fn = (...args: unknown[]) => unknown;

/** PCAP_NETMASK_UNKNOWN */
export const NETMASK_UNKNOWN = 0xffffffff;
/** Link types (DLT_*) commonly used with pcap_open_dead. */
export const DLT = { EN10MB: 1, RAW: 12, LINUX_SLL: 113 } as const;

export interface Libpcap {
  /** The libpcap version string (pcap_lib_version). */
  readonly version: string;
  /** bpf_filter(program, packet, wirelen, buflen): the filter's return value (0 = reject). */
  filter(program: Uint8Array, packet: Uint8Array, wirelen?: number): number;
  /** Opens a compiler for `linktype` with `snaplen` (pcap_open_dead). */
  compiler(linktype: number, snaplen?: number): PcapCompiler;
  /** Opens a compiler on a live capture of `device` (pcap_open_live, not promiscuous; needs CAP_NET_RAW):
   *  libpcap's error text when it cannot. */
  liveCompiler(
    device: string,
    snaplen?: number,
  ): { readonly ok: true; readonly value: PcapCompiler } | { readonly ok: false; readonly reason: string };
}

export type CompileResult =
  | { readonly ok: true; readonly program: Uint8Array }
  | { readonly ok: false; readonly error: string };

export interface PcapCompiler {
  /** pcap_compile(expr, optimize, netmask): the encoded struct bpf_insn array or libpcap's error text. */
  compile(
    expression: string,
    options?: { readonly optimize?: boolean; readonly netmask?: number },
  ): CompileResult;
  dispose(): void;
  [Symbol.dispose](): void;
}

export type LibpcapLoad =
  | { readonly ok: true; readonly value: Libpcap }
  | { readonly ok: false; readonly reason: string };

/** Loads libpcap (default `libpcap.so.0.8`). */
export function loadLibpcap(path = 'libpcap.so.0.8'): LibpcapLoad {
  const k = loadKoffi();
  if (!k.ok) return k;
  const koffi = k.value as typeof k.value & { view(ptr: unknown, len: number): ArrayBuffer };
  let lib: { func(decl: string): Fn };
  try {
    lib = koffi.load(path);
  } catch (e) {
    return { ok: false, reason: `${path} not loadable: ${e instanceof Error ? e.message : String(e)}` };
  }
  const bpfFilter = lib.func(
    'unsigned int bpf_filter(const void *, const void *, unsigned int, unsigned int)',
  );
  const openDead = lib.func('void *pcap_open_dead(int, int)');
  const openLive = lib.func('void *pcap_open_live(const char *, int, int, int, void *)');
  const compile = lib.func('int pcap_compile(void *, void *, const char *, int, uint32_t)');
  const geterr = lib.func('const char *pcap_geterr(void *)');
  const freecode = lib.func('void pcap_freecode(void *)');
  const close = lib.func('void pcap_close(void *)');
  const libVersion = lib.func('const char *pcap_lib_version(void)');

  const compilerOn = (opened: unknown, failure: string): PcapCompiler => {
    let handle: unknown = opened;
    const self: PcapCompiler = {
      compile: (expression, options) => {
        if (handle === null) return { ok: false, error: 'compiler disposed' };
        if (expression.includes('\0')) return { ok: false, error: 'NUL in expression' };
        const prog = stableBuffer(16);
        const r = compile(
          handle,
          prog,
          expression,
          options?.optimize === false ? 0 : 1,
          options?.netmask ?? NETMASK_UNKNOWN,
        );
        if (r !== 0) return { ok: false, error: String(geterr(handle)) };
        const dv = new DataView(prog.buffer);
        const len = dv.getUint32(0, true);
        const ptr = dv.getBigUint64(8, true);
        const program = len === 0 ? new Uint8Array(0) : new Uint8Array(koffi.view(ptr, len * 8)).slice();
        freecode(prog);
        return { ok: true, program };
      },
      dispose: () => {
        if (handle === null) return;
        const h = handle;
        handle = null;
        close(h);
      },
      [Symbol.dispose]: () => self.dispose(),
    };
    if (handle === null) {
      return { ...self, compile: () => ({ ok: false, error: failure }) };
    }
    return self;
  };
  const compiler = (linktype: number, snaplen = 262144): PcapCompiler =>
    compilerOn(openDead(linktype, snaplen), 'pcap_open_dead failed');
  const liveCompiler: Libpcap['liveCompiler'] = (device, snaplen = 262144) => {
    if (device.includes('\0')) return { ok: false, reason: 'NUL in device name' };
    const errbuf = stableBuffer(256);
    const handle = openLive(device, snaplen, 0, 100, errbuf);
    if (handle === null) {
      const end = errbuf.indexOf(0);
      const text = new TextDecoder().decode(errbuf.subarray(0, end < 0 ? errbuf.length : end));
      return { ok: false, reason: `pcap_open_live(${device}): ${text || 'failed'}` };
    }
    return { ok: true, value: compilerOn(handle, 'pcap_open_live failed') };
  };

  return {
    ok: true,
    value: {
      version: String(libVersion()),
      filter: (program, packet, wirelen = packet.length) => {
        const p = stableCopy(program);
        const d = stableCopy(packet);
        const r = bpfFilter(p, d.length === 0 ? stableBuffer(1) : d, wirelen, d.length) as number;
        keepAlive(p, d);
        return r >>> 0;
      },
      compiler,
      liveCompiler,
    },
  };
}
