/*
 * The raw layout of one trace event: its provenance (raw-provenance.ts, the per-syscall events generated from the
 * x86-64 table) resolved against a kernel's BTF, as the plain data the code generator takes (RawEventLayout).
 * BTF comes in through `RawBtf`, a view the caller builds from the running kernel (the compiler never reads the
 * kernel itself): the raw tracepoint's argument types, and struct members by path with offset, size, bitfield,
 * sign and pointee.
 * Invariants: pure over (event format, BTF view); every record field is either covered (resolved from BTF, its
 * record size and the member's agreeing) or listed as uncovered with a reason; an event whose tracepoint is
 * missing from BTF or whose argument types differ from the table's is not covered at all, with the reason.
 */
import {
  RAW_CURRENT_TASK,
  RAW_RECORD_MAX,
  type RawEventLayout,
  type RawField,
  type RawMember,
  type RawSource,
  type RawValue,
} from '@tfc/codegen-bpf';
import type { EventFormat, FormatField } from '@tfc/tracefs';
import {
  type ProvenanceEvent,
  type ProvenanceField,
  type ProvenanceMember,
  RAW_PROVENANCE,
  SYSCALL_ARG_REGS,
} from './raw-provenance.ts';
import { SYSCALL_EVENT_ALIASES, X86_64_SYSCALLS } from './raw-syscalls.ts';

/** A struct member as BTF gives it. `pointee`: the struct a pointer member points to. */
export interface RawBtfMember {
  readonly offset: number;
  readonly size: number;
  readonly bit?: { readonly shift: number; readonly bits: number };
  readonly signed: boolean;
  readonly pointee?: string;
}

/** What the resolver asks of a kernel's BTF. */
export interface RawBtf {
  /** Where the types come from (`BTF of the running kernel 6.18.0`). */
  readonly source: string;
  /** The raw tracepoint's argument types spelled C-like (`struct sk_buff *`), or undefined when it has none. */
  args(tracepoint: string): readonly string[] | undefined;
  /** A member of `struct name` by path (anonymous structs and unions looked through), or why not. */
  member(struct: string, path: readonly string[]): RawBtfMember | string;
}

export type RawLayoutResult =
  | { readonly ok: true; readonly layout: RawEventLayout }
  | { readonly ok: false; readonly reason: string };

/** arch/x86/include/asm/thread_info.h: a 32-bit syscall is active. */
const TS_COMPAT = 0x0002;

const COMPUTED_BY_CORE =
  'set by the tracing core when the record is reserved (irq flags, preempt count): no argument holds it';

const isDynamic = (f: FormatField): boolean => /^__data_loc\b/.test(f.type);

/** sizeof the event's struct: its last field's end rounded up to the largest field alignment (4 at least). */
export function rawRecordSize(ev: EventFormat): number {
  let end = 8;
  let align = 4;
  for (const f of ev.fields) {
    end = Math.max(end, f.offset + f.size);
    align = Math.max(align, fieldAlignment(f));
  }
  return Math.ceil(end / align) * align;
}

function fieldAlignment(f: FormatField): number {
  if (/^__(data|rel)_loc\b/.test(f.type)) return 4;
  const elem = f.arrayLength !== undefined && f.arrayLength > 0 ? f.size / f.arrayLength : f.size;
  return elem === 1 || elem === 2 || elem === 4 || elem === 8 ? elem : 1;
}

/** A type spelling without qualifiers, in one form: BTF's `long int` / `long unsigned int` as C's `long` /
 *  `unsigned long`. */
const plain = (t: string): string =>
  t
    .replace(/\b(const|volatile)\s+/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\b(long|short) unsigned int\b/g, 'unsigned $1')
    .replace(/\b(long long|long|short) int\b/g, '$1')
    .trim();

