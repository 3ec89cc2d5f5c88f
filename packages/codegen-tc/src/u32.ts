/*
 * The u32 target (`--target u32`): a decision list (@tfc/codegen-p4's prioritized ternary entries, first match wins,
 * default miss) → the knodes of ONE u32 prio, evaluated in ascending node id. Invariants:
 *  - every key is an aligned big-endian 32-bit word `match u32 VAL MASK at OFF` (OFF ≡ 0 mod 4, relative to the
 *    network header = frame offset − linkOffset); tfc builds the words from bytes itself (never iproute2's u16/u8
 *    rewriting): little-endian fields are byte-swapped into their frame bytes, fields straddling a word boundary
 *    are split, keys at one offset are merged, and an entry whose keys contradict is folded away;
 *  - a hit entry is a terminal knode carrying the action (or a classid); a miss entry is a knode whose last key reads
 *    at ABORT_AT, past any packet: cls_u32 aborts the whole prio there (targets-spec §1.9), which is exactly "no
 *    match" — later prios still run, unlike a classid stop rule; a frame-length guard `len < E → miss` is a
 *    non-terminal knode reading the word that holds byte E−1 (it aborts on shorter frames, else is skipped);
 *  - keys of a knode are in ascending offset so a mismatch on a shallow word comes before any deep read;
 *  - cls_u32 reads whole words: a frame that ends inside the word of a key is rejected even if the key's own bytes
 *    fit (`wordSlack` says by how many bytes per rule set); frame-length conditions are exact only at word ends;
 *  - an ethertype pinned by every hit entry becomes the filter's `protocol` (skb->protocol) and leaves the keys;
 *  - pure and deterministic; what u32 cannot express is a diagnostic naming the construct, never an exception.
 */
import type { DecisionList, KeyInfo, KeyMatch } from '@tfc/codegen-p4';

/** Offset that no packet reaches: a key there aborts the prio (cls_u32 returns -1 for the whole instance). */
export const ABORT_AT = 1 << 30;
/** Largest node id a u32 bucket can hold (12 bits). */
export const MAX_KNODES = 0xfff;
const LEN_MAX = 0xffff;

export interface U32Key {
  /** Unsigned 32-bit value and mask (value ⊆ mask). */
  readonly value: number;
  readonly mask: number;
  /** Offset from the network header, a multiple of 4. */
  readonly at: number;
}

/** hit: terminal (action/classid); miss: aborts the prio when its keys match; check: non-terminal (length check). */
export type U32Kind = 'hit' | 'miss' | 'check';

export interface U32Knode {
  readonly kind: U32Kind;
  readonly keys: readonly U32Key[];
}

export interface U32Rules {
  /** `protocol` of the filter: 'all' or an EtherType as 0xNNNN. */
  readonly protocol: string;
  readonly knodes: readonly U32Knode[];
  /** Offset of the network header in the frame (14 for Ethernet). */
  readonly linkOffset: number;
  /** Largest number of bytes a rule reads past the end of a key (whole words). */
  readonly wordSlack: number;
  /** Frames at least this long read every word in bounds (the u32 contract length). */
  readonly wordEnd: number;
}

export interface U32Diagnostic {
  readonly severity: 'error';
  readonly code: string;
  readonly message: string;
}

export type U32Result =
  | { readonly ok: true; readonly rules: U32Rules }
  | { readonly ok: false; readonly diagnostics: readonly U32Diagnostic[] };

export interface U32Options {
  /** Frame offset of u32's offset 0 (default 14: Ethernet). */
  readonly linkOffset?: number;
}

export const TC_BPF_HINT = 'use --target tc-bpf, which runs any filter as a BPF program';

function diag(code: string, message: string): U32Result {
  return { ok: false, diagnostics: [{ severity: 'error', code, message }] };
}

