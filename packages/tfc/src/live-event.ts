// A live event's schema: @tfc/kernel/tracefs reads (and if needed mounts) the format file, @tfc/tracefs parses it.
// Invariants: never throws; every failure is a string explaining why (the kernel side's words, or
// `<path>:<line>: <parse error>`); the event's `system` is the one asked for.
import { readEventFormatText } from '@tfc/kernel/tracefs';
import { type EventFormat, parseFormat } from '@tfc/tracefs';

/** A live event's format, read from tracefs (mounted if needed) and parsed; or why it could not be read. */
export function readLiveEvent(
  system: string,
  name: string,
  opts?: {
    /** The tracefs mount point (default: found, or mounted at /sys/kernel/tracing). */
    root?: string;
  },
):
  | {
      /** The format was read. */
      ok: true;
      /** The event's format, with the system asked for. */
      event: EventFormat;
    }
  | {
      /** The format could not be read. */
      ok: false;
      /** Why: the kernel side's words, or `<path>:<line>: <parse error>`. */
      error: string;
    } {
  const file = readEventFormatText(system, name, opts);
  if (!file.ok) return file;
  const parsed = parseFormat(file.text, { system, name });
  if (!parsed.ok) return { ok: false, error: `${file.path}:${parsed.error.line}: ${parsed.error.message}` };
  return { ok: true, event: { ...parsed.event, system } };
}