/** The per-syscall events: `__syscall_nr` and the argument registers (sys_enter) or the return value (sys_exit). */
function syscallProvenance(ev: EventFormat): ProvenanceEvent | string {
  const m = /^sys_(enter|exit)_(\w+)$/.exec(ev.name);
  if (m === null) return `${ev.name} is not a per-syscall event`;
  const name = SYSCALL_EVENT_ALIASES[m[2] as string] ?? (m[2] as string);
  if (X86_64_SYSCALLS[name] === undefined) return `no x86-64 system call number is known for ${m[2]}`;
  const args = ['struct pt_regs *', 'long'];
  if (m[1] === 'exit')
    return {
      tracepoint: 'sys_exit',
      args,
      fields: [
        { field: '__syscall_nr', arg: 0, member: 'orig_ax' },
        { field: 'ret', arg: 1 },
      ],
    };
  const params = ev.fields.filter((f) => !f.name.startsWith('common_') && f.name !== '__syscall_nr');
  return {
    tracepoint: 'sys_enter',
    args,
    fields: [
      { field: '__syscall_nr', arg: 1 },
      ...params.map((f, i) => ({ field: f.name, arg: 0, member: SYSCALL_ARG_REGS[i] ?? '?' })),
    ],
  };
}

function provenanceOf(ev: EventFormat): ProvenanceEvent | string {
  if (ev.system === 'syscalls') return syscallProvenance(ev);
  const p = RAW_PROVENANCE[`${ev.system}/${ev.name}`];
  if (p !== undefined) return p;
  return `${ev.system}:${ev.name} has no field provenance yet`;
}

const pointeeOf = (type: string): string | undefined => /^struct (\w+) \*$/.exec(plain(type))?.[1];
const scalarSigned = (type: string): boolean => !/unsigned|\*|^enum |bool|^u\d+$|^__u\d+$/.test(plain(type));

/** A table entry resolved against BTF, or why not. */
function resolveValue(p: ProvenanceField, args: readonly string[], btf: RawBtf): RawValue | string {
  const argType = args[p.arg];
  if (argType === undefined) return `argument ${p.arg} does not exist`;
  if (p.member === undefined) return { arg: p.arg, path: [], access: 'btf', signed: scalarSigned(argType) };
  if (p.shinfo === true) return resolveShinfo(p, p.member, args, btf);
  let struct = p.cast ?? pointeeOf(argType);
  if (struct === undefined) return `argument ${p.arg} (${argType}) is not a struct pointer`;
  const path: RawMember[] = [];
  let last: RawBtfMember | undefined;
  const segments = p.member.split('->');
  let casts = p.cast !== undefined;
  for (const [i, segment] of segments.entries()) {
    // `->(tcphdr)doff`: the pointer seen as another struct (skb->data as the TCP header), read with probe reads
    const viewed = /^\((\w+)\)(.+)$/.exec(segment);
    const seg = viewed?.[2] ?? segment;
    if (viewed !== null && i > 0) {
      struct = viewed[1];
      casts = true;
    }
    if (struct === undefined) return `${segments.slice(0, i).join('->')} is not a struct pointer`;
    const m = btf.member(struct, seg.split('.'));
    if (typeof m === 'string') return m;
    path.push(m.bit === undefined ? { offset: m.offset, size: m.size } : { ...m });
    last = m;
    struct = m.pointee;
  }
  if (last === undefined) return 'empty member path';
  if (p.shr !== undefined && last.signed) return `a shift of the signed member ${p.member}`;
  const extra = resolveExtras(p, args, btf);
  if (typeof extra === 'string') return extra;
  let minus: RawValue | undefined;
  if (p.minus !== undefined) {
    const spec = typeof p.minus === 'string' ? { member: p.minus } : p.minus;
    const m = resolveValue(
      { field: p.field, arg: p.arg, member: spec.member, ...(p.cast !== undefined ? { cast: p.cast } : {}) },
      args,
      btf,
    );
    if (typeof m === 'string') return m;
    minus = spec.shl !== undefined ? { ...m, shl: spec.shl } : m;
  }
  return {
    arg: p.arg,
    path,
    access: casts ? 'probe' : 'btf',
    signed: last.signed,
    ...(p.ntoh === true ? { swap: last.size as 2 | 4 } : {}),
    ...(p.shr !== undefined ? { shr: p.shr } : {}),
    ...(p.orZero === true ? { orZero: true } : {}),
    ...(p.ne !== undefined ? { ne: p.ne } : {}),
    ...(minus !== undefined ? { minus } : {}),
    ...extra,
  };
}

