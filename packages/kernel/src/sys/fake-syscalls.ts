// A recording fake of `Syscalls` for unit tests that must not touch the kernel (aya's sys/fake.rs idea).
// Invariants: deterministic — buffer addresses are assigned 0x10000, 0x20000, … in first-seen order and
// stay fixed per buffer; every call is appended to `calls` with a copy of its attr/optval bytes as they
// were at call time; results come from the caller's `respond` function (default: success, value 3+n,
// a fresh fake fd). `respond` may write output fields into the attr it is given; mapped memory is plain zeroed
// memory, listed in `regions`.
import type { PairResult, Syscalls, SysResult } from './syscalls.ts';

export type FakeCall =
  | { readonly name: 'bpf'; readonly cmd: number; readonly attr: Uint8Array }
  | {
      readonly name: 'perfEventOpen';
      readonly attr: Uint8Array;
      readonly pid: number;
      readonly cpu: number;
      readonly groupFd: number;
      readonly flags: number;
    }
  | { readonly name: 'ioctl'; readonly fd: number; readonly request: number; readonly arg: number }
  | { readonly name: 'close'; readonly fd: number }
  | { readonly name: 'socketpair'; readonly domain: number; readonly type: number; readonly protocol: number }
  | {
      readonly name: 'setsockopt';
      readonly fd: number;
      readonly level: number;
      readonly optname: number;
      readonly optval: Uint8Array;
    }
  | { readonly name: 'send'; readonly fd: number; readonly data: Uint8Array; readonly flags: number }
  | { readonly name: 'recv'; readonly fd: number; readonly size: number; readonly flags: number }
  | { readonly name: 'read'; readonly fd: number; readonly size: number }
  | { readonly name: 'socket'; readonly domain: number; readonly type: number; readonly protocol: number }
  | { readonly name: 'bind'; readonly fd: number; readonly addr: Uint8Array }
  | { readonly name: 'open'; readonly path: Uint8Array; readonly flags: number }
  | { readonly name: 'setns'; readonly fd: number; readonly nstype: number }
  | {
      readonly name: 'mmap';
      readonly fd: number;
      readonly length: number;
      readonly prot: number;
      readonly flags: number;
      readonly offset: number;
    };

/** Decides the result of a call; `live` is the caller's buffer (attr, optval or recv buffer) if any. */
export type FakeResponder = (call: FakeCall, live: Uint8Array | undefined) => SysResult | undefined;

export interface FakeSyscalls extends Syscalls {
  readonly calls: FakeCall[];
  /** The buffer whose fake address is `addr`, if one was handed out. */
  bufferAt(addr: bigint): Uint8Array | undefined;
  /** The memory of every successful mmap, in call order (tests write what the kernel would). */
  readonly regions: Uint8Array[];
}

export function fakeSyscalls(respond: FakeResponder = () => undefined): FakeSyscalls {
  const calls: FakeCall[] = [];
  const regions: Uint8Array[] = [];
  const addrs = new Map<Uint8Array, bigint>();
  const byAddr = new Map<bigint, Uint8Array>();
  let nextFd = 3;
  const run = (call: FakeCall, live?: Uint8Array): SysResult => {
    calls.push(call);
    return respond(call, live) ?? { ok: true, value: call.name === 'close' ? 0 : nextFd++ };
  };
  return {
    calls,
    regions,
    bufferAt: (addr) => byAddr.get(addr),
    bpf: (cmd, attr) => run({ name: 'bpf', cmd, attr: attr.slice() }, attr),
    perfEventOpen: (attr, pid, cpu, groupFd, flags) =>
      run({ name: 'perfEventOpen', attr: attr.slice(), pid, cpu, groupFd, flags }, attr),
    ioctl: (fd, request, arg) => run({ name: 'ioctl', fd, request, arg }),
    close: (fd) => run({ name: 'close', fd }),
    socketpair: (domain, type, protocol): PairResult => {
      const r = run({ name: 'socketpair', domain, type, protocol });
      if (!r.ok) return r;
      return { ok: true, fds: [r.value, nextFd++] };
    },
    setsockopt: (fd, level, optname, optval) =>
      run({ name: 'setsockopt', fd, level, optname, optval: optval.slice() }, optval),
    send: (fd, data, flags) => run({ name: 'send', fd, data: data.slice(), flags }, data),
    recv: (fd, buf, flags) => run({ name: 'recv', fd, size: buf.length, flags }, buf),
    read: (fd, buf) => run({ name: 'read', fd, size: buf.length }, buf),
    socket: (domain, type, protocol) => run({ name: 'socket', domain, type, protocol }),
    bind: (fd, addr) => run({ name: 'bind', fd, addr: addr.slice() }, addr),
    open: (path, flags) => run({ name: 'open', path: path.slice(), flags }),
    setns: (fd, nstype) => run({ name: 'setns', fd, nstype }),
    mmap: (fd, length, prot, flags, offset) => {
      const r = run({ name: 'mmap', fd, length, prot, flags, offset });
      if (!r.ok) return r;
      const bytes = new Uint8Array(new ArrayBuffer(length));
      regions.push(bytes);
      return { ok: true, region: { bytes, unmap: () => ({ ok: true, value: 0 }) } };
    },
    address: (buf) => {
      if (buf.length === 0) return 0n;
      const known = addrs.get(buf);
      if (known !== undefined) return known;
      const a = BigInt(addrs.size + 1) * 0x10000n;
      addrs.set(buf, a);
      byAddr.set(a, buf);
      return a;
    },
  };
}
