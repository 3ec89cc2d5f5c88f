// Deterministic output forms of a ProgramSpec: asm listing, bin (8-byte little-endian slots or
// struct sock_filter), cBPF -d/-dd/-ddd, ELF object (eBPF) and JSON.
// Invariants: pure; same spec → byte-identical output; a form that does not apply to the target is
// a diagnostic value, not an exception.
import { printD, printDd, printDdd } from '@tfc/bpf/cbpf';
import { writeObject } from '@tfc/bpf/elf';
import { emitC } from './c-emit.ts';
import { type EbpfProgram, type ProgramSpec, Unsupported } from './options.ts';

export type EmitForm = 'asm' | 'bin' | 'c' | 'd' | 'dd' | 'ddd' | 'elf' | 'json' | 'maps';
export const EMIT_FORMS: readonly EmitForm[] = ['asm', 'bin', 'c', 'd', 'dd', 'ddd', 'elf', 'json', 'maps'];

export type EmitResult =
  | { readonly ok: true; readonly data: string | Uint8Array }
  | { readonly ok: false; readonly message: string };

export function emitProgram(p: ProgramSpec, form: EmitForm): EmitResult {
  switch (form) {
    case 'asm':
      return { ok: true, data: p.listing };
    case 'bin':
      return { ok: true, data: p.bytes };
    case 'c':
      if (p.target !== 'ebpf') return { ok: false, message: 'the C form is for eBPF programs' };
      return cForm(p);
    case 'd':
    case 'dd':
    case 'ddd':
      if (p.target !== 'cbpf') return { ok: false, message: `-${form} listings are for classic BPF` };
      return {
        ok: true,
        data: form === 'd' ? printD(p.insns) : form === 'dd' ? printDd(p.insns) : printDdd(p.insns),
      };
    case 'elf':
      if (p.target !== 'ebpf') return { ok: false, message: 'ELF objects are for eBPF programs' };
      if (p.capture !== undefined)
        return {
          ok: false,
          message: 'skb-context programs have no ELF form yet (their ring buffer is not declared)',
        };
      return {
        ok: true,
        data: writeObject({
          programs: [{ name: 'tfc_filter', section: p.section, insns: p.insns }],
          license: p.license,
          maps: p.maps.map((m) => ({
            name: m.name,
            type: m.type,
            keySize: m.keySize,
            valueSize: m.valueSize,
            maxEntries: m.maxEntries,
            // Set maps are filled before the object is loaded (the `maps` form) and found by their pinned name.
            ...(m.entries.length > 0 ? { pinByName: true } : {}),
          })),
        }),
      };
    case 'maps':
      if (p.target !== 'ebpf') return { ok: false, message: 'maps are for eBPF programs' };
      return { ok: true, data: bpftoolBatch(p) };
    case 'json':
      return { ok: true, data: `${JSON.stringify(programJson(p), null, 2)}\n` };
  }
}

/** Where the `maps` form pins set maps: libbpf's default pin root, where `bpftool prog load` looks. */
export const PIN_ROOT = '/sys/fs/bpf';

/** A `bpftool batch file` script that creates each set map, fills it and pins it at PIN_ROOT/NAME, so that loading
 *  the ELF object afterwards finds the filled map by name (LIBBPF_PIN_BY_NAME) instead of creating an empty one.
 *  iproute2 (`tc … bpf obj`) looks under /sys/fs/bpf/tc/globals instead: pin the map there too, or load with
 *  bpftool and attach with `tc … bpf da object-pinned`. Maps without entries are created by the loader. */
export function bpftoolBatch(p: EbpfProgram): string {
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  const lines = [
    `# tfc: set maps of ${p.section}; as root, before loading the object: bpftool batch file FILE`,
    `# then: bpftool prog load OBJ /sys/fs/bpf/PROG (finds ${PIN_ROOT}/NAME); for tc ... bpf obj OBJ also`,
    '# mkdir -p /sys/fs/bpf/tc/globals; bpftool map pin pinned /sys/fs/bpf/NAME /sys/fs/bpf/tc/globals/NAME',
  ];
  for (const m of p.maps) {
    if (m.entries.length === 0) continue;
    const pin = `${PIN_ROOT}/${m.name}`;
    lines.push(
      `map create ${pin} type hash key ${m.keySize} value ${m.valueSize} entries ${m.maxEntries} name ${m.name}`,
    );
    for (const e of m.entries)
      lines.push(`map update pinned ${pin} key hex ${hex(e.key)} value hex ${hex(e.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Restricted C for clang (-O2 -target bpf), or why this program has no C form yet. */
export function cForm(p: EbpfProgram): EmitResult {
  if (p.maps.length > 0) return { ok: false, message: 'the C form does not declare maps yet' };
  try {
    return {
      ok: true,
      data: emitC(p.source.dag, {
        ctx: p.source.ctx,
        progType: p.source.progType,
        onMatch: p.onMatch,
        onMiss: p.onMiss,
        section: p.section,
        record: p.source.record,
      }),
    };
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    return { ok: false, message: err.message };
  }
}

/** The spec as JSON-safe data (bytes as hex, instructions in their wire fields). */
export function programJson(p: ProgramSpec): unknown {
  const hex = hexOf(p.bytes);
  if (p.target === 'cbpf')
    return {
      target: 'cbpf',
      onMatch: p.onMatch,
      onMiss: p.onMiss,
      stats: p.stats,
      insns: p.insns,
      bytes: hex,
    };
  return {
    target: 'ebpf',
    progType: p.progTypeName,
    section: p.section,
    license: p.license,
    onMatch: p.onMatch,
    onMiss: p.onMiss,
    stats: p.stats,
    ...(p.attach !== undefined ? { attach: p.attach } : {}),
    ...(p.capture !== undefined ? { capture: p.capture } : {}),
    ...(p.raw !== undefined ? { raw: p.raw } : {}),
    maps: p.maps.map((m) => ({
      name: m.name,
      type: m.type,
      keySize: m.keySize,
      valueSize: m.valueSize,
      maxEntries: m.maxEntries,
      entries: m.entries.map((x) => [hexOf(x.key), hexOf(x.value)]),
    })),
    insns: p.insns.map((i) => ({
      code: i.code,
      dst: i.dst,
      src: i.src,
      off: i.off,
      imm: i.imm,
      ...(i.imm64 !== undefined ? { imm64: i.imm64.toString() } : {}),
      ...(i.map !== undefined ? { map: i.map } : {}),
    })),
    bytes: hex,
  };
}

function hexOf(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
