// ELF object writer/reader tests (pure): write → read round trip, determinism, header fields
// checked byte by byte against the ELF64 layout, spec errors as values, malformed input never
// throws, and reading an object written by clang (skipped with a reason when clang is missing).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  callLocal,
  disassemble,
  exit,
  jmp,
  ldMapFd,
  ldMapValue,
  mem,
  mov,
  parseAsm,
  R0,
  R1,
  R2,
  run,
  withLabel,
} from '@tfc/bpf/ebpf';
import { buildObject, readObject, writeObject } from '@tfc/bpf/elf';
import fc from 'fast-check';

const filter = [
  mem.ldx('w', R2, R1, 0),
  jmp.jgt.imm(R2, 100, 'big'),
  mov.imm(R0, 0),
  exit(),
  withLabel(mov.imm(R0, 1), 'big'),
  exit(),
];

test('write → read: programs, sections, symbols, license', () => {
  const bytes = writeObject({
    license: 'Dual BSD/GPL',
    programs: [
      { name: 'a', section: 'socket', insns: filter },
      { name: 'b', section: 'tc', insns: [mov.imm(R0, -1), exit()] },
      { name: 'c', section: 'tc', insns: [mov.imm(R0, 2), exit()] },
      { name: 'd', section: 'tracepoint/syscalls/sys_enter_lseek', insns: [mov.imm(R0, 0), exit()] },
    ],
  });
  const r = readObject(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.license, 'Dual BSD/GPL');
  assert.deepEqual(
    r.programs.map((p) => [p.name, p.section, p.insns.length, p.relocations.length]),
    [
      ['a', 'socket', 6, 0],
      ['b', 'tc', 2, 0],
      ['c', 'tc', 2, 0],
      ['d', 'tracepoint/syscalls/sys_enter_lseek', 2, 0],
    ],
  );
  assert.deepEqual(
    r.sections.map((s) => s.name),
    ['', 'socket', 'tc', 'tracepoint/syscalls/sys_enter_lseek', 'license', '.symtab', '.strtab', '.shstrtab'],
  );
  const c = r.symbols.find((s) => s.name === 'c')!;
  assert.deepEqual([c.bind, c.type, c.value, c.size], [1, 2, 16, 16]); // GLOBAL FUNC at byte 16 of 'tc'
  assert.equal(
    disassemble(r.programs[0]!.insns),
    '0: (61) r2 = *(u32 *)(r1 +0)\n1: (25) if r2 > 0x64 goto pc+2\n2: (b7) r0 = 0\n3: (95) exit\n4: (b7) r0 = 1\n5: (95) exit',
  );
  const v = run(r.programs[0]!.insns, { kind: 'skb', packet: new Uint8Array(150) });
  assert.deepEqual(v.ok ? v.r0 : v.error, 1n);
});

test('ELF header fields', () => {
  const bytes = writeObject({
    license: 'GPL',
    programs: [{ name: 'x', section: 'xdp', insns: [mov.imm(R0, 2), exit()] }],
  });
  const v = new DataView(bytes.buffer);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  assert.equal(v.getUint16(16, true), 1); // ET_REL
  assert.equal(v.getUint16(18, true), 247); // EM_BPF
  assert.equal(v.getUint16(52, true), 64);
  assert.equal(v.getUint16(58, true), 64);
  const shoff = Number(v.getBigUint64(40, true));
  assert.equal(shoff % 8, 0);
  assert.equal(shoff + v.getUint16(60, true) * 64, bytes.length);
  // program bytes sit at the first section's offset, 8-aligned
  const off = Number(v.getBigUint64(shoff + 64 + 24, true));
  assert.equal(off % 8, 0);
  assert.deepEqual([...bytes.subarray(off, off + 8)], [0xb7, 0, 0, 0, 2, 0, 0, 0]);
});

test('output is deterministic and readObject inverts writeObject for random programs', () => {
  const asm = fc.constantFrom(
    'r0 = 0',
    'r0 += 5',
    'r1 = 0x123456789',
    'w0 = w1',
    'r0 = *(u8 *)(r1 +3)',
    'r0 = be16 r0',
  );
  fc.assert(
    fc.property(fc.array(fc.array(asm, { maxLength: 8 }), { minLength: 1, maxLength: 4 }), (bodies) => {
      const programs = bodies.map((body, k) => {
        const p = parseAsm([...body, 'exit'].join('\n'));
        assert.ok(p.ok);
        return { name: `p${k}`, section: k % 2 === 0 ? 'socket' : 'xdp', insns: p.insns };
      });
      const a = writeObject({ license: 'GPL', programs });
      assert.deepEqual(writeObject({ license: 'GPL', programs }), a);
      const r = readObject(a);
      assert.ok(r.ok);
      const byName = (x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : 1);
      assert.deepEqual(
        r.programs.map((p) => [p.name, p.section, p.insns]).sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
        programs.sort(byName).map((p) => [p.name, p.section, p.insns]),
      );
    }),
    { numRuns: 200 },
  );
});

