// Minimal reader of an event's `format` file, enough for the oracles to locate fields in raw records.
// Invariants: pure; fields are returned in file order with the offset/size/signed attributes exactly
// as printed; a malformed file yields null (the full, diagnosing parser lives in @tfc/tracefs).
export type RawField = {
  readonly type: string;
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly signed: boolean;
};

export type RawFormat = { readonly name: string; readonly id: number; readonly fields: readonly RawField[] };

const FIELD_RE = /^\s*field:(.*?)\s*;\s*offset:(\d+);\s*size:(\d+);\s*signed:([01]);/;

export function readRawFormat(text: string): RawFormat | null {
  let name: string | null = null;
  let id: number | null = null;
  const fields: RawField[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('name: ')) name = line.slice(6).trim();
    else if (line.startsWith('ID: ')) id = Number.parseInt(line.slice(4), 10);
    else {
      const m = FIELD_RE.exec(line);
      if (m) {
        const decl = m[1] ?? '';
        const nm = /([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])*$/.exec(decl);
        if (!nm || nm[1] === undefined) return null;
        fields.push({
          type: decl.slice(0, nm.index).trim() + (nm[2] ?? ''),
          name: nm[1],
          offset: Number(m[2]),
          size: Number(m[3]),
          signed: m[4] === '1',
        });
      }
    }
  }
  if (name === null || id === null || Number.isNaN(id)) return null;
  return { name, id, fields };
}

export function fieldOf(format: RawFormat, name: string): RawField | undefined {
  return format.fields.find((f) => f.name === name);
}
