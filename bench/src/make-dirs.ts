/*
 * makeDirs(): `mkdir -p` that always ends. Node 20's mkdirSync({ recursive: true }) retries forever where a
 * filesystem answers ENOENT for a directory that cannot exist (/proc/x, /sys/x); this walks the missing components
 * one by one and fails on the first refusal. Invariant: creates only the missing components, in order; on failure
 * it throws the refusing mkdir's error (components made before it stay, as with `mkdir -p`).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The missing components of `path`, outermost first (empty when it exists). */
export function missingDirs(path: string): string[] {
  const out: string[] = [];
  let p = resolve(path);
  for (;;) {
    try {
      statSync(p);
      return out.reverse();
    } catch {
      out.push(p);
      const up = dirname(p);
      if (up === p) return out.reverse();
      p = up;
    }
  }
}

export function makeDirs(path: string): void {
  for (const d of missingDirs(path)) mkdirSync(d);
}