/** `plus` and `when` of a provenance field, resolved (members of the same argument). */
function resolveExtras(
  p: ProvenanceField,
  args: readonly string[],
  btf: RawBtf,
): { plus?: RawValue; when?: RawValue } | string {
  const out: { plus?: RawValue; when?: RawValue } = {};
  if (p.plus !== undefined) {
    const v = resolveMember(p.arg, p.plus, args, btf);
    if (typeof v === 'string') return v;
    out.plus = v;
  }
  if (p.when !== undefined) {
    const v = resolveMember(p.arg, p.when.member, args, btf);
    if (typeof v === 'string') return v;
    out.when = { ...v, ne: p.when.ne };
  }
  return out;
}

/** skb_shinfo(skb)->member: struct skb_shared_info at skb->head + skb->end, read with probe reads. */
function resolveShinfo(
  p: ProvenanceField,
  member: string,
  args: readonly string[],
  btf: RawBtf,
): RawValue | string {
  const head = resolveMember(p.arg, 'head', args, btf, 8);
  const end = resolveMember(p.arg, 'end', args, btf);
  const m = btf.member('skb_shared_info', member.split('.'));
  if (typeof head === 'string') return head;
  if (typeof end === 'string') return end;
  if (typeof m === 'string') return m;
  return {
    arg: p.arg,
    base: { ...head, plus: end },
    path: [
      m.bit === undefined
        ? { offset: m.offset, size: m.size }
        : { offset: m.offset, size: m.size, bit: m.bit },
    ],
    access: 'probe',
    signed: m.signed,
  };
}

/** A member of argument `arg`'s pointee (through `m.cast`), resolved; `size` checks the member's size. */
function resolveMember(
  arg: number,
  m: ProvenanceMember | string,
  args: readonly string[],
  btf: RawBtf,
  size?: number,
): RawValue | string {
  const pm = typeof m === 'string' ? { member: m } : m;
  const v = resolveValue(
    { field: '', arg, member: pm.member, ...(pm.cast !== undefined ? { cast: pm.cast } : {}) },
    args,
    btf,
  );
  if (typeof v === 'string' || size === undefined) return v;
  const got = v.path[v.path.length - 1]?.size;
  return got === size ? v : `BTF gives ${pm.member} ${got} bytes, ${size} expected`;
}

function resolveField(
  f: FormatField,
  p: ProvenanceField,
  args: readonly string[],
  btf: RawBtf,
  recordSize: number,
): RawField | string {
  const special = resolveSpecial(f, p, args, btf);
  if (special !== undefined)
    return typeof special === 'string'
      ? special
      : { name: f.name, offset: f.offset, size: f.size, source: special };
  const v = resolveValue(p, args, btf);
  if (typeof v === 'string') return v;
  const last = v.path[v.path.length - 1];
  const size = last?.size ?? 8;
  if (p.string !== undefined || isDynamic(f)) {
    if (p.string === undefined || !isDynamic(f) || last === undefined)
      return `${f.name}: a __data_loc string needs a char array member`;
    if (p.string === 'pointer') {
      // the room a raw record has left for it (RAW_RECORD_MAX): longer strings are not built (counted lost)
      const max = RAW_RECORD_MAX - recordSize;
      if (size !== 8 || max < 16) return `${f.name}: a char * string needs a pointer member and room`;
      return {
        name: f.name,
        offset: f.offset,
        size: f.size,
        source: { kind: 'string', value: v, max, pointer: true },
      };
    }
    return { name: f.name, offset: f.offset, size: f.size, source: { kind: 'string', value: v, max: size } };
  }
  if (p.copy === true) {
    if (last === undefined || size !== f.size)
      return `BTF gives ${p.member} ${size} bytes, the record ${f.size}`;
    return { name: f.name, offset: f.offset, size: f.size, source: { kind: 'bytes', value: v, n: size } };
  }
  if (![1, 2, 4, 8].includes(f.size) || f.offset % f.size !== 0)
    return `the record's ${f.size}-byte field at ${f.offset} is not an aligned scalar`;
  if (![1, 2, 4, 8].includes(size)) return `BTF gives ${p.member ?? `argument ${p.arg}`} ${size} bytes`;
  if (p.ntoh === true && size !== 2 && size !== 4) return `ntoh of a ${size}-byte member`;
  return { name: f.name, offset: f.offset, size: f.size, source: { kind: 'value', value: v } };
}

