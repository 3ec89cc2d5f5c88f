// The real `Syscalls`, calling libc through koffi. Linux only (x86-64 and arm64 syscall numbers).
// Invariants: loading never throws — `loadKoffiSyscalls` returns a reason string when koffi, libc
// or the architecture is unavailable; every call reads errno right after a -1 return; typed arrays
// are passed by pointer for the duration of the (synchronous) call only.
import { createRequire } from 'node:module';
import type { MmapResult, PairResult, Syscalls, SysResult } from './syscalls.ts';

type KoffiFn = (...args: unknown[]) => unknown;
interface KoffiLib {
  func(decl: string): KoffiFn;
}
interface KoffiModule {
  load(path: string): KoffiLib;
  errno(): number;
  address(value: unknown): bigint;
  view(ref: unknown, len: number): ArrayBuffer;
}

/** bpf(2) and perf_event_open(2) numbers per `process.arch`. */
const SYSCALL_NR: Readonly<Record<string, { readonly bpf: number; readonly perfEventOpen: number }>> = {
  x64: { bpf: 321, perfEventOpen: 298 },
  arm64: { bpf: 280, perfEventOpen: 241 },
};

export type Loaded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/** Loads koffi itself (optional dependency at run time). */
export function loadKoffi(): Loaded<KoffiModule> {
  try {
    const require = createRequire(import.meta.url);
    const mod = require('koffi') as KoffiModule;
    return { ok: true, value: mod };
  } catch (e) {
    return { ok: false, reason: `koffi unavailable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function res(koffi: KoffiModule, r: unknown): SysResult {
  const n = typeof r === 'bigint' ? Number(r) : (r as number);
  return n < 0 ? { ok: false, errno: koffi.errno() } : { ok: true, value: n };
}

/** The libc-backed implementation, or the reason it cannot be built here. */
export function loadKoffiSyscalls(): Loaded<Syscalls> {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  const nr = SYSCALL_NR[process.arch];
  if (nr === undefined) return { ok: false, reason: `no syscall numbers for arch ${process.arch}` };
  const k = loadKoffi();
  if (!k.ok) return k;
  const koffi = k.value;
  let libc: KoffiLib;
  try {
    libc = koffi.load('libc.so.6');
  } catch (e) {
    return { ok: false, reason: `libc.so.6 not loadable: ${e instanceof Error ? e.message : String(e)}` };
  }
  const sys3 = libc.func('long syscall(long, long, void *, long)');
  const sys6 = libc.func('long syscall(long, void *, long, long, long, long)');
  const ioctl = libc.func('int ioctl(int, unsigned long, unsigned long)');
  const close = libc.func('int close(int)');
  const socketpair = libc.func('int socketpair(int, int, int, void *)');
  const setsockopt = libc.func('int setsockopt(int, int, int, void *, unsigned int)');
  const send = libc.func('long send(int, void *, unsigned long, int)');
  const recv = libc.func('long recv(int, void *, unsigned long, int)');
  const read = libc.func('long read(int, void *, unsigned long)');
  const socket = libc.func('int socket(int, int, int)');
  const bind = libc.func('int bind(int, void *, unsigned int)');
  const open = libc.func('int open(void *, int)');
  const setns = libc.func('int setns(int, int)');
  const mmap = libc.func('void *mmap(void *, unsigned long, int, int, int, long)');
  const munmap = libc.func('int munmap(void *, unsigned long)');
  const impl: Syscalls = {
    bpf: (cmd, attr) => res(koffi, sys3(nr.bpf, cmd, attr, attr.length)),
    perfEventOpen: (attr, pid, cpu, groupFd, flags) =>
      res(koffi, sys6(nr.perfEventOpen, attr, pid, cpu, groupFd, flags)),
    ioctl: (fd, request, arg) => res(koffi, ioctl(fd, request, arg)),
    close: (fd) => res(koffi, close(fd)),
    socketpair: (domain, type, protocol): PairResult => {
      const sv = new Int32Array(new ArrayBuffer(8));
      const r = socketpair(domain, type, protocol, sv) as number;
      if (r < 0) return { ok: false, errno: koffi.errno() };
      return { ok: true, fds: [sv[0] ?? -1, sv[1] ?? -1] };
    },
    setsockopt: (fd, level, optname, optval) =>
      res(koffi, setsockopt(fd, level, optname, optval, optval.length)),
    send: (fd, data, flags) => res(koffi, send(fd, data, data.length, flags)),
    recv: (fd, buf, flags) => res(koffi, recv(fd, buf, buf.length, flags)),
    read: (fd, buf) => res(koffi, read(fd, buf, buf.length)),
    socket: (domain, type, protocol) => res(koffi, socket(domain, type, protocol)),
    bind: (fd, addr) => res(koffi, bind(fd, addr, addr.length)),
    open: (path, flags) => res(koffi, open(path, flags)),
    setns: (fd, nstype) => res(koffi, setns(fd, nstype)),
    mmap: (fd, length, prot, flags, offset): MmapResult => {
      const p = mmap(null, length, prot, flags, fd, offset);
      if (p === null || koffi.address(p) === 0xffffffffffffffffn) return { ok: false, errno: koffi.errno() };
      let mapped = true;
      return {
        ok: true,
        region: {
          bytes: new Uint8Array(koffi.view(p, length)),
          unmap: () => {
            if (!mapped) return { ok: true, value: 0 };
            mapped = false;
            return res(koffi, munmap(p, length));
          },
        },
      };
    },
    address: (buf) => (buf.length === 0 ? 0n : koffi.address(buf)),
  };
  return { ok: true, value: impl };
}
