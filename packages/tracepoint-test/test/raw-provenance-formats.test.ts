// The raw provenance table against the running kernel's event formats: every field the table builds or names as
// uncovered is a field of that event's record (events/SYS/NAME/format), so no entry describes a field the record
// does not have — a misplaced entry (kfree_skb once listed tcp_send_reset's saddr/daddr) fails here. Events this
// kernel lacks are counted and skipped; without tracefs the test skips with the reason.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RAW_PROVENANCE } from '@tfc/compiler';

const EVENTS = '/sys/kernel/tracing/events';

/** The field names of a format file (`field:TYPE NAME[N];`). */
function formatFields(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/field:[^;]*?([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]]*\])?;/g)) names.add(m[1]!);
  return names;
}

test('raw provenance: every field the table names is a field of the event on this kernel', {
  skip: existsSync(EVENTS) ? false : `${EVENTS} is not readable`,
}, () => {
  let events = 0;
  let fields = 0;
  const absent: string[] = [];
  for (const [name, ev] of Object.entries(RAW_PROVENANCE)) {
    const path = `${EVENTS}/${name}/format`;
    if (!existsSync(path)) {
      absent.push(name);
      continue;
    }
    const have = formatFields(readFileSync(path, 'utf8'));
    for (const f of [...ev.fields.map((x) => x.field), ...Object.keys(ev.uncovered ?? {})]) {
      assert.ok(have.has(f), `${name}: the table names '${f}', the record has ${[...have].join(', ')}`);
      fields++;
    }
    events++;
  }
  assert.ok(events >= 30, `only ${events} events found`);
  console.log(
    `raw provenance vs formats: ${events} events, ${fields} fields, all in their records; not on this kernel: ${absent.join(', ') || 'none'}`,
  );
});