/** The sources that are not one value: addresses by family, socket cookies, the sched_switch state. */
function resolveSpecial(
  f: FormatField,
  p: ProvenanceField,
  args: readonly string[],
  btf: RawBtf,
): RawSource | string | undefined {
  if (p.addr6 !== undefined) return resolveAddr6(f, p, p.addr6, args, btf);
  if (p.sockaddr !== undefined) return resolveSockaddr(f, p.arg, p.sockaddr, args, btf);
  if (p.resetAddr !== undefined) return resolveResetAddr(f, p.arg, p.resetAddr, args, btf);
  if (p.packetAddr !== undefined) return resolvePacketAddr(f, p.arg, p.packetAddr, args, btf);
  if (p.currentSsthresh !== undefined) {
    const c = p.currentSsthresh;
    const vs = [c.caState, c.ssthresh, c.cwnd].map((m) => resolveMember(p.arg, m, args, btf));
    for (const v of vs) if (typeof v === 'string') return v;
    const [caState, ssthresh, cwnd] = vs as [RawValue, RawValue, RawValue];
    return { kind: 'currentSsthresh', caState, ssthresh, cwnd, reduction: c.reduction };
  }
  if (p.switchState !== undefined) return resolveSwitchState(f, p.arg, p.switchState, args, btf);
  if (p.cookie === true) {
    if (plain(args[p.arg] ?? '') !== 'struct sock *') return `argument ${p.arg} is not a struct sock *`;
    return f.size === 8 ? { kind: 'cookie', arg: p.arg } : `a socket cookie in a ${f.size}-byte field`;
  }
  return undefined;
}

/** A TP_STORE_ADDRS field: family, the IPv6 member (16 bytes) and the IPv4 one (4 bytes), all from BTF. */
function resolveAddr6(
  f: FormatField,
  p: ProvenanceField,
  a: NonNullable<ProvenanceField['addr6']>,
  args: readonly string[],
  btf: RawBtf,
): RawSource | string {
  const at = a.addrArg ?? p.arg;
  const family = resolveMember(p.arg, a.family, args, btf);
  const v6 = resolveMember(at, a.v6, args, btf, 16);
  const v4 = resolveMember(
    at,
    { member: a.v4, ...(a.cast !== undefined ? { cast: a.cast } : {}) },
    args,
    btf,
    4,
  );
  if (typeof family === 'string') return family;
  if (typeof v6 === 'string') return v6;
  if (typeof v4 === 'string') return v4;
  if (f.size !== 16) return `the record's ${f.name} has ${f.size} bytes, not 16`;
  return { kind: 'addr6', family, v6, v4 };
}

/** TP_STORE_ADDR_PORTS: a sockaddr_in6-sized (28-byte) array; port 2 bytes, v6 16, v4 4, all from BTF. */
function resolveSockaddr(
  f: FormatField,
  arg: number,
  a: NonNullable<ProvenanceField['sockaddr']>,
  args: readonly string[],
  btf: RawBtf,
): RawSource | string {
  const family = resolveMember(arg, a.family, args, btf);
  const port = resolveMember(arg, a.port, args, btf, 2);
  const v6 = resolveMember(arg, a.v6, args, btf, 16);
  const v4 = resolveMember(arg, a.v4, args, btf, 4);
  for (const v of [family, port, v6, v4]) if (typeof v === 'string') return v;
  if (f.size !== 28) return `the record's ${f.name} has ${f.size} bytes, not sizeof(struct sockaddr_in6)`;
  return {
    kind: 'sockaddr',
    family: family as RawValue,
    port: { ...(port as RawValue), signed: false },
    v6: v6 as RawValue,
    v4: v4 as RawValue,
  };
}