interface Row {
  readonly action: 'hit' | 'miss';
  /** Field matches only (sorted by key name order of the list). */
  readonly fields: readonly (readonly [KeyInfo & { kind: 'field' }, { value: bigint; mask: bigint }])[];
  /** Frame length interval. */
  readonly len: readonly [number, number];
  readonly fieldId: string;
}

/** Byte constraints (frame offset → value/mask) of the field matches; undefined on a contradiction. */
function bytesOf(fields: Row['fields']): Map<number, { v: number; m: number }> | undefined {
  const bytes = new Map<number, { v: number; m: number }>();
  for (const [k, c] of fields) {
    const n = k.bits / 8;
    for (let i = 0; i < n; i++) {
      const shift = BigInt(8 * (k.byteOrder === 'big' ? n - 1 - i : i));
      const m = Number((c.mask >> shift) & 0xffn);
      if (m === 0) continue;
      const v = Number((c.value >> shift) & 0xffn) & m;
      const at = k.offset + i;
      const old = bytes.get(at);
      if (old === undefined) bytes.set(at, { v, m });
      else {
        if (((old.v ^ v) & old.m & m) !== 0) return undefined;
        bytes.set(at, { v: old.v | v, m: old.m | m });
      }
    }
  }
  return bytes;
}

/** Aligned words (network-header offsets) from byte constraints at frame offsets. */
function wordsOf(bytes: ReadonlyMap<number, { v: number; m: number }>, linkOffset: number): U32Key[] {
  const words = new Map<number, { value: number; mask: number }>();
  for (const [frameAt, b] of bytes) {
    const p = frameAt - linkOffset;
    const at = Math.floor(p / 4) * 4;
    const shift = 8 * (3 - (p - at));
    const w = words.get(at) ?? { value: 0, mask: 0 };
    words.set(at, { value: (w.value | (b.v << shift)) >>> 0, mask: (w.mask | (b.m << shift)) >>> 0 });
  }
  return [...words].sort((a, b) => a[0] - b[0]).map(([at, w]) => ({ value: w.value, mask: w.mask, at }));
}

/** The word whose reading proves the frame holds `frameLen` bytes (undefined: always true). */
function lengthWord(frameLen: number, linkOffset: number): number | undefined {
  const p = frameLen - linkOffset;
  if (p <= 0) return undefined;
  return Math.floor((p - 1) / 4) * 4;
}

function prefixInterval(m: KeyMatch, bits: number): readonly [number, number] | undefined {
  if (m.kind === 'range') return [Number(m.low), Number(m.high)];
  const full = (1n << BigInt(bits)) - 1n;
  const free = ~m.mask & full;
  // A prefix: the free bits are the low bits.
  if ((free & (free + 1n)) !== 0n) return undefined;
  return [Number(m.value & m.mask), Number((m.value & m.mask) | free)];
}