test('invalid specs are error values', () => {
  const r = buildObject({
    license: 'GPL',
    programs: [
      { name: 'bad name', section: 'tc', insns: [exit()] },
      { name: 'x', section: 'tc', insns: [jmp.jeq.imm(R1, 0, 'missing'), exit()] },
      { name: 'x', section: 'license', insns: [exit()] },
      { name: 'y', section: 'tc', insns: [] },
    ],
  });
  assert.ok(!r.ok);
  assert.deepEqual(r.errors, [
    "program name 'bad name' is not a C identifier",
    "program 'x', insn 0: unknown label 'missing'",
    "duplicate program name 'x'",
    "program 'x': bad section name 'license'",
    "program 'y' is empty",
  ]);
  assert.throws(() => writeObject({ license: 'GPL', programs: [] }), TypeError);
});

test('malformed objects are error values, never exceptions', () => {
  const good = writeObject({ license: 'GPL', programs: [{ name: 'x', section: 'xdp', insns: [exit()] }] });
  assert.deepEqual(readObject(new Uint8Array(10)), { ok: false, error: 'file too short for an ELF header' });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, b) => {
      const bad = Uint8Array.from(good);
      bad[at] = b;
      const r = readObject(bad);
      assert.equal(typeof r.ok, 'boolean');
      const cut = readObject(good.subarray(0, at));
      assert.equal(typeof cut.ok, 'boolean');
    }),
    { numRuns: 500 },
  );
});

