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
 *  - with `transportBase` (u32-link.ts), list keys at frame offsets ≥ the base are transport-header bytes (offset −
 *    base from libpcap's 14 + 4·IHL): they become `at nexthdr+K` keys of knodes in table 1, which the one root knode
 *    reaches by `link` with `offset at 0 mask 0x0f00 shift 6` (no eat: off2 = 4·IHL, fixed keys keep their offsets),
 *    length bounds ≥ the base are transport lengths (a word read at nexthdr+K), and each knode reads its fixed keys
 *    before its transport keys; frames shorter than `contractMin` (every fixed word) are outside the contract;
 *  - pure and deterministic; what u32 cannot express is a diagnostic naming the construct, never an exception.
 */
import type { DecisionList, KeyInfo, KeyMatch } from '@tfc/decision-list';
import { handleDiagnostics, hitText, hookText } from './attach.ts';
import { isTcDevName } from './dev-name.ts';

/** Offset that no packet reaches: a key there aborts the prio (cls_u32 returns -1 for the whole instance). */
export const ABORT_AT = 1 << 30;
/** Largest node id a u32 bucket can hold (12 bits). */
export const MAX_KNODES = 0xfff;
const LEN_MAX = 0xffff;

export interface U32Key {
  /** Unsigned 32-bit value and mask (value ⊆ mask). */
  readonly value: number;
  readonly mask: number;
  /** Offset from the network header (or, with `nexthdr`, from it plus the linking knode's off2), a multiple of 4. */
  readonly at: number;
  /** `at nexthdr+AT`: offmask −1, the word is read at off + AT + off2 (off2 from the linking knode's offset). */
  readonly nexthdr?: boolean;
}

/** A knode's `link H: offset …` (struct tc_u32_sel flags OFFSET/VAROFFSET/EAT, off, offoff, offmask, offshift). */
export interface U32Link {
  /** The table the knode links to (an index into U32Rules.tables, ≥ 1; the batch names it). */
  readonly table: number;
  /** `offset plus N` (sel.off, u16; flag OFFSET). Without plus and at/mask/shift, off2 keeps its old value. */
  readonly plus?: number;
  /** `offset at A mask M shift S` (flag VAROFFSET when any is given; absent ones are 0):
   *  off2 = (plus + 3 + ((be16 at off + A) & M) >> S) & ~3. */
  readonly at?: number;
  readonly mask?: number;
  readonly shift?: number;
  /** `eat`: off += off2, off2 = 0 (later keys are relative to the new offset). */
  readonly eat: boolean;
}

/** hit: terminal (action/classid); miss: aborts the prio when its keys match; check: non-terminal (length check). */
export type U32Kind = 'hit' | 'miss' | 'check';

export interface U32Knode {
  readonly kind: U32Kind;
  readonly keys: readonly U32Key[];
  /** The table holding the knode: 0 (absent) the prio's root table, else an index of U32Rules.tables. */
  readonly table?: number;
  /** When every key matches: push, compute the offset, run the linked table (a `hit` link is terminal after it). */
  readonly link?: U32Link;
}

/** Link offset of libpcap's transport header: off2 = 4·IHL (`offset at 0 mask 0x0f00 shift 6`, no eat). */
export const IHL_LINK: Omit<U32Link, 'table'> = { at: 0, mask: 0x0f00, shift: 6, eat: false };

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
  /** Linked tables (hash tables of divisor 1), by index 1…; absent or empty: every knode is in the root table. */
  readonly tables?: readonly number[];
  /** Frames shorter than this are outside the contract (link rules: every fixed word must be in the frame). */
  readonly contractMin?: number;
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
  /** List keys and length bounds at or past this frame offset are transport-relative (see the header). */
  readonly transportBase?: number;
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

/** Fixed keys first, each group in ascending offset. */
const keyOrder = (a: U32Key, b: U32Key): number =>
  Number(a.nexthdr === true) - Number(b.nexthdr === true) || a.at - b.at;

/** Aligned words (network-header offsets; transport-relative past `base`) from byte constraints at frame offsets. */
function wordsOf(
  bytes: ReadonlyMap<number, { v: number; m: number }>,
  linkOffset: number,
  base: number,
): U32Key[] {
  const words = new Map<string, { value: number; mask: number; at: number; nexthdr: boolean }>();
  for (const [frameAt, b] of bytes) {
    const nexthdr = frameAt >= base;
    const p = nexthdr ? frameAt - base : frameAt - linkOffset;
    const at = Math.floor(p / 4) * 4;
    const shift = 8 * (3 - (p - at));
    const id = `${nexthdr}:${at}`;
    const w = words.get(id) ?? { value: 0, mask: 0, at, nexthdr };
    words.set(id, {
      ...w,
      value: (w.value | (b.v << shift)) >>> 0,
      mask: (w.mask | (b.m << shift)) >>> 0,
    });
  }
  return [...words.values()]
    .map((w) => ({ value: w.value, mask: w.mask, at: w.at, ...(w.nexthdr ? { nexthdr: true } : {}) }))
    .sort(keyOrder);
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
  const base = opts.transportBase ?? Number.POSITIVE_INFINITY;
  const linked = opts.transportBase !== undefined;
  // Link rules: the list was built for frames of at least list.minFrameLength bytes (every fixed key inside);
  // a length bound within that is vacuous, one between it and the base cannot be said (it is no key's end).
  const vacuous = linked ? list.minFrameLength : 0;
  const knodes: U32Knode[] = [];
  let wordEnd = 0;
  let slack = 0;
  const addWord = (ks: U32Key[], at: number | undefined, nexthdr: boolean): U32Key[] => {
    if (at === undefined || ks.some((k) => (k.nexthdr === true) === nexthdr && k.at >= at)) return ks;
    return [...ks, { value: 0, mask: 0, at, ...(nexthdr ? { nexthdr: true } : {}) }].sort(keyOrder);
  };
  const transportWord = (n: number): number | undefined => (n > 0 ? Math.floor((n - 1) / 4) * 4 : undefined);
  for (const r of usable) {
    const bytes = bytesOf(r.fields);
    if (bytes === undefined) continue; // contradictory keys: the entry matches nothing
    const keys = wordsOf(bytes, linkOffset, base);
    for (const [k] of r.fields) {
      const end = k.offset + k.bits / 8 - (k.offset >= base ? base : linkOffset);
      const wend = Math.ceil(end / 4) * 4;
      slack = Math.max(slack, wend - end);
    }
    const [lo, hi] = r.len;
    if (linked && lo > vacuous && lo < base)
      return diag('u32-length', `u32 link rules cannot test a frame length of ${lo}; ${TC_BPF_HINT}`);
    // A key is valid only when the frame holds all its bytes, even those under a zero mask: read their last word.
    const fixedEnds = r.fields.filter(([k]) => k.offset < base).map(([k]) => k.offset + k.bits / 8);
    const needLen = Math.max(lo < base ? lo : 0, ...fixedEnds);
    const need = needLen > 0 ? lengthWord(needLen, linkOffset) : undefined;
    const tEnds = r.fields.filter(([k]) => k.offset >= base).map(([k]) => k.offset + k.bits / 8 - base);
    const needT = transportWord(Math.max(lo >= base ? lo - base : 0, ...tEnds));
    const withNeed = addWord(addWord(keys, need, false), needT, true);
    if (hi < LEN_MAX) {
      // Only a miss can depend on a frame being short: "keys ∧ len ≤ hi → miss" aborts when the word of byte hi
      // is out of bounds. It must also hold for every shorter frame, so no lower bound may come with it.
      if (r.action !== 'miss')
        return diag(
          'u32-length',
          `u32 cannot match only frames shorter than ${hi + 1} bytes; ${TC_BPF_HINT}`,
        );
      if (linked && hi < base) {
        if (hi < vacuous) continue; // no frame of the contract is that short
        return diag('u32-length', `u32 link rules cannot test a frame length of ${hi + 1}; ${TC_BPF_HINT}`);
      }
      if (linked ? lo > base : lo > 0 && lengthWord(lo, linkOffset) !== undefined)
        return diag('u32-length', `u32 cannot test a frame length between ${lo} and ${hi}; ${TC_BPF_HINT}`);
      if (linked) {
        knodes.push({ kind: 'check', keys: addWord(withNeed, transportWord(hi + 1 - base), true) });
        continue;
      }
      const at = lengthWord(hi + 1, linkOffset);
      // Frames always hold the link header: a guard below its length never fires.
      if (at === undefined) continue;
      // A key at or past the length word already aborts on such frames (its word read comes first).
      knodes.push({ kind: 'check', keys: addWord(withNeed, at, false) });
      continue;
    }
    for (const k of withNeed) if (k.nexthdr !== true) wordEnd = Math.max(wordEnd, k.at + 4 + linkOffset);
    if (r.action === 'miss')
      knodes.push({ kind: 'miss', keys: [...withNeed, { value: 0, mask: 0, at: ABORT_AT }] });
    else knodes.push({ kind: 'hit', keys: withNeed });
  }
  // Trailing misses and checks change nothing: the prio's end is a miss too.
  while (knodes.length > 0 && knodes[knodes.length - 1]!.kind !== 'hit') knodes.pop();
  if (knodes.length > MAX_KNODES)
    return diag(
      'u32-too-many',
      `the filter needs ${knodes.length} u32 rules, more than one u32 bucket holds (${MAX_KNODES}); ${TC_BPF_HINT}`,
    );
  if (!linked || knodes.length === 0)
    return { ok: true, rules: { protocol, knodes, linkOffset, wordSlack: slack, wordEnd } };
  // The root's one knode links every frame to table 1 with off2 = 4·IHL; when table 1 ends without a hit, the
  // root has nothing more: no match.
  const root: U32Knode = { kind: 'check', keys: [], link: { table: 1, ...IHL_LINK } };
  return {
    ok: true,
    rules: {
      protocol,
      knodes: [root, ...knodes.map((k) => ({ ...k, table: 1 }))],
      linkOffset,
      wordSlack: slack,
      wordEnd: Math.max(wordEnd, list.minFrameLength),
      tables: [1],
      contractMin: list.minFrameLength,
    },
  };
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** `match u32 VAL MASK at [nexthdr+]OFF` clauses of one knode. */
export function u32Matches(k: U32Knode): string {
  // A knode with no keys still needs a word read: the EtherType word is always in the frame.
  const keys = k.keys.length > 0 ? k.keys : [{ value: 0, mask: 0, at: -4 }];
  return keys
    .map((x) => `match u32 ${hex(x.value)} ${hex(x.mask)} at ${x.nexthdr === true ? 'nexthdr+' : ''}${x.at}`)
    .join(' ');
}

/** The `link H: offset …` clause of a linking knode. */
function linkClause(l: U32Link, handle: (t: number) => number): string {
  const parts = [`link ${handle(l.table).toString(16)}:`];
  const off: string[] = [];
  if (l.plus !== undefined) off.push(`plus ${l.plus}`);
  if (l.at !== undefined) off.push(`at ${l.at}`);
  if (l.mask !== undefined) off.push(`mask 0x${l.mask.toString(16).padStart(4, '0')}`);
  if (l.shift !== undefined) off.push(`shift ${l.shift}`);
  if (l.eat) off.push('eat');
  if (off.length > 0) parts.push(`offset ${off.join(' ')}`);
  return parts.join(' ');
}

export interface U32BatchOptions {
  readonly dev: string;
  readonly direction: 'ingress' | 'egress';
  /** 1…65535: the one prio the rules live in. */
  readonly prio: number;
  /** Appended to every hit rule (e.g. `action mirred egress mirror dev m0`); default `classid 1:1`. */
  readonly action?: string;
  /** `classid MAJ:MIN` of every hit rule (classid.ts validates it; before the action when both are given). */
  readonly classid?: string;
  /** Attach to this classful qdisc or class (`parent 1:`) instead of the clsact hook of `direction`. */
  readonly parent?: string;
  /** Handle (htid, 1…0x7ff) of linked table 1 (default from the prio: 1 + (prio − 1) mod 0x7ff). Tables belong to
   *  the device's qdisc, not to a prio: rule sets on one device need distinct handles. */
  readonly table?: number;
}

/** Largest hash table id tfc names itself (larger ones share the kernel's automatic id space). */
export const MAX_TABLE_ID = 0x7ff;

/**
 * The `tc -b` batch lines (no leading tc): every linked table first (`handle H: u32 divisor 1`: a link needs its
 * target), then their knodes, the last table first (`handle H::N u32 ht H:`), then the root's knodes (`handle ::N`),
 * node ids 1, 2, … in order within each table; tfc's own rules link only from the root, so a table is complete
 * before anything reaches it.
 */
export function u32Batch(
  rules: U32Rules,
  o: U32BatchOptions,
):
  | { readonly ok: true; readonly lines: readonly string[] }
  | { readonly ok: false; readonly diagnostics: readonly U32Diagnostic[] } {
  const diags: U32Diagnostic[] = [];
  if (!isTcDevName(o.dev))
    diags.push({ severity: 'error', code: 'dev', message: `invalid device name '${o.dev}'` });
  if (!Number.isInteger(o.prio) || o.prio < 1 || o.prio > 0xffff)
    diags.push({
      severity: 'error',
      code: 'prio',
      message: `prio must be an integer 1…65535, not ${o.prio}`,
    });
  if (o.action !== undefined && (o.action.includes('\n') || o.action.trim() === ''))
    diags.push({ severity: 'error', code: 'action', message: 'the action text must be one non-empty line' });
  diags.push(...handleDiagnostics(o));
  const tables = rules.tables ?? [];
  const first = o.table ?? 1 + ((o.prio - 1) % MAX_TABLE_ID);
  if (
    tables.length > 0 &&
    (!Number.isInteger(first) || first < 1 || first + tables.length - 1 > MAX_TABLE_ID)
  )
    diags.push({
      severity: 'error',
      code: 'table',
      message: `the table handle must be an integer 1…${MAX_TABLE_ID}, not ${first}`,
    });
  if (diags.length > 0) return { ok: false, diagnostics: diags };
  const handle = (t: number): number => first + t - 1;
  const head = `filter add dev ${o.dev} ${hookText(o)} protocol ${rules.protocol} prio ${o.prio}`;
  const hit = hitText(o, 'classid 1:1');
  const lines: string[] = [];
  const rule = (k: U32Knode, place: string): string => {
    const link = k.link !== undefined ? ` ${linkClause(k.link, handle)}` : '';
    const tail = k.kind === 'hit' ? ` ${hit}` : '';
    return `${head} ${place} ${u32Matches(k)}${link}${tail}`;
  };
  for (const t of tables) lines.push(`${head} handle ${handle(t).toString(16)}: u32 divisor 1`);
  for (const t of [...tables].reverse()) {
    const h = handle(t).toString(16);
    rules.knodes
      .filter((k) => k.table === t)
      .forEach((k, i) => {
        lines.push(rule(k, `handle ${h}::${(i + 1).toString(16)} u32 ht ${h}:`));
      });
  }
  rules.knodes
    .filter((k) => (k.table ?? 0) === 0)
    .forEach((k, i) => {
      lines.push(rule(k, `handle ::${(i + 1).toString(16)} u32`));
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
