/*
 * The Wireshark Lua dissector for tfc trace frames (EtherType 0x88B5, trace frame version 1), generated from event
 * formats. Fields: the trace header as `tfc.hdr.*`, the event as `tfc.event` ("sys:name") and `tfc.SYS.NAME` (present
 * on that event's frames), the record as `tfc.record`, common fields as `tfc.common_*` (shared by every event with
 * the usual common layout, else per event), record fields as `tfc.SYS.NAME.FIELD`, typed by layout.ts.
 * Invariants: pure and deterministic (events sorted by system/name, no dates or paths in the text); the Lua holds
 * one compact table row per field and one generic reader, so `--all` stays small; every name is checked against
 * Wireshark's field-name alphabet and event ids are unique, else an error value (never a broken script).
 */
import type { EventFormat, FormatField } from '@tfc/tracefs';
import {
  commonAbbrev,
  eventAbbrev,
  eventLabel,
  type FieldLayout,
  fieldAbbrev,
  fieldLayout,
  validAbbrevPart,
} from './layout.ts';

export interface DissectorOptions {
  /** One line saying where the formats came from (e.g. "bundled snapshot, Linux 6.18"), put in the header. */
  readonly source?: string;
}

export type DissectorResult =
  | {
      readonly ok: true;
      readonly text: string;
      /** Per event id: kernel field name → display-filter field name. */
      readonly names: ReadonlyMap<number, ReadonlyMap<string, string>>;
      /** Number of record fields (ProtoFields of events, common ones counted once). */
      readonly fieldCount: number;
    }
  | { readonly ok: false; readonly error: string };

/** The Lua row code of a layout: scalar `u2`/`i8`/`x8`, strings `s`, bytes `b`, arrays of `u4`… with a count. */
function rowCode(l: FieldLayout): { code: string; n?: number | string } {
  const where = (p: string, size: number) =>
    p === 'fixed' ? size : p === 'data_loc' ? 'd' : p === 'rel_loc' ? 'r' : 'z';
  switch (l.kind) {
    case 'int':
      return { code: `${l.hex ? 'x' : l.signed ? 'i' : 'u'}${l.size}` };
    case 'string':
      return { code: 's', n: where(l.placement, l.size) };
    case 'bytes':
      return { code: 'b', n: where(l.placement, l.size) };
    case 'array':
      return { code: `${l.signed ? 'i' : 'u'}${l.elem}`, n: where(l.placement, l.count) };
  }
}

function row(f: FormatField): string {
  const { code, n } = rowCode(fieldLayout(f));
  const tail = n === undefined ? '' : typeof n === 'number' ? `,${n}` : `,"${n}"`;
  return `{"${f.name}",${f.offset},"${code}"${tail}}`;
}

