// An eBPF interpreter for tests and differential checks (a little-endian machine, like x86-64).
// Invariants: registers are 64-bit values held as (lo, hi) int32 pairs, so the hot loop allocates
// nothing; 32-bit ALU results are zero-extended; shifts are masked (& 31 / & 63) as the kernel
// interpreter does; division by zero gives 0, modulo by zero leaves dst (zero-extended for ALU32);
// sdiv by -1 negates and smod by -1 gives 0 (the verifier's rewrite). Memory is a set of regions
// (ctx, packet, one 512-byte stack per frame, map values); a pointer is (tag + region) << 32 |
// (0x10000000 + offset), and every access is bounds-checked: an out-of-bounds or unknown access,
// an unsupported helper, a bad jump or exhausted fuel is an error value carrying the slot index
// (pc) — no JS exception escapes `run`. Loads from ctx offsets of data/data_end/data_meta yield packet
// pointers; tracepoint ctx bytes 0..7 are unreadable; tracepoint and raw ctx are read-only.
// LD_ABS/LD_IND read the skb packet in network order and end the program with r0 = 0 when out of
// bounds. bpf_trace_printk output is captured. Environment values (cpu, pid/tgid, comm, time,
// probe-readable memory, maps) come from `env`; maps are caller-owned and mutated in place.
import { assemble } from './assemble.ts';
import type { Insn } from './insn.ts';
import { OPCODE, PSEUDO_CALL, PSEUDO_LD } from './opcode.ts';
import { SKB, SKB_WRITABLE, skbCtxBytes, type VmInput, XDP, xdpCtxBytes } from './vm-context.ts';
import { ERRNO, mapDelete, mapLookup, mapUpdate, type VmMap } from './vm-maps.ts';

export type VmMemory = { readonly addr: bigint; readonly bytes: Uint8Array };

export type VmEnv = {
  readonly cpu?: number;
  readonly pid?: number;
  readonly tgid?: number;
  /** Task comm (at most 15 bytes are used). */
  readonly comm?: string;
  readonly ktimeNs?: bigint;
  readonly prandom?: number;
  /** Memory bpf_probe_read_kernel(_str) can read (VM regions are readable too). */
  readonly kernelMemory?: readonly VmMemory[];
  /** Memory bpf_probe_read_user(_str) can read. */
  readonly userMemory?: readonly VmMemory[];
  /** Maps, found by name (Insn.map) or else by fd (the ld_imm64 value). */
  readonly maps?: readonly VmMap[];
};

export type RunOptions = { readonly fuel?: number; readonly env?: VmEnv };
export type RunResult =
  | { ok: true; r0: bigint; steps: number; printk: string[] }
  | { ok: false; error: string; pc: number; steps: number };

/** A program decoded into typed arrays, indexed by slot; reusable across runs. */
export type Prepared = {
  readonly kind: 'prepared';
  readonly n: number;
  readonly code: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int32Array;
  readonly imm: Int32Array;
  /** ld_imm64 high halves. */
  readonly immHi: Int32Array;
  /** ld_imm64 map names by slot. */
  readonly mapNames: ReadonlyMap<number, string>;
};

/** Decodes (and, when labels are present, assembles) a program for run(). */
export function prepare(insns: readonly Insn[]): { ok: true; prog: Prepared } | { ok: false; error: string } {
  let list: readonly Insn[] = insns;
  if (insns.some((i) => i.target !== undefined)) {
    const a = assemble(insns);
    if (!a.ok) return { ok: false, error: a.errors.map((e) => `insn ${e.index}: ${e.message}`).join('; ') };
    list = a.insns;
  }
  let n = 0;
  for (const i of list) n += i.code === OPCODE.ldImm64 && i.imm64 !== undefined ? 2 : 1;
  const prog = {
    kind: 'prepared' as const,
    n,
    code: new Uint8Array(n),
    dst: new Uint8Array(n),
    src: new Uint8Array(n),
    off: new Int32Array(n),
    imm: new Int32Array(n),
    immHi: new Int32Array(n),
    mapNames: new Map<number, string>(),
  };
  let s = 0;
  for (const i of list) {
    prog.code[s] = i.code;
    prog.dst[s] = i.dst;
    prog.src[s] = i.src;
    prog.off[s] = i.off;
    prog.imm[s] = i.imm;
    if (i.code === OPCODE.ldImm64 && i.imm64 !== undefined) {
      const v = BigInt.asUintN(64, i.imm64);
      prog.imm[s] = Number(BigInt.asIntN(32, v));
      prog.immHi[s] = Number(BigInt.asIntN(32, v >> 32n));
      if (i.map !== undefined) prog.mapNames.set(s, i.map);
      prog.code[s + 1] = 0xff; // never executed: the second half of ld_imm64
      s += 2;
    } else {
      s += 1;
    }
  }
  return { ok: true, prog };
}

const REGION_TAG = 0xffff8800 | 0;
const MAP_TAG = 0xffff9000 | 0;
const MAX_REGIONS = 0x800;
const BASE = 0x10000000;
const STACK_SIZE = 512;
const MAX_FRAMES = 8;
const R_CTX = 0;
const R_PKT = 1;

