// Maps for the eBPF VM: array and hash maps with the kernel's update/delete error codes.
// Invariants: a VmMap is caller-owned state (the VM mutates values in place and inserts/deletes
// hash entries, as the kernel does); keys are compared by their bytes; array maps hold exactly
// max_entries zero-initialised values, keyed by a little-endian u32 index; hash maps refuse inserts
// beyond max_entries with -E2BIG. Flags follow include/uapi/linux/bpf.h (BPF_ANY 0, BPF_NOEXIST 1,
// BPF_EXIST 2).

export type VmMapType = 'array' | 'hash';

export type VmMapDef = {
  readonly name?: string;
  /** The fd number an ld_imm64 BPF_PSEUDO_MAP_FD of this map carries (when no name is used). */
  readonly fd?: number;
  readonly type: VmMapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
};

export type VmMap = VmMapDef & {
  /** Values by key (latin1 string of the key bytes). */
  readonly entries: Map<string, Uint8Array>;
};

export const ERRNO = { ENOENT: 2, E2BIG: 7, EFAULT: 14, EEXIST: 17, EINVAL: 22 } as const;
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

/** Latin-1 string of bytes, built in chunks (no argument-count limit for large keys). */
export function latin1(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...Array.prototype.slice.call(bytes, i, i + 4096));
  }
  return out;
}

const keyString = (key: Uint8Array): string => latin1(key);

/** Creates a map; array maps are filled with zeroed values. */
export function createMap(def: VmMapDef): VmMap {
  const entries = new Map<string, Uint8Array>();
  if (def.type === 'array') {
    const key = new Uint8Array(4);
    const view = new DataView(key.buffer);
    for (let i = 0; i < def.maxEntries; i++) {
      view.setUint32(0, i, true);
      entries.set(keyString(key), new Uint8Array(def.valueSize));
    }
  }
  return { ...def, entries };
}

/** The value stored under key (a live view the caller may mutate), or undefined. */
export function mapLookup(map: VmMap, key: Uint8Array): Uint8Array | undefined {
  return map.entries.get(keyString(key));
}

/** bpf_map_update_elem: 0 or a negative errno. */
export function mapUpdate(map: VmMap, key: Uint8Array, value: Uint8Array, flags: number): number {
  const k = keyString(key);
  const old = map.entries.get(k);
  if (flags > BPF_EXIST) return -ERRNO.EINVAL;
  if (map.type === 'array') {
    if (old === undefined) return -ERRNO.E2BIG;
    if (flags === BPF_NOEXIST) return -ERRNO.EEXIST;
    old.set(value.subarray(0, map.valueSize));
    return 0;
  }
  if (old !== undefined) {
    if (flags === BPF_NOEXIST) return -ERRNO.EEXIST;
    old.set(value.subarray(0, map.valueSize));
    return 0;
  }
  if (flags === BPF_EXIST) return -ERRNO.ENOENT;
  if (map.entries.size >= map.maxEntries) return -ERRNO.E2BIG;
  map.entries.set(k, Uint8Array.from(value.subarray(0, map.valueSize)));
  return 0;
}

/** bpf_map_delete_elem: 0 or a negative errno (arrays cannot delete: -EINVAL). */
export function mapDelete(map: VmMap, key: Uint8Array): number {
  if (map.type === 'array') return -ERRNO.EINVAL;
  return map.entries.delete(keyString(key)) ? 0 : -ERRNO.ENOENT;
}