const PRELUDE = `
local tfc = Proto("tfc", "tfc trace frame")
local UF = { [1] = ProtoField.uint8, [2] = ProtoField.uint16, [4] = ProtoField.uint32, [8] = ProtoField.uint64 }
local SF = { [1] = ProtoField.int8, [2] = ProtoField.int16, [4] = ProtoField.int32, [8] = ProtoField.int64 }
local H = {
  version = ProtoField.uint8("tfc.hdr.version", "Version", base.DEC),
  flags = ProtoField.uint8("tfc.hdr.flags", "Flags", base.HEX),
  flag_le = ProtoField.bool("tfc.hdr.flags.little_endian", "Record is little-endian", 8, nil, 0x01),
  flag_lost = ProtoField.bool("tfc.hdr.flags.lost", "Events were lost before this one", 8, nil, 0x02),
  header_length = ProtoField.uint16("tfc.hdr.header_length", "Header length", base.DEC),
  event_id = ProtoField.uint16("tfc.hdr.event_id", "Event id", base.DEC),
  cpu = ProtoField.uint16("tfc.hdr.cpu", "CPU", base.DEC),
  timestamp = ProtoField.uint64("tfc.hdr.timestamp", "Timestamp (ns)", base.DEC),
  record_length = ProtoField.uint32("tfc.hdr.record_length", "Record length", base.DEC),
  sequence = ProtoField.uint32("tfc.hdr.sequence", "Sequence", base.DEC),
  comm = ProtoField.string("tfc.hdr.comm", "comm"),
  event = ProtoField.string("tfc.event", "Event"),
  record = ProtoField.bytes("tfc.record", "Record"),
}
local hf = {}
for _, f in pairs(H) do hf[#hf + 1] = f end
local ex_lost = ProtoExpert.new("tfc.lost", "Events were lost before this one", expert.group.SEQUENCE, expert.severity.WARN)
local ex_bad = ProtoExpert.new("tfc.malformed", "Field does not fit in the record", expert.group.MALFORMED, expert.severity.ERROR)
local ex_unknown = ProtoExpert.new("tfc.unknown_event", "Event id not in this dissector", expert.group.UNDECODED, expert.severity.NOTE)
tfc.experts = { ex_lost, ex_bad, ex_unknown }

local function protofield(abbr, label, code)
  local t, size = code:sub(1, 1), tonumber(code:sub(2))
  if t == "s" then return ProtoField.string(abbr, label) end
  if t == "b" then return ProtoField.bytes(abbr, label) end
  if t == "x" then return UF[size](abbr, label, base.HEX) end
  if t == "i" then return SF[size](abbr, label, base.DEC) end
  return UF[size](abbr, label, base.DEC)
end

-- A row is { name, offset, code, n }: n absent for a scalar, a size/count, or "d" (__data_loc), "r" (__rel_loc),
-- "z" (to the record's end). Row [5] is its ProtoField.
local function rows(prefix, list)
  for _, r in ipairs(list) do
    r[5] = protofield(prefix .. r[1], r[1], r[3])
    hf[#hf + 1] = r[5]
  end
  return list
end

local COMMON = {}
local E = {}
local function common(list) COMMON = rows("tfc.", list) end
local function ev(id, label, list, own_common)
  local abbr = "tfc." .. (label:gsub(":", "."))
  local p = ProtoField.none(abbr, label)
  hf[#hf + 1] = p
  E[id] = { label = label, proto = p, rows = rows(abbr .. ".", list), own = own_common }
end
`;

