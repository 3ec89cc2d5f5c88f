// Loader for the bundled snapshot of every event format of the kernel it was captured on
// (data/formats.json.br, written by scripts/capture-formats.ts).
// Invariants: the file is read and decompressed at most once, on first use (a private memo is the
// only module state); returned EventFormat objects are decoded on demand and cached per name.

import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { decodeEvent, type PackedEvent, type Snapshot } from './snapshot.ts';
import type { EventFormat } from './types.ts';

export const BUNDLED_SNAPSHOT_URL = new URL('../data/formats.json.br', import.meta.url);

interface Loaded {
  readonly snapshot: Snapshot;
  readonly index: ReadonlyMap<string, PackedEvent>;
  readonly names: readonly string[];
  readonly decoded: Map<string, EventFormat>;
}

const memo: { loaded?: Loaded } = {};

function load(): Loaded {
  if (memo.loaded) return memo.loaded;
  const snapshot = JSON.parse(
    brotliDecompressSync(readFileSync(BUNDLED_SNAPSHOT_URL)).toString('utf8'),
  ) as Snapshot;
  const index = new Map<string, PackedEvent>();
  for (const ev of snapshot.events) index.set(`${ev[0]}/${ev[1]}`, ev);
  const names = [...index.keys()].sort();
  memo.loaded = { snapshot, index, names, decoded: new Map() };
  return memo.loaded;
}

export function bundledEvent(system: string, name: string): EventFormat | undefined {
  const l = load();
  const key = `${system}/${name}`;
  const hit = l.decoded.get(key);
  if (hit) return hit;
  const p = l.index.get(key);
  if (!p) return undefined;
  const ev = decodeEvent(l.snapshot, p);
  l.decoded.set(key, ev);
  return ev;
}

/** All bundled events as 'system/name', sorted. */
export function bundledEventNames(): readonly string[] {
  return load().names;
}

export function bundledKernelRelease(): string {
  return load().snapshot.release;
}
