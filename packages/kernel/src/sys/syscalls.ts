// The syscall seam: every kernel call this package makes goes through one `Syscalls` value.
// Invariants: implementations never throw for a failing call — they return { ok: false, errno };
// buffers passed in are read/written in place by the kernel during the call only; `address(buf)`
// gives the pointer value to embed in an attr for a buffer the caller keeps referenced until the
// call that uses it has returned. Two implementations: koffi (real, ./koffi-syscalls.ts) and the
// recording fake (./fake-syscalls.ts) used by unit tests.

/** Result of one system call: the non-negative return value, or the errno it failed with. */
export type SysResult =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly errno: number };

/** A shared mapping made by `mmap`: `bytes` views the mapped memory until `unmap` (then it must not be used). */
export interface MappedRegion {
  readonly bytes: Uint8Array;
  /** munmap(2); idempotent (a second call is a no-op that succeeds). */
  unmap(): SysResult;
}

/** mmap(2) result. */
export type MmapResult =
  | { readonly ok: true; readonly region: MappedRegion }
  | { readonly ok: false; readonly errno: number };

/** socketpair(2) result. */
export type PairResult =
  | { readonly ok: true; readonly fds: readonly [number, number] }
  | { readonly ok: false; readonly errno: number };

export interface Syscalls {
  /** bpf(cmd, attr, attr.length); the kernel may write output fields into `attr`. */
  bpf(cmd: number, attr: Uint8Array): SysResult;
  /** perf_event_open(attr, pid, cpu, group_fd, flags). */
  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): SysResult;
  /** ioctl(fd, request, arg) with an integer argument. */
  ioctl(fd: number, request: number, arg: number): SysResult;
  close(fd: number): SysResult;
  socketpair(domain: number, type: number, protocol: number): PairResult;
  setsockopt(fd: number, level: number, optname: number, optval: Uint8Array): SysResult;
  send(fd: number, data: Uint8Array, flags: number): SysResult;
  recv(fd: number, buf: Uint8Array, flags: number): SysResult;
  /** read(fd, buf, buf.length): the number of bytes read into `buf`. */
  read(fd: number, buf: Uint8Array): SysResult;
  socket(domain: number, type: number, protocol: number): SysResult;
  /** bind(fd, addr, addr.length). */
  bind(fd: number, addr: Uint8Array): SysResult;
  /** open(path, flags) with a NUL-terminated path (see cString). */
  open(path: Uint8Array, flags: number): SysResult;
  /** setns(fd, nstype): moves the calling thread into the namespace `fd` refers to. */
  setns(fd: number, nstype: number): SysResult;
  /**
   * mmap(NULL, length, prot, flags, fd, offset): a shared mapping of `fd` (a perf event's or a BPF ring
   * buffer map's pages). The fake implementation maps plain zeroed memory.
   */
  mmap(fd: number, length: number, prot: number, flags: number, offset: number): MmapResult;
  /** The address of `buf`'s first byte as seen by the kernel (0n for an empty buffer). */
  address(buf: Uint8Array): bigint;
}

/** mmap(2) protection and flag bits. */
export const MMAP = { PROT_READ: 1, PROT_WRITE: 2, MAP_SHARED: 1 } as const;

/** Allocates a zeroed buffer backed by its own ArrayBuffer (off the V8 heap, so its address is stable). */
export function stableBuffer(size: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(size));
}

/** Copies `bytes` into a stable buffer (see `stableBuffer`). */
export function stableCopy(bytes: Uint8Array): Uint8Array {
  const b = stableBuffer(bytes.length);
  b.set(bytes);
  return b;
}

/** NUL-terminated UTF-8 string in a stable buffer. */
export function cString(s: string): Uint8Array {
  const enc = new TextEncoder().encode(s);
  const b = stableBuffer(enc.length + 1);
  b.set(enc);
  return b;
}

/**
 * Marks buffers as used after a syscall returned, so that no engine optimisation can drop the last
 * reference to a buffer whose address was embedded in an attr before the call completed.
 */
export function keepAlive(...buffers: readonly Uint8Array[]): number {
  let n = 0;
  for (const b of buffers) n += b.byteLength;
  return n;
}