const DISSECT = String.raw`
tfc.fields = hf

local function uint(r, le) if le then return r:le_uint() end return r:uint() end

-- Bytes up to the first NUL, as UTF-8 with U+FFFD for each bad sequence (the WHATWG decoder's rule, as tfc's
-- decode does; TvbRange:string(ENC_UTF_8) would cut the converted text to the byte count).
local FFFD = "\239\191\189"
local function utf8(s)
  if not s:find("[\128-\255]") then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local b = s:byte(i)
    local need, lo, hi = 0, 0x80, 0xBF
    if b < 0x80 then need = 0
    elseif b >= 0xC2 and b <= 0xDF then need = 1
    elseif b >= 0xE0 and b <= 0xEF then need = 2; if b == 0xE0 then lo = 0xA0 elseif b == 0xED then hi = 0x9F end
    elseif b >= 0xF0 and b <= 0xF4 then need = 3; if b == 0xF0 then lo = 0x90 elseif b == 0xF4 then hi = 0x8F end
    else need = -1 end
    if need < 0 then
      out[#out + 1] = FFFD
      i = i + 1
    else
      local j = i + 1
      local ok = true
      for k = 1, need do
        local c = s:byte(j)
        if c == nil or c < lo or c > hi then ok = false break end
        lo, hi = 0x80, 0xBF
        j = j + 1
      end
      out[#out + 1] = ok and s:sub(i, j - 1) or FFFD
      i = j
    end
  end
  return table.concat(out)
end

local function cstring(r)
  local s = r:raw()
  local z = s:find("\0", 1, true)
  if z then s = s:sub(1, z - 1) end
  return utf8(s)
end

local function value_text(r, t, size, le)
  if size == 8 then
    if t == "i" then return tostring(le and r:le_int64() or r:int64()) end
    local v = le and r:le_uint64() or r:uint64()
    if t == "x" then return "0x" .. v:tohex() end
    return tostring(v)
  end
  if t == "i" then return tostring(le and r:le_int() or r:int()) end
  if t == "x" then return string.format("0x%x", uint(r, le)) end
  return tostring(uint(r, le))
end

local function add(tree, field, r, le)
  if le then return tree:add_le(field, r) end
  return tree:add(field, r)
end

-- Adds the rows' fields under tree; returns "name=value" texts for the Info column.
local function dissect_rows(rec, tree, le, list, info)
  local rlen = rec:len()
  for _, row in ipairs(list) do
    local name, off, code, n, field = row[1], row[2], row[3], row[4], row[5]
    local t, size = code:sub(1, 1), tonumber(code:sub(2))
    if n == nil then
      if off + size > rlen then tree:add_proto_expert_info(ex_bad, name .. ": past the record's end") return end
      add(tree, field, rec(off, size), le)
      if #info < 8 then info[#info + 1] = name .. "=" .. value_text(rec(off, size), t, size, le) end
    else
      local start, len = off, 0
      if type(n) == "number" then
        len = (t == "s" or t == "b") and n or n * size
      elseif n == "z" then
        len = rlen - off
      else
        if off + 4 > rlen then tree:add_proto_expert_info(ex_bad, name .. ": locator past the record's end") return end
        local w = uint(rec(off, 4), le)
        len = math.floor(w / 65536)
        start = w % 65536
        if n == "r" then start = start + off + 4 end
      end
      if len < 0 or start + len > rlen then
        tree:add_proto_expert_info(ex_bad, name .. ": runs past the record's end")
      elseif t == "s" then
        local raw = len > 0 and cstring(rec(start, len)) or ""
        local r = len > 0 and rec(start, len) or rec(off, (n == "d" or n == "r") and 4 or 0)
        tree:add(field, r, raw)
        if #info < 8 then info[#info + 1] = name .. '="' .. raw .. '"' end
      elseif t == "b" then
        if len > 0 then tree:add(field, rec(start, len)) end
      else
        for i = 0, math.floor(len / size) - 1 do
          add(tree, field, rec(start + i * size, size), le):prepend_text("[" .. i .. "] ")
        end
      end
    end
  end
end

function tfc.dissector(tvb, pinfo, tree)
  if tvb:len() < 40 then return 0 end
  pinfo.cols.protocol = "TFC"
  local rlen = tvb(16, 4):uint()
  local total = 40 + rlen
  if total > tvb:len() then total = tvb:len() end
  local top = tree:add(tfc, tvb(0, total))
  top:add(H.version, tvb(0, 1))
  local flags = top:add(H.flags, tvb(1, 1))
  flags:add(H.flag_le, tvb(1, 1))
  flags:add(H.flag_lost, tvb(1, 1))
  top:add(H.header_length, tvb(2, 2))
  top:add(H.event_id, tvb(4, 2))
  top:add(H.cpu, tvb(6, 2))
  top:add(H.timestamp, tvb(8, 8))
  top:add(H.record_length, tvb(16, 4))
  top:add(H.sequence, tvb(20, 4))
  local comm = cstring(tvb(24, 16))
  top:add(H.comm, tvb(24, 16), comm)
  local le = bit32.band(tvb(1, 1):uint(), 1) == 1
  if bit32.band(tvb(1, 1):uint(), 2) == 2 then top:add_proto_expert_info(ex_lost) end
  local id = tvb(4, 2):uint()
  local e = E[id]
  local label = e and e.label or ("unknown event " .. id)
  top:add(H.event, tvb(4, 2), label):set_generated()
  top:append_text(", " .. label)
  if rlen > tvb:len() - 40 then
    top:add_proto_expert_info(ex_bad, "record length runs past the frame's end")
    pinfo.cols.info = label .. " [malformed]"
    return tvb:len()
  end
  local info = {}
  if rlen > 0 then
    local rec = tvb(40, rlen):tvb()
    local rt = top:add(H.record, tvb(40, rlen))
    if e then
      rt:add(e.proto, tvb(40, rlen)):set_generated()
      if not e.own then dissect_rows(rec, rt, le, COMMON, {}) end
      dissect_rows(rec, rt, le, e.rows, info)
    else
      rt:add_proto_expert_info(ex_unknown)
    end
  end
  pinfo.cols.info = label .. " cpu=" .. tvb(6, 2):uint() .. " comm=" .. comm .. (#info > 0 and (" " .. table.concat(info, " ")) or "")
  return total
end

DissectorTable.get("ethertype"):add(0x88b5, tfc)
`;

const HEADER_NAMES = [
  'tfc',
  'tfc.hdr.version',
  'tfc.hdr.flags',
  'tfc.hdr.flags.little_endian',
  'tfc.hdr.flags.lost',
  'tfc.hdr.header_length',
  'tfc.hdr.event_id',
  'tfc.hdr.cpu',
  'tfc.hdr.timestamp',
  'tfc.hdr.record_length',
  'tfc.hdr.sequence',
  'tfc.hdr.comm',
  'tfc.event',
  'tfc.record',
  'tfc.lost',
  'tfc.malformed',
  'tfc.unknown_event',
];