/** tcp_send_reset's addresses: the socket's sockaddr and the skb's members, every load NULL-safe (both arguments
 *  may be NULL). */
function resolveResetAddr(
  f: FormatField,
  arg: number,
  a: NonNullable<ProvenanceField['resetAddr']>,
  args: readonly string[],
  btf: RawBtf,
): RawSource | string {
  const sock = resolveSockaddr(f, arg, a.sockaddr, args, btf);
  if (typeof sock === 'string') return sock;
  if (sock.kind !== 'sockaddr') return 'not a sockaddr';
  const safe = (v: RawValue): RawValue => ({ ...v, orZero: true });
  const state = resolveMember(arg, a.state, args, btf);
  if (typeof state === 'string') return state;
  const packet = packetMembers(a.skb, args, btf);
  if (typeof packet === 'string') return packet;
  return {
    kind: 'resetAddr',
    state: safe(state),
    notFull: a.notFull,
    sock: { family: safe(sock.family), port: safe(sock.port), v6: safe(sock.v6), v4: safe(sock.v4) },
    ...packet,
    side: a.side,
  };
}

/** TP_STORE_ADDR_PORTS_SKB of the skb argument `skb`: its head, network_header and data members (NULL-safe). */
function packetMembers(
  skb: number,
  args: readonly string[],
  btf: RawBtf,
): { head: RawValue; network: RawValue; data: RawValue } | string {
  const values = ['head', 'network_header', 'data'].map((m) => resolveMember(skb, m, args, btf));
  for (const v of values) if (typeof v === 'string') return v;
  const [head, network, data] = (values as RawValue[]).map((v) => ({ ...v, orZero: true })) as [
    RawValue,
    RawValue,
    RawValue,
  ];
  return { head, network, data };
}

/** The packet's own 4-tuple side (tcp_bad_csum, the tcp_hash_* events): no socket consulted. */
function resolvePacketAddr(
  f: FormatField,
  skb: number,
  side: 'source' | 'dest',
  args: readonly string[],
  btf: RawBtf,
): RawSource | string {
  if (plain(args[skb] ?? '') !== 'struct sk_buff *') return `argument ${skb} is not a struct sk_buff *`;
  if (f.size !== 28) return `the record's ${f.name} has ${f.size} bytes, not sizeof(struct sockaddr_in6)`;
  const packet = packetMembers(skb, args, btf);
  if (typeof packet === 'string') return packet;
  return { kind: 'resetAddr', ...packet, side };
}

/** __trace_sched_switch_state(): preempt (argument `arg`), the state argument, the task's exit_state. */
function resolveSwitchState(
  f: FormatField,
  arg: number,
  a: NonNullable<ProvenanceField['switchState']>,
  args: readonly string[],
  btf: RawBtf,
): RawSource | string {
  const exitState = resolveMember(a.task, a.exitState, args, btf);
  if (typeof exitState === 'string') return exitState;
  if (args[arg] === undefined || args[a.state] === undefined)
    return 'the switch state arguments do not exist';
  if (![4, 8].includes(f.size)) return `the record's ${f.name} has ${f.size} bytes`;
  return {
    kind: 'switchState',
    preempt: { arg, path: [], access: 'btf', signed: false },
    state: { arg: a.state, path: [], access: 'btf', signed: false },
    exitState,
    report: a.report,
    idle: a.idle,
    reportIdle: a.reportIdle,
    asUninterruptible: a.asUninterruptible,
    uninterruptible: a.uninterruptible,
    reportMax: a.reportMax,
  };
}

