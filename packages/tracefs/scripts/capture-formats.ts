// Captures every event format of the running kernel into data/formats.json.br.
// Usage (from packages/tracefs): node --import tsx scripts/capture-formats.ts [--print-fmt]
// Invariants: output is deterministic for a given kernel (events sorted, common fields deduped);
// dynamic events (listed in dynamic_events) are skipped; exits non-zero (without writing) if any format file fails to parse.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { findTracefsRoot } from '@tfc/kernel/tracefs';
import { parseFormat } from '../src/format.ts';
import { encodeSnapshot } from '../src/snapshot.ts';
import type { EventFormat } from '../src/types.ts';

const found = findTracefsRoot();
if (!found.ok) {
  console.error(found.error);
  process.exit(1);
}
const eventsDir = join(found.root, 'events');
// Dynamic events (uprobes, kprobes, synthetic) are transient, often other tests' probes: skip them.
const dynamic = new Set<string>();
try {
  for (const line of readFileSync(join(found.root, 'dynamic_events'), 'utf8').split('\n')) {
    const m = /^\S+:(\S+)\/(\S+)\s/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) dynamic.add(`${m[1]}/${m[2]}`);
  }
} catch {
  // no dynamic_events file: nothing to skip
}
const events: EventFormat[] = [];
const failures: string[] = [];
for (const sys of readdirSync(eventsDir, { withFileTypes: true })) {
  if (!sys.isDirectory()) continue;
  for (const ev of readdirSync(join(eventsDir, sys.name), { withFileTypes: true })) {
    if (!ev.isDirectory() || dynamic.has(`${sys.name}/${ev.name}`)) continue;
    let text: string;
    try {
      text = readFileSync(join(eventsDir, sys.name, ev.name, 'format'), 'utf8');
    } catch {
      continue;
    }
    const r = parseFormat(text, { system: sys.name, name: ev.name });
    if (r.ok) events.push({ ...r.event, system: sys.name });
    else failures.push(`${sys.name}/${ev.name}:${r.error.line}: ${r.error.message}`);
  }
}
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
const snap = encodeSnapshot(release(), events, process.argv.includes('--print-fmt'));
const json = Buffer.from(JSON.stringify(snap), 'utf8');
const out = brotliCompressSync(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
const target = new URL('../data/formats.json.br', import.meta.url);
writeFileSync(target, out);
console.log(
  `${events.length} events, ${json.length} bytes JSON, ${out.length} bytes brotli -> ${target.pathname}`,
);