function haveClang(): string | undefined {
  try {
    execFileSync('clang', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'clang is not installed';
  }
}

const C_SOURCE = `
struct __sk_buff { unsigned int len; };
struct { int (*type)[2]; int (*max_entries)[4]; int (*key_size)[4]; int (*value_size)[8]; } counts
  __attribute__((section(".maps"), used));
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
__attribute__((section("xdp"), used)) int count(void *ctx) {
  int key = 0;
  long *v = bpf_map_lookup_elem(&counts, &key);
  if (v) __sync_fetch_and_add(v, 1);
  return 2;
}
static long (*bpf_get_smp_processor_id)(void) = (void *)8;
__attribute__((noinline)) static int twice(int a) { return a * 2 + (int)bpf_get_smp_processor_id(); }
__attribute__((section("socket"), used)) int simple(struct __sk_buff *skb) { return skb->len > 100 ? 1 : 0; }
__attribute__((section("tc"), used)) int with_call(struct __sk_buff *skb) { return twice((int)skb->len); }
char _license[] __attribute__((section("license"), used)) = "GPL";
`;

test('reads an object written by clang', { skip: haveClang() }, () => {
  const dir = mkdtempSync(join(tmpdir(), `tfc-elf-${process.pid}-`));
  try {
    writeFileSync(join(dir, 'p.c'), C_SOURCE);
    execFileSync('clang', ['-O2', '-g', '-target', 'bpf', '-c', join(dir, 'p.c'), '-o', join(dir, 'p.o')]);
    const r = readObject(readFileSync(join(dir, 'p.o')));
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(r.license, 'GPL');
    const byName = new Map(r.programs.map((p) => [p.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['count', 'simple', 'twice', 'with_call']);
    assert.deepEqual(r.maps, [
      {
        name: 'counts',
        fields: [
          ['type', 2],
          ['max_entries', 4],
          ['key_size', 4],
          ['value_size', 8],
        ],
      },
    ]);
    const mapRel = byName.get('count')!.relocations;
    assert.deepEqual(
      mapRel.map((x) => [x.type, x.symbol, x.symbolSection]),
      [[1, 'counts', '.maps']],
    );
    assert.equal(byName.get('count')!.insns[mapRel[0]!.offset / 8]!.code, 0x18);
    assert.equal(byName.get('twice')!.section, '.text');
    const simple = byName.get('simple')!;
    for (const [len, want] of [
      [150, 1n],
      [50, 0n],
    ] as const) {
      const v = run(simple.insns, { kind: 'skb', packet: new Uint8Array(len) });
      assert.deepEqual(v.ok ? v.r0 : v.error, want);
    }
    const call = byName.get('with_call')!;
    assert.equal(call.relocations.length, 1);
    assert.equal(call.relocations[0]!.type, 10); // R_BPF_64_32 on the pseudo call
    assert.equal(call.relocations[0]!.symbolSection, '.text');
    const at = call.relocations[0]!.offset / 8;
    assert.deepEqual([call.insns[at]!.code, call.insns[at]!.src], [0x85, 1]);
    // Every clang instruction prints in kernel syntax and parses back.
    for (const p of r.programs) {
      const text = disassemble(p.insns);
      assert.ok(!text.includes(' raw '), text);
      const back = parseAsm(text);
      assert.ok(back.ok);
      assert.deepEqual(back.insns, p.insns);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('maps: BTF map definitions, .maps symbols and R_BPF_64_64 relocations', () => {
  const p = parseAsm(`
    r1 = map_fd[counts]
    r2 = map_fd[flows]
    r1 = map_fd[counts]
    r0 = 0
    exit`);
  assert.ok(p.ok);
  const bytes = writeObject({
    license: 'GPL',
    maps: [
      { name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 },
      { name: 'flows', type: 'hash', keySize: 16, valueSize: 8, maxEntries: 1024, flags: 1 },
    ],
    programs: [{ name: 'x', section: 'xdp', insns: p.insns }],
  });
  const r = readObject(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.maps, [
    {
      name: 'counts',
      fields: [
        ['type', 2],
        ['key_size', 4],
        ['value_size', 8],
        ['max_entries', 4],
      ],
    },
    {
      name: 'flows',
      fields: [
        ['type', 1],
        ['key_size', 16],
        ['value_size', 8],
        ['max_entries', 1024],
        ['map_flags', 1],
      ],
    },
  ]);
  assert.deepEqual(
    r.programs[0]!.relocations.map((x) => [x.offset, x.type, x.symbol, x.symbolSection]),
    [
      [0, 1, 'counts', '.maps'],
      [16, 1, 'flows', '.maps'],
      [32, 1, 'counts', '.maps'],
    ],
  );
  const counts = r.symbols.find((s) => s.name === 'counts')!;
  const flows = r.symbols.find((s) => s.name === 'flows')!;
  assert.deepEqual([counts.value, counts.size, flows.value, flows.size], [0, 32, 32, 40]);
  const bad = buildObject({
    license: 'GPL',
    maps: [{ name: 'm', type: 'array', keySize: 4, valueSize: 0, maxEntries: 1 }],
    programs: [{ name: 'x', section: 'xdp', insns: [ldMapFd(R1, 'nope'), ldMapValue(R1, 'm'), exit()] }],
  });
  assert.deepEqual(bad.ok ? [] : bad.errors, [
    "map 'm': bad valueSize 0",
    "program 'x', insn 0: unknown map 'nope'",
    "program 'x', insn 1: only ld_imm64 map_fd by map name is supported in objects",
  ]);
});

test('BPF-to-BPF calls: subprograms go to .text with R_BPF_64_32 relocations', () => {
  const p = parseAsm(`
    r1 = 5
    call twice
    r6 = r0
    r1 = 7
    call twice
    r0 += r6
    exit
  twice:
    call add1
    r0 *= 2
    exit
  add1:
    r0 = r1
    r0 += 1
    exit`);
  assert.ok(p.ok);
  const bytes = writeObject({
    license: 'GPL',
    programs: [{ name: 'main_prog', section: 'xdp', insns: p.insns }],
  });
  const r = readObject(bytes);
  assert.ok(r.ok);
  const byName = new Map(r.programs.map((x) => [x.name, x]));
  assert.deepEqual(
    r.programs.map((x) => [x.name, x.section, x.insns.length]),
    [
      ['main_prog__f1', '.text', 3],
      ['main_prog__f2', '.text', 3],
      ['main_prog', 'xdp', 7],
    ],
  );
  assert.deepEqual(
    byName.get('main_prog')!.relocations.map((x) => [x.offset, x.type, x.symbol]),
    [
      [8, 10, 'main_prog__f1'],
      [32, 10, 'main_prog__f1'],
    ],
  );
  assert.deepEqual(
    byName.get('main_prog__f1')!.relocations.map((x) => [x.offset, x.type, x.symbol]),
    [[0, 10, 'main_prog__f2']],
  );
  const locals = r.symbols.filter((s) => s.bind === 0 && s.name !== '');
  assert.deepEqual(
    locals.map((s) => s.name),
    ['main_prog__f1', 'main_prog__f2'],
  );
  const symtab = r.sections.find((s) => s.name === '.symtab')!;
  assert.equal(symtab.info, 3); // first global after the null symbol and two locals
  const jumpOut = buildObject({
    license: 'GPL',
    programs: [{ name: 'j', section: 'xdp', insns: [jmp.jeq.imm(R1, 0, 2), callLocal(1), exit(), exit()] }],
  });
  assert.deepEqual(jumpOut.ok ? [] : jumpOut.errors, ["program 'j', insn 0: jump leaves its function"]);
});