/** The u32 rules for a decision list. */
export function u32FromList(list: DecisionList, opts: U32Options = {}): U32Result {
  const linkOffset = opts.linkOffset ?? 14;
  const byName = new Map(list.keys.map((k) => [k.name, k]));
  // 1. Rows with their frame-length interval.
  const rows: Row[] = [];
  for (const e of list.entries) {
    const fields: (readonly [KeyInfo & { kind: 'field' }, { value: bigint; mask: bigint }])[] = [];
    let len: readonly [number, number] = [0, LEN_MAX];
    for (const [name, m] of e.match) {
      const k = byName.get(name);
      if (k === undefined) return diag('u32-key', `unknown key '${name}'`);
      if (k.kind === 'length') {
        const iv = prefixInterval(m, 16);
        if (iv === undefined) return diag('u32-length', 'a frame-length match that is not an interval');
        len = [Math.max(len[0], iv[0]), Math.min(len[1], iv[1])];
        continue;
      }
      if (k.kind === 'valid')
        return diag('u32-header', `a header-validity key (${name}): u32 matches bytes, not parsed headers`);
      if (m.kind !== 'ternary')
        return diag('u32-range', `a range match on ${name} (build the list without ranges)`);
      fields.push([k, { value: m.value, mask: m.mask }]);
    }
    const fieldId = fields.map(([k, c]) => `${k.name}=${c.value}/${c.mask}`).join(',');
    const prev = rows[rows.length - 1];
    // Consecutive prefix rows of one entry (same action and fields, adjacent lengths) are one interval again.
    if (
      prev !== undefined &&
      prev.action === e.action &&
      prev.fieldId === fieldId &&
      (prev.len[1] + 1 === len[0] || len[1] + 1 === prev.len[0])
    ) {
      rows[rows.length - 1] = {
        ...prev,
        len: [Math.min(prev.len[0], len[0]), Math.max(prev.len[1], len[1])],
      };
      continue;
    }
    rows.push({ action: e.action, fields, len, fieldId });
  }
  // 2. The EtherType as the filter's protocol when every hit entry pins it to one value.
  const eth = list.keys.find(
    (k): k is KeyInfo & { kind: 'field' } =>
      k.kind === 'field' && k.offset === 12 && k.bits === 16 && k.byteOrder === 'big',
  );
  let protocol = 'all';
  let usable = rows;
  if (eth !== undefined && linkOffset === 14) {
    const pinned = new Set<bigint>();
    let all = true;
    for (const r of rows) {
      if (r.action !== 'hit') continue;
      const f = r.fields.find(([k]) => k.name === eth.name);
      if (f === undefined || f[1].mask !== 0xffffn) all = false;
      else pinned.add(f[1].value);
    }
    const v = [...pinned][0];
    if (all && pinned.size === 1 && v !== undefined && v >= 0x600n) {
      protocol = `0x${v.toString(16).padStart(4, '0')}`;
      usable = [];
      for (const r of rows) {
        const f = r.fields.find(([k]) => k.name === eth.name);
        if (f !== undefined && (v & f[1].mask) !== f[1].value) continue; // cannot match under this protocol
        usable.push({ ...r, fields: r.fields.filter(([k]) => k.name !== eth.name) });
      }
    }
  }
  // 3. Knodes.
  const knodes: U32Knode[] = [];
  let wordEnd = 0;
  let slack = 0;
  for (const r of usable) {
    const bytes = bytesOf(r.fields);
    if (bytes === undefined) continue; // contradictory keys: the entry matches nothing
    const keys = wordsOf(bytes, linkOffset);
    for (const [k] of r.fields) {
      const end = k.offset + k.bits / 8 - linkOffset;
      const wend = Math.ceil(end / 4) * 4;
      slack = Math.max(slack, wend - end);
    }
    const [lo, hi] = r.len;
    // A key is valid only when the frame holds all its bytes, even those under a zero mask: read their last word.
    const ends = r.fields.map(([k]) => k.offset + k.bits / 8);
    const needLen = Math.max(lo, ...ends);
    const need = needLen > 0 ? lengthWord(needLen, linkOffset) : undefined;
    const addWord = (ks: U32Key[], at: number | undefined): U32Key[] => {
      if (at === undefined || ks.some((k) => k.at >= at)) return ks;
      return [...ks, { value: 0, mask: 0, at }].sort((a, b) => a.at - b.at);
    };
    if (hi < LEN_MAX) {
      // Only a miss can depend on a frame being short: "keys ∧ len ≤ hi → miss" aborts when the word of byte hi
      // is out of bounds. It must also hold for every shorter frame, so no lower bound may come with it.
      if (r.action !== 'miss')
        return diag(
          'u32-length',
          `u32 cannot match only frames shorter than ${hi + 1} bytes; ${TC_BPF_HINT}`,
        );
      if (lo > 0 && lengthWord(lo, linkOffset) !== undefined)
        return diag('u32-length', `u32 cannot test a frame length between ${lo} and ${hi}; ${TC_BPF_HINT}`);
      const at = lengthWord(hi + 1, linkOffset);
      // Frames always hold the link header: a guard below its length never fires.
      if (at === undefined) continue;
      // A key at or past the length word already aborts on such frames (its word read comes first).
      knodes.push({ kind: 'check', keys: addWord(addWord(keys, need), at) });
      continue;
    }
    const ks = addWord(keys, need);
    for (const k of ks) wordEnd = Math.max(wordEnd, k.at + 4 + linkOffset);
    if (r.action === 'miss')
      knodes.push({ kind: 'miss', keys: [...ks, { value: 0, mask: 0, at: ABORT_AT }] });
    else knodes.push({ kind: 'hit', keys: ks });
  }
  // Trailing misses and checks change nothing: the prio's end is a miss too.
  while (knodes.length > 0 && knodes[knodes.length - 1]!.kind !== 'hit') knodes.pop();
  if (knodes.length > MAX_KNODES)
    return diag(
      'u32-too-many',
      `the filter needs ${knodes.length} u32 rules, more than one u32 bucket holds (${MAX_KNODES}); ${TC_BPF_HINT}`,
    );
  return { ok: true, rules: { protocol, knodes, linkOffset, wordSlack: slack, wordEnd } };
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** `match u32 VAL MASK at OFF` clauses of one knode. */
export function u32Matches(k: U32Knode): string {
  // A knode with no keys still needs a word read: the EtherType word is always in the frame.
  const keys = k.keys.length > 0 ? k.keys : [{ value: 0, mask: 0, at: -4 }];
  return keys.map((x) => `match u32 ${hex(x.value)} ${hex(x.mask)} at ${x.at}`).join(' ');
}

export interface U32BatchOptions {
  readonly dev: string;
  readonly direction: 'ingress' | 'egress';
  /** 1…65535: the one prio the rules live in. */
  readonly prio: number;
  /** Appended to every hit rule (e.g. `action mirred egress mirror dev m0`); default `classid 1:1`. */
  readonly action?: string;
}

const DEV_RE = /^[A-Za-z0-9_.@-]{1,15}$/;

/** The `tc -b` batch lines (no leading tc): one `filter add` per knode, node ids 1, 2, … in order. */
export function u32Batch(
  rules: U32Rules,
  o: U32BatchOptions,
):
  | { readonly ok: true; readonly lines: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly U32Diagnostic[] } {
  const diags: U32Diagnostic[] = [];
  if (!DEV_RE.test(o.dev))
    diags.push({ severity: 'error', code: 'dev', message: `invalid device name '${o.dev}'` });
  if (!Number.isInteger(o.prio) || o.prio < 1 || o.prio > 0xffff)
    diags.push({
      severity: 'error',
      code: 'prio',
      message: `prio must be an integer 1…65535, not ${o.prio}`,
    });
  if (o.action !== undefined && (o.action.includes('\n') || o.action.trim() === ''))
    diags.push({ severity: 'error', code: 'action', message: 'the action text must be one non-empty line' });
  if (diags.length > 0) return { ok: false, diagnostics: diags };
  const head = `filter add dev ${o.dev} ${o.direction} protocol ${rules.protocol} prio ${o.prio}`;
  const hit = o.action?.trim() ?? 'classid 1:1';
  const lines = rules.knodes.map((k, i) => {
    const tail = k.kind === 'hit' ? ` ${hit}` : '';
    return `${head} handle ::${(i + 1).toString(16)} u32 ${u32Matches(k)}${tail}`;
  });
  return { ok: true, lines };
}

/** Rules and keys of a rule set (for --stats and bench). */
export function u32Stats(rules: U32Rules): { readonly rules: number; readonly keys: number } {
  return {
    rules: rules.knodes.length,
    keys: rules.knodes.reduce((n, k) => n + Math.max(1, k.keys.length), 0),
  };
}
