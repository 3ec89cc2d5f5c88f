// BPF maps: create (array, hash, per-CPU variants) and element lookup/update/delete/next-key.
// Invariants: keys and values are plain bytes of exactly keySize / valueSize (per-CPU maps: the
// value buffer holds round_up(valueSize, 8) bytes per possible CPU, as the kernel requires); size
// mismatches are returned as EINVAL errors before any syscall; ENOENT lookups return `undefined`.
import { mapCreateAttr, mapElemAttr } from './attr.ts';
import { BPF_CMD, MAP_TYPE, type MapTypeName, UPDATE_FLAG } from './bpf-constants.ts';
import { ERRNO } from './errno.ts';
import { FdHandle } from './fd.ts';
import { fail, ok, type Result, sysError } from './result.ts';
import { keepAlive, type Syscalls, stableBuffer, stableCopy } from './syscalls.ts';

export interface MapSpec {
  readonly type: MapTypeName | number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
  readonly name?: string;
}

/** Number of possible CPUs from the text of /sys/devices/system/cpu/possible ("0-1", "0,2-3"). */
export function parseCpuList(text: string): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (Number.isInteger(lo) && Number.isInteger(hi) && hi >= lo) n += hi - lo + 1;
  }
  return n;
}

/** nr_cpu_ids from the same text: the highest possible CPU + 1 (0 for an empty or unreadable list). */
export function parseNrCpuIds(text: string): number {
  let max = -1;
  for (const part of text.trim().split(',')) {
    const hi = Number(part.split('-').at(-1));
    if (part !== '' && Number.isInteger(hi)) max = Math.max(max, hi);
  }
  return max + 1;
}

const PERCPU: ReadonlySet<number> = new Set([MAP_TYPE.PERCPU_ARRAY, MAP_TYPE.PERCPU_HASH]);

export class BpfMap extends FdHandle {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** Bytes of a value buffer as seen by lookup/update (per-CPU maps: all CPUs). */
  readonly valueBytes: number;
  readonly possibleCpus: number;

  constructor(sys: Syscalls, fd: number, spec: MapSpec, possibleCpus: number) {
    super(sys, fd, 'bpf-map');
    this.mapType = typeof spec.type === 'number' ? spec.type : MAP_TYPE[spec.type];
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.possibleCpus = possibleCpus;
    this.valueBytes = PERCPU.has(this.mapType)
      ? Math.ceil(spec.valueSize / 8) * 8 * possibleCpus
      : spec.valueSize;
  }

  /** The value of `key`, or undefined if absent (ENOENT). */
  lookup(key: Uint8Array): Result<Uint8Array | undefined> {
    if (key.length !== this.keySize) return fail(sysError('BPF_MAP_LOOKUP_ELEM', ERRNO.EINVAL, 'key size'));
    const k = stableCopy(key);
    const v = stableBuffer(this.valueBytes);
    const r = this.sys.bpf(
      BPF_CMD.MAP_LOOKUP_ELEM,
      mapElemAttr(this.fd, this.sys.address(k), this.sys.address(v), 0n),
    );
    keepAlive(k, v);
    if (!r.ok)
      return r.errno === ERRNO.ENOENT ? ok(undefined) : fail(sysError('BPF_MAP_LOOKUP_ELEM', r.errno));
    return ok(v);
  }

  /** Per-CPU maps: the value of `key` split per possible CPU (each valueSize bytes). */
  lookupPerCpu(key: Uint8Array): Result<Uint8Array[] | undefined> {
    const r = this.lookup(key);
    if (!r.ok || r.value === undefined) return r as Result<undefined>;
    const stride = Math.ceil(this.valueSize / 8) * 8;
    const out: Uint8Array[] = [];
    for (let c = 0; c < this.possibleCpus; c++)
      out.push(r.value.slice(c * stride, c * stride + this.valueSize));
    return ok(out);
  }

  update(key: Uint8Array, value: Uint8Array, flag: keyof typeof UPDATE_FLAG = 'ANY'): Result<void> {
    if (key.length !== this.keySize) return fail(sysError('BPF_MAP_UPDATE_ELEM', ERRNO.EINVAL, 'key size'));
    if (value.length !== this.valueBytes)
      return fail(sysError('BPF_MAP_UPDATE_ELEM', ERRNO.EINVAL, 'value size'));
    const k = stableCopy(key);
    const v = stableCopy(value);
    const attr = mapElemAttr(this.fd, this.sys.address(k), this.sys.address(v), BigInt(UPDATE_FLAG[flag]));
    const r = this.sys.bpf(BPF_CMD.MAP_UPDATE_ELEM, attr);
    keepAlive(k, v);
    return r.ok ? ok(undefined) : fail(sysError('BPF_MAP_UPDATE_ELEM', r.errno));
  }

  /** Deletes `key`; false if it was absent. */
  delete(key: Uint8Array): Result<boolean> {
    if (key.length !== this.keySize) return fail(sysError('BPF_MAP_DELETE_ELEM', ERRNO.EINVAL, 'key size'));
    const k = stableCopy(key);
    const r = this.sys.bpf(BPF_CMD.MAP_DELETE_ELEM, mapElemAttr(this.fd, this.sys.address(k), 0n, 0n));
    keepAlive(k);
    if (!r.ok) return r.errno === ERRNO.ENOENT ? ok(false) : fail(sysError('BPF_MAP_DELETE_ELEM', r.errno));
    return ok(true);
  }

  /** The key after `key` (first key when `key` is undefined), or undefined at the end. */
  nextKey(key: Uint8Array | undefined): Result<Uint8Array | undefined> {
    if (key !== undefined && key.length !== this.keySize) {
      return fail(sysError('BPF_MAP_GET_NEXT_KEY', ERRNO.EINVAL, 'key size'));
    }
    const k = key === undefined ? stableBuffer(0) : stableCopy(key);
    const next = stableBuffer(this.keySize);
    const r = this.sys.bpf(
      BPF_CMD.MAP_GET_NEXT_KEY,
      mapElemAttr(this.fd, this.sys.address(k), this.sys.address(next), 0n),
    );
    keepAlive(k, next);
    if (!r.ok)
      return r.errno === ERRNO.ENOENT ? ok(undefined) : fail(sysError('BPF_MAP_GET_NEXT_KEY', r.errno));
    return ok(next);
  }

  /** All keys in kernel iteration order (bounded by maxEntries + 1 steps). */
  keys(): Result<Uint8Array[]> {
    const out: Uint8Array[] = [];
    let cur: Uint8Array | undefined;
    for (let i = 0; i <= this.maxEntries; i++) {
      const r = this.nextKey(cur);
      if (!r.ok) return r;
      if (r.value === undefined) return ok(out);
      out.push(r.value);
      cur = r.value;
    }
    return ok(out);
  }
}

/** BPF_MAP_CREATE. `possibleCpus` sizes per-CPU values (see `possibleCpuCount` in ./features.ts). */
export function createMap(sys: Syscalls, spec: MapSpec, possibleCpus = 1): Result<BpfMap> {
  const attr = mapCreateAttr({
    mapType: typeof spec.type === 'number' ? spec.type : MAP_TYPE[spec.type],
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: spec.maxEntries,
    ...(spec.flags !== undefined ? { flags: spec.flags } : {}),
    ...(spec.name !== undefined ? { name: spec.name } : {}),
  });
  const r = sys.bpf(BPF_CMD.MAP_CREATE, attr);
  if (!r.ok) return fail(sysError('BPF_MAP_CREATE', r.errno));
  return ok(new BpfMap(sys, r.value, spec, possibleCpus));
}