/** The guard of a per-syscall event: the hit's syscall number must be the event's. */
function syscallGuard(ev: EventFormat, btf: RawBtf): RawEventLayout['guard'] | string {
  const m = /^sys_(enter|exit)_(\w+)$/.exec(ev.name);
  const name = SYSCALL_EVENT_ALIASES[m?.[2] ?? ''] ?? m?.[2] ?? '';
  const nr = X86_64_SYSCALLS[name];
  if (m === null || nr === undefined) return `no system call number for ${ev.name}`;
  // in_ia32_syscall(): current_thread_info()->status & TS_COMPAT — trace_get_syscall_nr() then gives -1
  const status = btf.member('task_struct', ['thread_info', 'status']);
  if (typeof status === 'string') return status;
  const unless = {
    value: {
      arg: RAW_CURRENT_TASK,
      path: [{ offset: status.offset, size: status.size }],
      access: 'btf' as const,
      signed: false,
    },
    mask: TS_COMPAT,
  };
  if (m[1] === 'enter')
    return { value: { arg: 1, path: [], access: 'btf', signed: true }, equals: BigInt(nr), unless };
  const orig = btf.member('pt_regs', ['orig_ax']);
  if (typeof orig === 'string') return orig;
  return {
    value: { arg: 0, path: [{ offset: orig.offset, size: orig.size }], access: 'btf', signed: false },
    equals: BigInt(nr),
    unless,
  };
}

/** The event's raw layout (see the header). */
export function resolveRawLayout(ev: EventFormat, btf: RawBtf): RawLayoutResult {
  const name = `${ev.system}:${ev.name}`;
  const prov = provenanceOf(ev);
  if (typeof prov === 'string') return { ok: false, reason: prov };
  const args = btf.args(prov.tracepoint);
  if (args === undefined)
    return {
      ok: false,
      reason: `${btf.source} has no raw tracepoint ${prov.tracepoint} (btf_trace_${prov.tracepoint})`,
    };
  const want = prov.args.map(plain).join(', ');
  const have = args.map(plain).join(', ');
  if (want !== have)
    return {
      ok: false,
      reason: `${name}: raw tracepoint ${prov.tracepoint} takes (${have}) in ${btf.source}, the provenance table expects (${want})`,
    };
  let guard: RawEventLayout['guard'];
  if (ev.system === 'syscalls') {
    const g = syscallGuard(ev, btf);
    if (typeof g === 'string') return { ok: false, reason: `${name}: ${g}` };
    guard = g;
  }
  const fields: RawField[] = [];
  const uncovered: RawEventLayout['uncovered'][number][] = [];
  for (const f of ev.fields) {
    if (f.name === 'common_type')
      fields.push({
        name: f.name,
        offset: f.offset,
        size: f.size,
        source: { kind: 'const', value: BigInt(ev.id) },
      });
    else if (f.name === 'common_pid')
      fields.push({ name: f.name, offset: f.offset, size: f.size, source: { kind: 'pid' } });
    else if (f.name === 'common_flags' || f.name === 'common_preempt_count')
      uncovered.push({ name: f.name, offset: f.offset, size: f.size, why: COMPUTED_BY_CORE });
    else {
      const p = prov.fields.find((x) => x.field === f.name);
      const r =
        p === undefined
          ? (prov.uncovered?.[f.name] ?? 'not in the provenance table')
          : resolveField(f, p, args, btf, rawRecordSize(ev));
      if (typeof r === 'string') uncovered.push({ name: f.name, offset: f.offset, size: f.size, why: r });
      else fields.push(r);
    }
  }
  return {
    ok: true,
    layout: {
      event: `${ev.system}/${ev.name}`,
      eventId: ev.id,
      tracepoint: prov.tracepoint,
      source: btf.source,
      recordSize: rawRecordSize(ev),
      ...(ev.fields.some(isDynamic)
        ? { dataStart: Math.max(...ev.fields.map((f) => f.offset + f.size)) }
        : {}),
      ...(guard !== undefined ? { guard } : {}),
      fields,
      uncovered,
    },
  };
}
