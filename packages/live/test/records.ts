/*
 * Test helpers: the events the dissector proofs use (bundled ones with every layout the snapshot has, plus a
 * synthetic format with every integer size and signedness, __rel_loc strings and dynamic arrays) and fast-check
 * arbitraries of their records as `recordFromJson` reads them. Invariant: every generated JSON record is accepted
 * by recordFromJson; char[N] may be any bytes (invalid UTF-8 too); JSON strings avoid the characters that filters quote or glob (`"`, `\`, `*`, `?`, `[`).
 */
import { readFileSync } from 'node:fs';
import { bundledEvent, type EventFormat, parseFormat } from '@tfc/tracefs';
import fc from 'fast-check';
import { fieldLayout } from '../src/index.ts';

export function synthetic(): EventFormat {
  const text = readFileSync(new URL('./fixtures/all_kinds.format', import.meta.url), 'utf8');
  const r = parseFormat(text, { system: 'tfctest', name: 'all_kinds' });
  if (!r.ok) throw new Error(r.error.message);
  return { ...r.event, system: 'tfctest' };
}

export function proofEvents(): EventFormat[] {
  const names = [
    'sock/inet_sock_set_state',
    'sched/sched_process_exec',
    'raw_syscalls/sys_enter',
    'sock/sock_exceed_buf_limit',
    'ipi/ipi_send_cpumask',
  ];
  return [
    ...names.map((n) => {
      const [s, e] = n.split('/') as [string, string];
      const ev = bundledEvent(s, e);
      if (!ev) throw new Error(`${n} is not bundled`);
      return ev;
    }),
    synthetic(),
  ];
}

const CHARS = [
  ..." abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:=+,;!#%&()<>@{}|~^$'`é日",
];

/** A string of at most `maxBytes` UTF-8 bytes from the filter-safe alphabet. */
export function safeString(maxBytes: number): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...CHARS), { maxLength: maxBytes }).map((cs) => {
    let s = '';
    for (const c of cs) if (Buffer.byteLength(s + c) <= maxBytes) s += c;
    return s;
  });
}

function intArb(size: number, signed: boolean): fc.Arbitrary<bigint> {
  const bits = BigInt(size * 8);
  const edges = signed
    ? [0n, -1n, 1n, -(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n]
    : [0n, 1n, (1n << bits) - 1n, 1n << (bits - 1n)];
  const range = signed
    ? fc.bigInt({ min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n })
    : fc.bigInt({ min: 0n, max: (1n << bits) - 1n });
  return fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...edges) }, { weight: 4, arbitrary: range });
}

/** A JSON record for the event (every field given, common_type = the event id). */
export function recordArb(event: EventFormat): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of event.fields) {
    if (f.name === 'common_type') {
      parts[f.name] = fc.constant(event.id);
      continue;
    }
    const l = fieldLayout(f);
    if (l.kind === 'int') parts[f.name] = intArb(l.size, l.signed).map(String);
    else if (l.kind === 'string') {
      if (l.placement === 'fixed')
        parts[f.name] = fc.oneof(
          safeString(l.size),
          // Bytes after the NUL (stale data the kernel may leave): both decoders must stop at the NUL.
          fc.tuple(safeString(l.size - 1), fc.uint8Array({ maxLength: l.size })).map(([s, junk]) => {
            const b = [...Buffer.from(s), 0, ...junk];
            return b.slice(0, l.size);
          }),
          // Any bytes, invalid UTF-8 included: both decoders put U+FFFD for a bad sequence.
          fc.uint8Array({ maxLength: l.size }).map((b) => [...b]),
        );
      else parts[f.name] = fc.option(safeString(40), { freq: 6 });
    } else if (l.kind === 'array') {
      const el = intArb(l.elem, l.signed).map(String);
      parts[f.name] =
        l.placement === 'fixed'
          ? fc.array(el, { minLength: l.count, maxLength: l.count })
          : fc.array(el, { maxLength: 5 });
    } else if (f.kind === 'cpumask') parts[f.name] = fc.uniqueArray(fc.nat(130), { maxLength: 6 });
  }
  return fc.record(parts);
}

/** The record as a big-endian host lays it out: every integer, array element and locator word byte-swapped. */
export function toBigEndian(event: EventFormat, record: Uint8Array): Uint8Array {
  const out = record.slice();
  const swap = (at: number, size: number) => {
    if (at + size <= out.length) out.set(record.slice(at, at + size).reverse(), at);
  };
  for (const f of event.fields) {
    const l = fieldLayout(f);
    const loc = l.kind !== 'int' && (l.placement === 'data_loc' || l.placement === 'rel_loc');
    if (loc) swap(f.offset, 4);
    if (l.kind === 'int') swap(f.offset, l.size);
    if (l.kind !== 'array') continue;
    let start = f.offset;
    let len = l.elem * l.count;
    if (loc) {
      const w = new DataView(record.buffer, record.byteOffset).getUint32(f.offset, true);
      len = w >>> 16;
      start = (w & 0xffff) + (l.placement === 'rel_loc' ? f.offset + 4 : 0);
    } else if (l.placement === 'rest') len = record.length - f.offset;
    for (let k = 0; k + l.elem <= len; k += l.elem) swap(start + k, l.elem);
  }
  return out;
}
