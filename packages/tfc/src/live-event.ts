// A live event's schema: @tfc/kernel/tracefs reads (and if needed mounts) the format file, @tfc/tracefs parses it.
// Invariants: never throws; every failure is a string explaining why (the kernel side's words, or
// `<path>:<line>: <parse error>`); the event's `system` is the one asked for.
import { readEventFormatText } from '@tfc/kernel/tracefs';
import { type EventFormat, parseFormat } from '@tfc/tracefs';

export function readLiveEvent(
  system: string,
  name: string,
  opts?: { root?: string },
): { ok: true; event: EventFormat } | { ok: false; error: string } {
  const file = readEventFormatText(system, name, opts);
  if (!file.ok) return file;
  const parsed = parseFormat(file.text, { system, name });
  if (!parsed.ok) return { ok: false, error: `${file.path}:${parsed.error.line}: ${parsed.error.message}` };
  return { ok: true, event: { ...parsed.event, system } };
}