const F_READ = 1;
const F_WRITE = 2;
const F_CTX = 4;

const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

class VmError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** Runs a program on one input. See the module header for the semantics. */
export function run(program: readonly Insn[] | Prepared, input: VmInput, opts: RunOptions = {}): RunResult {
  let prog: Prepared;
  if ('kind' in program && program.kind === 'prepared') prog = program;
  else {
    const p = prepare(program as readonly Insn[]);
    if (!p.ok) return { ok: false, error: p.error, pc: 0, steps: 0 };
    prog = p.prog;
  }
  try {
    return execute(prog, input, opts);
  } catch (e) {
    // Only a defect of the VM gets here (VmError is caught inside); still an error value, never a throw.
    return {
      ok: false,
      error: `internal error: ${e instanceof Error ? e.message : String(e)}`,
      pc: -1,
      steps: 0,
    };
  }
}

function execute(prog: Prepared, input: VmInput, opts: RunOptions): RunResult {
  const env: VmEnv = opts.env ?? {};
  const maps: readonly VmMap[] = env.maps ?? [];
  const fuel = opts.fuel ?? 1_000_000;
  const printk: string[] = [];

  // --- memory regions ---
  const mem: Uint8Array[] = [];
  const view: DataView[] = [];
  const flags: number[] = [];
  const addRegion = (bytes: Uint8Array, f: number): number => {
    if (mem.length >= MAX_REGIONS) throw new VmError('too many memory regions');
    mem.push(bytes);
    view.push(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    flags.push(f);
    return mem.length - 1;
  };
  let ctxKind = input.kind;
  let packet: Uint8Array = new Uint8Array(0);
  let ctxMinRead = 0;
  if (input.kind === 'skb') {
    packet = Uint8Array.from(input.packet);
    addRegion(skbCtxBytes(input), F_READ | F_WRITE | F_CTX);
    addRegion(packet, F_READ | F_WRITE);
  } else if (input.kind === 'xdp') {
    packet = Uint8Array.from(input.packet);
    addRegion(xdpCtxBytes(input), F_READ | F_CTX);
    addRegion(packet, F_READ | F_WRITE);
  } else if (input.kind === 'tracepoint') {
    addRegion(Uint8Array.from(input.record), F_READ | F_CTX);
    addRegion(new Uint8Array(0), 0);
    ctxMinRead = 8;
  } else {
    addRegion(Uint8Array.from(input.ctx), F_READ | F_CTX);
    addRegion(new Uint8Array(0), 0);
    ctxKind = 'raw';
  }
  const valueRegions = new Map<Uint8Array, number>();
  const regionOf = (bytes: Uint8Array): number => {
    let k = valueRegions.get(bytes);
    if (k === undefined) {
      k = addRegion(bytes, F_READ | F_WRITE);
      valueRegions.set(bytes, k);
    }
    return k;
  };

  // --- registers and frames ---
  const lo = new Int32Array(11);
  const hi = new Int32Array(11);
  const frameSaves: number[] = []; // per frame: returnPc, r6..r10 lo/hi
  let depth = 0;
  const stackRegion = (): number => addRegion(new Uint8Array(STACK_SIZE), F_READ | F_WRITE);
  const setPtr = (r: number, region: number, off: number): void => {
    lo[r] = (BASE + off) | 0;
    hi[r] = (REGION_TAG + region) | 0;
  };
  setPtr(1, R_CTX, 0);
  setPtr(10, stackRegion(), STACK_SIZE);

  // --- memory access (sets `at` to the region; returns the offset or -1) ---
  let at = 0;
  const resolve = (alo: number, ahi: number, n: number): number => {
    const k = (ahi - REGION_TAG) | 0;
    if (k < 0 || k >= mem.length) return -1;
    const o = alo - BASE;
    if (o < 0 || o + n > mem[k]!.length) return -1;
    at = k;
    return o;
  };
  const pointerField = (o: number): number => {
    if (ctxKind === 'skb') {
      if (o === SKB.data) return 0;
      if (o === SKB.data_end) return packet.length;
      if (o === SKB.data_meta) return 0;
      return -1;
    }
    if (ctxKind === 'xdp') {
      if (o === XDP.data || o === XDP.data_meta) return 0;
      if (o === XDP.data_end) return packet.length;
    }
    return -1;
  };
  // Load n bytes at (alo, ahi); result in lo/hi of register `rd` (zero- or sign-extended).
  const load = (rd: number, alo: number, ahi: number, n: number, signed: boolean): void => {
    const o = resolve(alo, ahi, n);
    if (o < 0 || (flags[at]! & F_READ) === 0)
      throw new VmError(`invalid read of ${n} bytes at ${hex64(alo, ahi)}`);
    if ((flags[at]! & F_CTX) !== 0) {
      if (o < ctxMinRead)
        throw new VmError(`invalid ctx read at offset ${o} (bytes 0..${ctxMinRead - 1} unreadable)`);
      if (o % n !== 0) throw new VmError(`misaligned ctx read at offset ${o}`);
      const pf = pointerField(o);
      if (pf >= 0) {
        if (n !== 4) throw new VmError(`narrow read of ctx pointer field at offset ${o}`);
        setPtr(rd, R_PKT, pf);
        return;
      }
    }
    const v = view[at]!;
    switch (n) {
      case 1:
        lo[rd] = signed ? v.getInt8(o) : v.getUint8(o);
        break;
      case 2:
        lo[rd] = signed ? v.getInt16(o, true) : v.getUint16(o, true);
        break;
      case 4:
        lo[rd] = v.getInt32(o, true);
        hi[rd] = signed ? lo[rd]! >> 31 : 0;
        return;
      default:
        lo[rd] = v.getInt32(o, true);
        hi[rd] = v.getInt32(o + 4, true);
        return;
    }
    hi[rd] = signed ? lo[rd]! >> 31 : 0;
  };
  const store = (alo: number, ahi: number, n: number, vlo: number, vhi: number): void => {
    const o = resolve(alo, ahi, n);
    if (o < 0 || (flags[at]! & F_WRITE) === 0)
      throw new VmError(`invalid write of ${n} bytes at ${hex64(alo, ahi)}`);
    if ((flags[at]! & F_CTX) !== 0) {
      if (!SKB_WRITABLE.some(([f, len]) => o >= f && o + n <= f + len)) {
        throw new VmError(`invalid ctx write at offset ${o}`);
      }
    }
    const v = view[at]!;
    switch (n) {
      case 1:
        v.setUint8(o, vlo & 0xff);
        break;
      case 2:
        v.setUint16(o, vlo & 0xffff, true);
        break;
      case 4:
        v.setInt32(o, vlo, true);
        break;
      default:
        v.setInt32(o, vlo, true);
        v.setInt32(o + 4, vhi, true);
    }
  };
  /** Bytes of [p, p+n) from a VM region, or undefined. */
  const bytesAt = (alo: number, ahi: number, n: number): Uint8Array | undefined => {
    if (n < 0) return undefined;
    const o = resolve(alo, ahi, n);
    if (o < 0 || (flags[at]! & F_READ) === 0) return undefined;
    return mem[at]!.subarray(o, o + n);
  };
  const writable = (alo: number, ahi: number, n: number): Uint8Array | undefined => {
    const o = resolve(alo, ahi, n);
    if (o < 0 || (flags[at]! & F_WRITE) === 0 || (flags[at]! & F_CTX) !== 0) return undefined;
    return mem[at]!.subarray(o, o + n);
  };
  const mapOf = (r: number): VmMap => {
    const k = (hi[r]! - MAP_TAG) | 0;
    const m = lo[r] === BASE && k >= 0 ? maps[k] : undefined;
    if (m === undefined) throw new VmError(`r${r} is not a map pointer`);
    return m;
  };
  const probeRead = (
    space: readonly VmMemory[] | undefined,
    alo: number,
    ahi: number,
    n: number,
    vm: boolean,
  ) => {
    if (vm) {
      const b = bytesAt(alo, ahi, n);
      if (b !== undefined) return b;
    }
    const a = big(alo, ahi);
    for (const m of space ?? []) {
      if (a >= m.addr && a + BigInt(n) <= m.addr + BigInt(m.bytes.length)) {
        const o = Number(a - m.addr);
        return m.bytes.subarray(o, o + n);
      }
    }
    return undefined;
  };
  /** Reads a NUL-terminated string of at most max bytes (without the NUL), or undefined on a fault. */
  const probeStr = (
    space: readonly VmMemory[] | undefined,
    alo: number,
    ahi: number,
    max: number,
    vm: boolean,
  ) => {
    const out: number[] = [];
    let plo = alo;
    let phi = ahi;
    while (out.length < max) {
      const b = probeRead(space, plo, phi, 1, vm);
      if (b === undefined) return out.length === 0 ? undefined : out;
      if (b[0] === 0) return out;
      out.push(b[0]!);
      const s = (plo >>> 0) + 1;
      plo = s | 0;
      if (s > 0xffffffff) phi = (phi + 1) | 0;
    }
    return out;
  };
  const setR0 = (v: number | bigint): void => {
    const b = BigInt.asUintN(64, BigInt(v));
    lo[0] = Number(BigInt.asIntN(32, b));
    hi[0] = Number(BigInt.asIntN(32, b >> 32n));
  };

  const helper = (id: number): void => {
    switch (id) {
      case 1: {
        const m = mapOf(1);
        const key = bytesAt(lo[2]!, hi[2]!, m.keySize);
        if (key === undefined) throw new VmError('map key is not readable');
        const value = mapLookup(m, key);
        if (value === undefined) setR0(0);
        else setPtr(0, regionOf(value), 0);
        return;
      }
      case 2: {
        const m = mapOf(1);
        const key = bytesAt(lo[2]!, hi[2]!, m.keySize);
        const value = bytesAt(lo[3]!, hi[3]!, m.valueSize);
        if (key === undefined || value === undefined) throw new VmError('map key or value is not readable');
        setR0(mapUpdate(m, Uint8Array.from(key), Uint8Array.from(value), lo[4]! >>> 0));
        return;
      }
      case 3: {
        const m = mapOf(1);
        const key = bytesAt(lo[2]!, hi[2]!, m.keySize);
        if (key === undefined) throw new VmError('map key is not readable');
        setR0(mapDelete(m, Uint8Array.from(key)));
        return;
      }
      case 4:
      case 112:
      case 113: {
        const n = lo[2]! >>> 0;
        const dst = writable(lo[1]!, hi[1]!, n);
        if (dst === undefined) throw new VmError('probe_read destination is not writable');
        const src = probeRead(id === 112 ? env.userMemory : env.kernelMemory, lo[3]!, hi[3]!, n, id !== 112);
        if (src === undefined) {
          dst.fill(0);
          setR0(-ERRNO.EFAULT);
        } else {
          dst.set(src);
          setR0(0);
        }
        return;
      }
      case 45:
      case 114:
      case 115: {
        const n = lo[2]! >>> 0;
        const dst = writable(lo[1]!, hi[1]!, n);
        if (dst === undefined) throw new VmError('probe_read_str destination is not writable');
        if (n === 0) {
          setR0(0);
          return;
        }
        const s = probeStr(id === 114 ? env.userMemory : env.kernelMemory, lo[3]!, hi[3]!, n - 1, id !== 114);
        if (s === undefined) {
          dst.fill(0);
          setR0(-ERRNO.EFAULT);
        } else {
          dst.set(s);
          dst[s.length] = 0;
          setR0(s.length + 1);
        }
        return;
      }
      case 5:
        setR0(env.ktimeNs ?? 0n);
        return;
      case 6:
        setR0(tracePrintk());
        return;
      case 7:
        setR0((env.prandom ?? 0) >>> 0);
        return;
      case 8:
        setR0(env.cpu ?? 0);
        return;
      case 14:
        setR0((BigInt((env.tgid ?? 0) >>> 0) << 32n) | BigInt((env.pid ?? 0) >>> 0));
        return;
      case 16: {
        const n = lo[2]! >>> 0;
        const dst = writable(lo[1]!, hi[1]!, n);
        if (dst === undefined) throw new VmError('get_current_comm buffer is not writable');
        dst.fill(0);
        const comm = new TextEncoder().encode(env.comm ?? '').subarray(0, 15);
        if (n > 0) dst.set(comm.subarray(0, n - 1));
        setR0(0);
        return;
      }
      case 26: {
        if (ctxKind !== 'skb' || lo[1] !== BASE || hi[1] !== ((REGION_TAG + R_CTX) | 0)) {
          throw new VmError('skb_load_bytes needs the skb ctx in r1');
        }
        const off = lo[2]! >>> 0;
        const n = lo[4]! >>> 0;
        const dst = writable(lo[3]!, hi[3]!, n);
        if (dst === undefined || n === 0) throw new VmError('skb_load_bytes destination is not writable');
        if (off > 0x7fffffff || off + n > packet.length) {
          dst.fill(0);
          setR0(-ERRNO.EFAULT);
        } else {
          dst.set(packet.subarray(off, off + n));
          setR0(0);
        }
        return;
      }
      default:
        throw new VmError(`unsupported helper #${id}`);
    }
  };

  const tracePrintk = (): number => {
    const size = lo[2]! >>> 0;
    const fmtBytes = bytesAt(lo[1]!, hi[1]!, size);
    if (fmtBytes === undefined) throw new VmError('trace_printk format is not readable');
    let end = fmtBytes.indexOf(0);
    if (end < 0) throw new VmError('trace_printk format is not NUL-terminated');
    if (end > size) end = size;
    const fmt = String.fromCharCode(...fmtBytes.subarray(0, end));
    let arg = 3;
    let out = '';
    for (let i = 0; i < fmt.length; i++) {
      const c = fmt[i]!;
      if (c !== '%') {
        out += c;
        continue;
      }
      let j = i + 1;
      if (fmt[j] === '%') {
        out += '%';
        i = j;
        continue;
      }
      let longs = 0;
      while (fmt[j] === 'l') {
        longs++;
        j++;
      }
      const conv = fmt[j];
      if (arg > 5) throw new VmError('trace_printk takes at most 3 arguments');
      const alo = lo[arg]!;
      const ahi = hi[arg]!;
      arg++;
      const v64 = big(alo, ahi);
      switch (conv) {
        case 'd':
        case 'i':
          out += longs > 0 ? BigInt.asIntN(64, v64).toString() : String(alo | 0);
          break;
        case 'u':
          out += longs > 0 ? v64.toString() : String(alo >>> 0);
          break;
        case 'x':
          out += longs > 0 ? v64.toString(16) : (alo >>> 0).toString(16);
          break;
        case 'c':
          out += String.fromCharCode(alo & 0xff);
          break;
        case 'p':
          out += `0x${v64.toString(16)}`;
          break;
        case 's': {
          const s = probeStr(env.kernelMemory, alo, ahi, 4096, true);
          out += s === undefined ? '(efault)' : String.fromCharCode(...s);
          break;
        }
        default:
          throw new VmError(`trace_printk: unsupported conversion '%${'l'.repeat(longs)}${conv ?? ''}'`);
      }
      i = j;
    }
    printk.push(out);
    return out.length;
  };

  // --- the interpreter loop ---
  const { code, dst, src, off, imm, immHi, n } = prog;
  let pc = 0;
  let steps = 0;
  try {
    for (;;) {
      if (pc < 0 || pc >= n) throw new VmError(`jump out of the program (slot ${pc})`);
      if (steps >= fuel) throw new VmError(`fuel exhausted after ${steps} instructions`);
      steps++;
      const c = code[pc]!;
      const d = dst[pc]!;
      const cls = c & 7;
      if (cls === 7 || cls === 4) {
        // ALU64 / ALU
        if (d === 10 || d > 10) throw new VmError(d === 10 ? 'r10 is read only' : `bad register r${d}`);
        let blo: number;
        let bhi: number;
        if ((c & 8) !== 0) {
          const s = src[pc]!;
          if (s > 10) throw new VmError(`bad register r${s}`);
          blo = lo[s]!;
          bhi = hi[s]!;
        } else {
          blo = imm[pc]!;
          bhi = blo >> 31;
        }
        if (cls === 7) alu64(lo, hi, c & 0xf0, d, blo, bhi, off[pc]!, imm[pc]!);
        else alu32(lo, hi, c & 0xf0, d, blo, off[pc]!, imm[pc]!, (c & 8) !== 0);
        pc++;
        continue;
      }
      if (cls === 5 || cls === 6) {
        const op = c & 0xf0;
        if (op === 0x90) {
          // exit
          if (c !== OPCODE.exit) throw new VmError(`invalid opcode 0x${c.toString(16)}`);
          if (depth === 0) return { ok: true, r0: big(lo[0]!, hi[0]!), steps, printk };
          depth--;
          const b = frameSaves.length - 11;
          pc = frameSaves[b]!;
          for (let r = 6; r <= 10; r++) {
            lo[r] = frameSaves[b + 1 + (r - 6) * 2]!;
            hi[r] = frameSaves[b + 2 + (r - 6) * 2]!;
          }
          frameSaves.length = b;
          continue;
        }
        if (op === 0x80) {
          if (c !== OPCODE.call) throw new VmError(`invalid opcode 0x${c.toString(16)}`);
          const s = src[pc]!;
          if (s === PSEUDO_CALL.call) {
            if (depth + 1 >= MAX_FRAMES) throw new VmError('call stack too deep');
            frameSaves.push(pc + 1);
            for (let r = 6; r <= 10; r++) frameSaves.push(lo[r]!, hi[r]!);
            depth++;
            setPtr(10, stackRegion(), STACK_SIZE);
            pc = pc + imm[pc]! + 1;
            continue;
          }
          if (s !== PSEUDO_CALL.helper) throw new VmError('kfunc calls are not supported');
          helper(imm[pc]!);
          pc++;
          continue;
        }
        if (op === 0x00) {
          // ja / gotol
          if (c === OPCODE.ja) pc += off[pc]! + 1;
          else if (c === OPCODE.gotol) pc += imm[pc]! + 1;
          else throw new VmError(`invalid opcode 0x${c.toString(16)}`);
          continue;
        }
        if (op === 0xe0) {
          if (c !== OPCODE.mayGoto) throw new VmError(`invalid opcode 0x${c.toString(16)}`);
          pc++; // may_goto: the VM's loop budget is its fuel, so the branch is never taken
          continue;
        }
        if (d > 10) throw new VmError(`bad register r${d}`);
        const alo = lo[d]!;
        let ahi = hi[d]!;
        let blo: number;
        let bhi: number;
        if ((c & 8) !== 0) {
          const s = src[pc]!;
          if (s > 10) throw new VmError(`bad register r${s}`);
          blo = lo[s]!;
          bhi = hi[s]!;
        } else {
          blo = imm[pc]!;
          bhi = blo >> 31;
        }
        if (cls === 6) {
          // JMP32: compare the low halves; signed compares use the high half of a sign-extended value.
          ahi = alo >> 31;
          bhi = blo >> 31;
          if (op === 0x20 || op === 0x30 || op === 0xa0 || op === 0xb0) {
            ahi = 0;
            bhi = 0;
          }
          if (op === 0x10 || op === 0x50 || op === 0x40) {
            ahi = 0;
            bhi = 0;
          }
        }
        let take: boolean;
        switch (op) {
          case 0x10:
            take = alo === blo && ahi === bhi;
            break;
          case 0x50:
            take = alo !== blo || ahi !== bhi;
            break;
          case 0x40:
            take = (alo & blo) !== 0 || (ahi & bhi) !== 0;
            break;
          case 0x20:
            take = ugt(alo, ahi, blo, bhi);
            break;
          case 0x30:
            take = !ugt(blo, bhi, alo, ahi);
            break;
          case 0xa0:
            take = ugt(blo, bhi, alo, ahi);
            break;
          case 0xb0:
            take = !ugt(alo, ahi, blo, bhi);
            break;
          case 0x60:
            take = sgt(alo, ahi, blo, bhi);
            break;
          case 0x70:
            take = !sgt(blo, bhi, alo, ahi);
            break;
          case 0xc0:
            take = sgt(blo, bhi, alo, ahi);
            break;
          case 0xd0:
            take = !sgt(alo, ahi, blo, bhi);
            break;
          default:
            throw new VmError(`invalid opcode 0x${c.toString(16)}`);
        }
        pc += take ? off[pc]! + 1 : 1;
        continue;
      }
      if (cls === 1) {
        // LDX
        const mode = c & 0xe0;
        const s = src[pc]!;
        if (d >= 10 || s > 10) throw new VmError(d === 10 ? 'r10 is read only' : 'bad register');
        const nbytes = SIZES[(c >> 3) & 3]!;
        if (mode !== 0x60 && !(mode === 0x80 && nbytes !== 8))
          throw new VmError(`invalid opcode 0x${c.toString(16)}`);
        const a = lo[s]! + off[pc]!;
        load(d, a, hi[s]!, nbytes, mode === 0x80);
        pc++;
        continue;
      }
      if (cls === 3 || cls === 2) {
        const mode = c & 0xe0;
        const nbytes = SIZES[(c >> 3) & 3]!;
        if (d > 10) throw new VmError(`bad register r${d}`);
        const a = lo[d]! + off[pc]!;
        if (mode === 0x60) {
          if (cls === 3) {
            const s = src[pc]!;
            if (s > 10) throw new VmError(`bad register r${s}`);
            store(a, hi[d]!, nbytes, lo[s]!, hi[s]!);
          } else {
            store(a, hi[d]!, nbytes, imm[pc]!, imm[pc]! >> 31);
          }
          pc++;
          continue;
        }
        if (cls === 3 && mode === 0xc0 && imm[pc] === 0x100) {
          // load_acquire: dst = *(size *)(src + off)
          const s = src[pc]!;
          if (d >= 10 || s > 10) throw new VmError(d === 10 ? 'r10 is read only' : 'bad register');
          load(d, lo[s]! + off[pc]!, hi[s]!, nbytes, false);
          pc++;
          continue;
        }
        if (cls === 3 && mode === 0xc0) {
          atomicOp(d, src[pc]!, a, imm[pc]!, nbytes);
          pc++;
          continue;
        }
        throw new VmError(`invalid opcode 0x${c.toString(16)}`);
      }
      // LD
      if (c === OPCODE.ldImm64) {
        if (d >= 10) throw new VmError(d === 10 ? 'r10 is read only' : `bad register r${d}`);
        const s = src[pc]!;
        if (s === PSEUDO_LD.imm64) {
          lo[d] = imm[pc]!;
          hi[d] = immHi[pc]!;
        } else if (s === PSEUDO_LD.mapFd || s === PSEUDO_LD.mapValue) {
          const name = prog.mapNames.get(pc);
          const k =
            name !== undefined
              ? maps.findIndex((m) => m.name === name)
              : maps.findIndex((m) => m.fd === imm[pc]);
          if (k < 0) throw new VmError(`unknown map ${name ?? `fd ${imm[pc]}`}`);
          if (s === PSEUDO_LD.mapFd) {
            lo[d] = BASE;
            hi[d] = (MAP_TAG + k) | 0;
          } else {
            const m = maps[k]!;
            const key = new Uint8Array(m.keySize);
            const v = m.type === 'array' ? mapLookup(m, key) : undefined;
            const o = immHi[pc]! >>> 0;
            if (v === undefined || o >= v.length) throw new VmError('map value reference needs an array map');
            setPtr(d, regionOf(v), o);
          }
        } else {
          throw new VmError(`ld_imm64 pseudo source ${s} is not supported`);
        }
        pc += 2;
        continue;
      }
      const mode = c & 0xe0;
      if (cls === 0 && (mode === 0x20 || mode === 0x40) && (c & 0x18) !== 0x18) {
        if (ctxKind !== 'skb') throw new VmError('LD_ABS/LD_IND need an skb context');
        const nbytes = SIZES[(c >> 3) & 3]!;
        let o = imm[pc]!;
        if (mode === 0x40) {
          const s = src[pc]!;
          if (s > 10) throw new VmError(`bad register r${s}`);
          o = (lo[s]! + o) | 0;
        }
        if (o < 0 || o + nbytes > packet.length) {
          lo[0] = 0;
          hi[0] = 0;
          if (depth === 0) return { ok: true, r0: 0n, steps, printk };
          throw new VmError('LD_ABS out of bounds inside a subprogram');
        }
        let v = 0;
        for (let i = 0; i < nbytes; i++) v = v * 256 + packet[o + i]!;
        lo[0] = v | 0;
        hi[0] = 0;
        pc++;
        continue;
      }
      throw new VmError(`invalid opcode 0x${c.toString(16)}`);
    }
  } catch (e) {
    if (e instanceof VmError) return { ok: false, error: e.message, pc, steps };
    throw e;
  }

  function atomicOp(d: number, s: number, a: number, op: number, nbytes: number): void {
    if (s > 10) throw new VmError(`bad register r${s}`);
    if (op === 0x110) {
      store(a, hi[d]!, nbytes, lo[s]!, hi[s]!);
      return;
    }
    if (nbytes !== 4 && nbytes !== 8) throw new VmError(`invalid atomic size ${nbytes}`);
    const o = resolve(a, hi[d]!, nbytes);
    if (o < 0 || (flags[at]! & F_WRITE) === 0 || (flags[at]! & F_CTX) !== 0) {
      throw new VmError(`invalid atomic access of ${nbytes} bytes at ${hex64(a, hi[d]!)}`);
    }
    const v = view[at]!;
    const oldLo = v.getInt32(o, true);
    const oldHi = nbytes === 8 ? v.getInt32(o + 4, true) : 0;
    const base = op & ~1;
    const fetch = (op & 1) === 1;
    let nlo: number;
    let nhi: number;
    const slo = lo[s]!;
    const shi = nbytes === 8 ? hi[s]! : 0;
    if (op === 0xe1) {
      nlo = slo;
      nhi = shi;
    } else if (op === 0xf1) {
      const r0lo = lo[0]!;
      const r0hi = nbytes === 8 ? hi[0]! : 0;
      const eq = r0lo === oldLo && r0hi === oldHi;
      lo[0] = oldLo;
      hi[0] = oldHi;
      if (eq) {
        v.setInt32(o, slo, true);
        if (nbytes === 8) v.setInt32(o + 4, shi, true);
      }
      return;
    } else if (base === 0x00) {
      const sum = (oldLo >>> 0) + (slo >>> 0);
      nlo = sum | 0;
      nhi = (oldHi + shi + (sum > 0xffffffff ? 1 : 0)) | 0;
    } else if (base === 0x40) {
      nlo = oldLo | slo;
      nhi = oldHi | shi;
    } else if (base === 0x50) {
      nlo = oldLo & slo;
      nhi = oldHi & shi;
    } else if (base === 0xa0) {
      nlo = oldLo ^ slo;
      nhi = oldHi ^ shi;
    } else throw new VmError(`invalid atomic operation 0x${op.toString(16)}`);
    v.setInt32(o, nlo, true);
    if (nbytes === 8) v.setInt32(o + 4, nhi, true);
    if (fetch || op === 0xe1) {
      lo[s] = oldLo;
      hi[s] = oldHi;
    }
  }
}

function alu64(
  lo: Int32Array,
  hi: Int32Array,
  op: number,
  d: number,
  blo: number,
  bhi: number,
  o: number,
  immv: number,
): void {
  const alo = lo[d]!;
  const ahi = hi[d]!;
  switch (op) {
    case 0x00: {
      const s = (alo >>> 0) + (blo >>> 0);
      lo[d] = s | 0;
      hi[d] = (ahi + bhi + (s > 0xffffffff ? 1 : 0)) | 0;
      return;
    }
    case 0x10: {
      const s = (alo >>> 0) - (blo >>> 0);
      lo[d] = s | 0;
      hi[d] = (ahi - bhi - (s < 0 ? 1 : 0)) | 0;
      return;
    }
    case 0x20:
      set64(lo, hi, d, BigInt.asUintN(64, big(alo, ahi) * big(blo, bhi)));
      return;
    case 0x30:
    case 0x90: {
      const a = big(alo, ahi);
      const b = big(blo, bhi);
      if (o === 1) {
        const sa = BigInt.asIntN(64, a);
        const sb = BigInt.asIntN(64, b);
        if (sb === 0n) set64(lo, hi, d, op === 0x30 ? 0n : a);
        else if (sb === -1n) set64(lo, hi, d, op === 0x30 ? BigInt.asUintN(64, -sa) : 0n);
        else set64(lo, hi, d, BigInt.asUintN(64, op === 0x30 ? sa / sb : sa % sb));
      } else if (o === 0) {
        if (b === 0n) set64(lo, hi, d, op === 0x30 ? 0n : a);
        else set64(lo, hi, d, op === 0x30 ? a / b : a % b);
      } else throw new VmError(`invalid offset ${o} for div/mod`);
      return;
    }
    case 0x40:
      lo[d] = alo | blo;
      hi[d] = ahi | bhi;
      return;
    case 0x50:
      lo[d] = alo & blo;
      hi[d] = ahi & bhi;
      return;
    case 0xa0:
      lo[d] = alo ^ blo;
      hi[d] = ahi ^ bhi;
      return;
    case 0x60: {
      const sh = blo & 63;
      if (sh === 0) return;
      if (sh < 32) {
        hi[d] = (ahi << sh) | (alo >>> (32 - sh));
        lo[d] = alo << sh;
      } else {
        hi[d] = alo << (sh - 32);
        lo[d] = 0;
      }
      return;
    }
    case 0x70: {
      const sh = blo & 63;
      if (sh === 0) return;
      if (sh < 32) {
        lo[d] = (alo >>> sh) | (ahi << (32 - sh));
        hi[d] = ahi >>> sh;
      } else {
        lo[d] = ahi >>> (sh - 32);
        hi[d] = 0;
      }
      return;
    }
    case 0xc0: {
      const sh = blo & 63;
      if (sh === 0) return;
      if (sh < 32) {
        lo[d] = (alo >>> sh) | (ahi << (32 - sh));
        hi[d] = ahi >> sh;
      } else {
        lo[d] = ahi >> (sh - 32);
        hi[d] = ahi >> 31;
      }
      return;
    }
    case 0x80: {
      const s = 0 - (alo >>> 0);
      lo[d] = s | 0;
      hi[d] = (0 - ahi - (s < 0 ? 1 : 0)) | 0;
      return;
    }
    case 0xb0:
      if (o === 0) {
        lo[d] = blo;
        hi[d] = bhi;
      } else if (o === 8) {
        lo[d] = (blo << 24) >> 24;
        hi[d] = lo[d]! >> 31;
      } else if (o === 16) {
        lo[d] = (blo << 16) >> 16;
        hi[d] = lo[d]! >> 31;
      } else if (o === 32) {
        lo[d] = blo;
        hi[d] = blo >> 31;
      } else throw new VmError(`invalid offset ${o} for mov`);
      return;
    case 0xd0:
      // bswap (ALU64 class, ISA v4)
      swap(lo, hi, d, immv, true);
      return;
    default:
      throw new VmError(`invalid ALU64 operation 0x${op.toString(16)}`);
  }
}

function alu32(
  lo: Int32Array,
  hi: Int32Array,
  op: number,
  d: number,
  b: number,
  o: number,
  immv: number,
  isReg: boolean,
): void {
  const a = lo[d]!;
  let r: number;
  switch (op) {
    case 0x00:
      r = a + b;
      break;
    case 0x10:
      r = a - b;
      break;
    case 0x20:
      r = Math.imul(a, b);
      break;
    case 0x30:
    case 0x90:
      if (o === 1) {
        if (b === 0) r = op === 0x30 ? 0 : a;
        else if (b === -1) r = op === 0x30 ? -a : 0;
        else r = op === 0x30 ? Math.trunc(a / b) : a % b;
      } else if (o === 0) {
        const ua = a >>> 0;
        const ub = b >>> 0;
        if (ub === 0) r = op === 0x30 ? 0 : a;
        else r = op === 0x30 ? Math.floor(ua / ub) : ua % ub;
      } else throw new VmError(`invalid offset ${o} for div/mod`);
      break;
    case 0x40:
      r = a | b;
      break;
    case 0x50:
      r = a & b;
      break;
    case 0xa0:
      r = a ^ b;
      break;
    case 0x60:
      r = a << (b & 31);
      break;
    case 0x70:
      r = a >>> (b & 31);
      break;
    case 0xc0:
      r = a >> (b & 31);
      break;
    case 0x80:
      r = -a;
      break;
    case 0xb0:
      if (o === 0) r = b;
      else if (o === 8) r = (b << 24) >> 24;
      else if (o === 16) r = (b << 16) >> 16;
      else throw new VmError(`invalid offset ${o} for mov32`);
      break;
    case 0xd0:
      // to_be (source bit X) swaps, to_le truncates on a little-endian machine
      swap(lo, hi, d, immv, isReg);
      return;
    default:
      throw new VmError(`invalid ALU operation 0x${op.toString(16)}`);
  }
  lo[d] = r | 0;
  hi[d] = 0;
}

function swap(lo: Int32Array, hi: Int32Array, d: number, bits: number, doSwap: boolean): void {
  const a = lo[d]!;
  if (bits === 16) {
    lo[d] = doSwap ? ((a & 0xff) << 8) | ((a >>> 8) & 0xff) : a & 0xffff;
    hi[d] = 0;
  } else if (bits === 32) {
    lo[d] = doSwap ? bswap32(a) : a;
    hi[d] = 0;
  } else if (bits === 64) {
    if (doSwap) {
      const h = hi[d]!;
      lo[d] = bswap32(h);
      hi[d] = bswap32(a);
    }
  } else throw new VmError(`invalid byte swap width ${bits}`);
}

function set64(lo: Int32Array, hi: Int32Array, d: number, v: bigint): void {
  lo[d] = Number(BigInt.asIntN(32, v));
  hi[d] = Number(BigInt.asIntN(32, v >> 32n));
}

const SIZES = [4, 2, 1, 8] as const;

function ugt(alo: number, ahi: number, blo: number, bhi: number): boolean {
  const ah = ahi >>> 0;
  const bh = bhi >>> 0;
  return ah > bh || (ah === bh && alo >>> 0 > blo >>> 0);
}
function sgt(alo: number, ahi: number, blo: number, bhi: number): boolean {
  return ahi > bhi || (ahi === bhi && alo >>> 0 > blo >>> 0);
}
function bswap32(a: number): number {
  return ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | ((a >>> 24) & 0xff);
}
function hex64(lo: number, hi: number): string {
  return `0x${big(lo, hi).toString(16)}`;
}
