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
// bounds. bpf_trace_printk output is captured. Environment values (cpu, pid/tgid, uid/gid, comm,
// time, probe-readable memory, maps) come from `env`; maps are caller-owned and mutated in place.
import { assemble } from './assemble.ts';
import type { Insn } from './insn.ts';
import { OPCODE, PSEUDO_CALL, PSEUDO_LD } from './opcode.ts';
import { alu32, alu64, sgt, ugt } from './vm-alu.ts';
import type { VmInput } from './vm-context.ts';
import { helper } from './vm-helpers.ts';
import {
  atomicOp,
  BASE,
  big,
  load,
  MAP_TAG,
  MAX_FRAMES,
  type Machine,
  newMachine,
  regionOf,
  STACK_SIZE,
  setPtr,
  stackRegion,
  store,
  type VmEnv,
  VmError,
} from './vm-machine.ts';
import { mapLookup } from './vm-maps.ts';

export type { VmEnv, VmMemory } from './vm-machine.ts';

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
  const fuel = opts.fuel ?? 1_000_000;
  let m: Machine;
  try {
    m = newMachine(input, opts.env ?? {});
  } catch (e) {
    if (e instanceof VmError) return { ok: false, error: e.message, pc: 0, steps: 0 };
    throw e;
  }
  const { lo, hi } = m;
  const frameSaves: number[] = []; // per frame: returnPc, r6..r10 lo/hi
  let depth = 0;
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
          if (depth === 0) return { ok: true, r0: big(lo[0]!, hi[0]!), steps, printk: m.printk };
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
            setPtr(m, 10, stackRegion(m), STACK_SIZE);
            pc = pc + imm[pc]! + 1;
            continue;
          }
          if (s !== PSEUDO_CALL.helper) throw new VmError('kfunc calls are not supported');
          helper(m, imm[pc]!);
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
        load(m, d, a, hi[s]!, nbytes, mode === 0x80);
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
            store(m, a, hi[d]!, nbytes, lo[s]!, hi[s]!);
          } else {
            store(m, a, hi[d]!, nbytes, imm[pc]!, imm[pc]! >> 31);
          }
          pc++;
          continue;
        }
        if (cls === 3 && mode === 0xc0 && imm[pc] === 0x100) {
          // load_acquire: dst = *(size *)(src + off)
          const s = src[pc]!;
          if (d >= 10 || s > 10) throw new VmError(d === 10 ? 'r10 is read only' : 'bad register');
          load(m, d, lo[s]! + off[pc]!, hi[s]!, nbytes, false);
          pc++;
          continue;
        }
        if (cls === 3 && mode === 0xc0) {
          atomicOp(m, d, src[pc]!, a, imm[pc]!, nbytes);
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
              ? m.maps.findIndex((x) => x.name === name)
              : m.maps.findIndex((x) => x.fd === imm[pc]);
          if (k < 0) throw new VmError(`unknown map ${name ?? `fd ${imm[pc]}`}`);
          if (s === PSEUDO_LD.mapFd) {
            lo[d] = BASE;
            hi[d] = (MAP_TAG + k) | 0;
          } else {
            const mp = m.maps[k]!;
            const key = new Uint8Array(mp.keySize);
            const v = mp.type === 'array' ? mapLookup(mp, key) : undefined;
            const o = immHi[pc]! >>> 0;
            if (v === undefined || o >= v.length) throw new VmError('map value reference needs an array map');
            setPtr(m, d, regionOf(m, v), o);
          }
        } else {
          throw new VmError(`ld_imm64 pseudo source ${s} is not supported`);
        }
        pc += 2;
        continue;
      }
      const mode = c & 0xe0;
      if (cls === 0 && (mode === 0x20 || mode === 0x40) && (c & 0x18) !== 0x18) {
        if (m.ctxKind !== 'skb') throw new VmError('LD_ABS/LD_IND need an skb context');
        const nbytes = SIZES[(c >> 3) & 3]!;
        let o = imm[pc]!;
        if (mode === 0x40) {
          const s = src[pc]!;
          if (s > 10) throw new VmError(`bad register r${s}`);
          o = (lo[s]! + o) | 0;
        }
        if (o < 0 || o + nbytes > m.packet.length) {
          lo[0] = 0;
          hi[0] = 0;
          if (depth === 0) return { ok: true, r0: 0n, steps, printk: m.printk };
          throw new VmError('LD_ABS out of bounds inside a subprogram');
        }
        let v = 0;
        for (let i = 0; i < nbytes; i++) v = v * 256 + m.packet[o + i]!;
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
}

const SIZES = [4, 2, 1, 8] as const;