function commonSignature(e: EventFormat): string {
  return e.fields
    .filter((f) => f.common)
    .map(row)
    .join(',');
}

export function generateDissector(
  events: readonly EventFormat[],
  opts: DissectorOptions = {},
): DissectorResult {
  const byKey = new Map<string, EventFormat>();
  const byId = new Map<number, string>();
  for (const e of events) {
    const key = `${e.system}/${e.name}`;
    if ((e.system !== '' && !validAbbrevPart(e.system)) || !validAbbrevPart(e.name))
      return { ok: false, error: `event ${key}: a Wireshark field name cannot hold its name` };
    for (const f of e.fields)
      if (!validAbbrevPart(f.name))
        return { ok: false, error: `event ${key}: field '${f.name}' cannot be a Wireshark field name` };
    const prev = byKey.get(key);
    if (prev !== undefined) {
      if (prev.id !== e.id)
        return { ok: false, error: `event ${key} given twice with ids ${prev.id} and ${e.id}` };
      continue;
    }
    const other = byId.get(e.id);
    if (other !== undefined) return { ok: false, error: `events ${other} and ${key} share id ${e.id}` };
    if (e.id < 0 || e.id > 0xffff)
      return { ok: false, error: `event ${key}: id ${e.id} does not fit the header` };
    byKey.set(key, e);
    byId.set(e.id, key);
  }
  const sorted = [...byKey.values()].sort((a, b) =>
    a.system === b.system ? (a.name < b.name ? -1 : 1) : a.system < b.system ? -1 : 1,
  );
  // The shared common layout: the most frequent one (ties: the smallest signature).
  const counts = new Map<string, number>();
  for (const e of sorted) {
    const s = commonSignature(e);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  let shared = '';
  let best = 0;
  for (const [s, n] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
    if (n > best) [shared, best] = [s, n];
  const sharedEvent = sorted.find((e) => commonSignature(e) === shared);
  const lines: string[] = [];
  const names = new Map<number, Map<string, string>>();
  // Every display-filter name once: a format file could name a system `hdr` and an event `flags`.
  const taken = new Set(HEADER_NAMES);
  const claim = (abbr: string): string | undefined => {
    if (taken.has(abbr)) return `two fields would be named ${abbr}`;
    taken.add(abbr);
    return undefined;
  };
  for (const f of sharedEvent?.fields.filter((x) => x.common) ?? []) {
    const clash = claim(commonAbbrev(f));
    if (clash) return { ok: false, error: clash };
  }
  let fieldCount = 0;
  for (const e of sorted) {
    const own = commonSignature(e) !== shared;
    const list = e.fields.filter((f) => own || !f.common);
    const m = new Map<string, string>();
    const clash = claim(eventAbbrev(e)) ?? list.map((f) => claim(fieldAbbrev(e, f))).find((c) => c);
    if (clash) return { ok: false, error: clash };
    for (const f of e.fields) m.set(f.name, f.common && !own ? commonAbbrev(f) : fieldAbbrev(e, f));
    names.set(e.id, m);
    fieldCount += list.length;
    lines.push(`ev(${e.id},"${eventLabel(e)}",{${list.map(row).join(',')}}${own ? ',true' : ''})`);
  }
  const commons = sharedEvent ? sharedEvent.fields.filter((f) => f.common) : [];
  fieldCount += commons.length;
  const header = [
    '-- tfc_trace.lua: Wireshark dissector for tfc trace frames (EtherType 0x88B5, trace frame version 1).',
    `-- Generated by 'tfc dissector' for ${sorted.length} event${sorted.length === 1 ? '' : 's'}${opts.source ? ` (${opts.source})` : ''}.`,
    '-- Load: wireshark -X lua_script:tfc_trace.lua (or copy into ~/.local/lib/wireshark/plugins/).',
    '-- Fields: tfc.hdr.* (trace header), tfc.event, tfc.record, tfc.common_* and tfc.SYS.NAME.FIELD, e.g.',
    '--   tfc.sock.inet_sock_set_state.family == 2 && tfc.sock.inet_sock_set_state.protocol == 6',
    '-- Integers are read in the record byte order the header flags give; pointers are hex; char[N],',
    '-- __data_loc and __rel_loc strings end at their NUL; array elements repeat the field ([i] in the tree).',
  ];
  const text = `${header.join('\n')}\n${PRELUDE}\ncommon({${commons.map(row).join(',')}})\n${lines.join('\n')}\n${DISSECT}`;
  return { ok: true, text, names, fieldCount };
}
