/*
 * The names database of pcap filters as this machine holds it: the text of services, protocols, hosts, networks and
 * ethers under /etc (or under a directory given with --names-from, to make results reproducible), parsed by the pcap
 * front end's own reader. Invariant: only these five files are read — never DNS or any other name service — and a
 * missing file is an empty one (libpcap then finds no name in it either).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type NameDb, nameDbFromFiles } from '@tfc/compiler';

export const NAME_FILES = ['services', 'protocols', 'hosts', 'networks', 'ethers'] as const;

/** The database read, or why the directory could not be read. */
export type NamesRead =
  | {
      /** The directory was read. */
      readonly ok: true;
      /** The names of its files (a missing file holds none). */
      readonly names: NameDb;
    }
  | {
      /** The directory could not be read. */
      readonly ok: false;
      /** Why, e.g. `/x: ENOENT` or `/x is not a directory`. */
      readonly reason: string;
    };

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The database of the files in `dir` (default /etc); a `dir` that is not a directory is an error. */
export function readPcapNames(dir = '/etc'): NamesRead {
  try {
    if (!statSync(dir).isDirectory()) return { ok: false, reason: `${dir} is not a directory` };
  } catch (e) {
    return { ok: false, reason: `${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const text = Object.fromEntries(NAME_FILES.map((f) => [f, readOptional(join(dir, f))]));
  return { ok: true, names: nameDbFromFiles(text) };
}
