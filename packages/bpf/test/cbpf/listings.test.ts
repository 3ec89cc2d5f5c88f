// Listings: byte-exact agreement with libpcap 1.10.3 (golden files made by its own bpf_dump, see golden/regen.sh)
// and parse∘print round trips for tcpdump -d / -dd / -ddd, tc bytecode and bpf_asm.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ParseResult, RawInsn } from '../../src/cbpf/index.ts';
import {
  parseBpfAsm,
  parseBytecode,
  parseD,
  parseDd,
  parseDdd,
  printBpfAsm,
  printBytecode,
  printD,
  printDd,
  printDdd,
} from '../../src/cbpf/index.ts';
import { arbCanonicalProgram, arbRawProgram } from './arbitraries.ts';
import { CORPUS, corpusPrograms, GOLDEN, goldenSections } from './corpus.ts';

const programs = corpusPrograms();
const FORMATS = [
  ['-d', parseD, printD],
  ['-dd', parseDd, printDd],
  ['-ddd', parseDdd, printDdd],
  ['bytecode', parseBytecode, printBytecode],
  ['bpf_asm', parseBpfAsm, printBpfAsm],
] as const satisfies readonly (readonly [
  string,
  (s: string) => ParseResult,
  (p: readonly RawInsn[]) => string,
])[];

function programOf(r: ParseResult): RawInsn[] {
  if (!r.ok) assert.fail(`parse failed: ${r.error} (line ${r.line})`);
  return r.program;
}

test('corpus: 249 programs (64 main + unopt + master + raw + live-lo) are loaded', () => {
  assert.equal(programs.length, 249);
  assert.equal(programs.filter((p) => !p.path.includes('/')).length, 64);
});

test('tcpdump -d: printD equals asm/*.txt (tcpdump -d and -O -d) for all 64 main programs', () => {
  for (const p of programs.filter((q) => !q.path.includes('/'))) {
    const asm = readFileSync(join(CORPUS, 'asm', p.path.replace(/\.ddd$/, '.txt')), 'utf8');
    // first section: "# filter ..." comment lines then the optimized listing, up to the blank line
    const listing = `${asm
      .split('\n\n')[0]!
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n')}\n`;
    assert.equal(printD(p.program), listing, p.path);
    const unopt = programs.find((q) => q.path === `unopt/${p.path}`)!;
    const second = `${asm
      .split('\n\n')[1]!
      .split('\n')
      .filter((l) => !l.startsWith('#') && l !== '')
      .join('\n')}\n`;
    assert.equal(printD(unopt.program), second, unopt.path);
  }
});

test('tcpdump -d / -dd: all 249 corpus programs print byte-exactly as libpcap bpf_dump', () => {
  const d = goldenSections('corpus.d.txt');
  const dd = goldenSections('corpus.dd.txt');
  assert.equal(d.size, 249);
  for (const p of programs) {
    assert.equal(printD(p.program), d.get(p.path), `-d ${p.path}`);
    assert.equal(printDd(p.program), dd.get(p.path), `-dd ${p.path}`);
  }
});

test('tcpdump -ddd: printDdd reproduces every corpus .ddd file (after its title line) byte-exactly', () => {
  for (const p of programs) {
    assert.equal(printDdd(p.program), p.text.slice(p.text.indexOf('\n') + 1), p.path);
  }
});

test('every opcode 0..255 (both k extremes), every ancillary load and negative offsets print as libpcap does', () => {
  const prog = programOf(parseDdd(readFileSync(join(GOLDEN, 'all-opcodes.ddd'), 'utf8')));
  assert.equal(prog.length, 587);
  assert.equal(printD(prog), readFileSync(join(GOLDEN, 'all-opcodes.d.txt'), 'utf8'));
  assert.equal(printDd(prog), readFileSync(join(GOLDEN, 'all-opcodes.dd.txt'), 'utf8'));
  assert.equal(printDdd(prog), readFileSync(join(GOLDEN, 'all-opcodes.ddd.txt'), 'utf8'));
});

test('spot checks of the -d format (column alignment, tab before jf, trailing blanks)', () => {
  const p: RawInsn[] = [
    { code: 0x28, jt: 0, jf: 0, k: 12 },
    { code: 0x15, jt: 2, jf: 5, k: 0x800 },
    { code: 0x16, jt: 0, jf: 0, k: 0 },
    { code: 0x30, jt: 0, jf: 0, k: 0xfffff030 },
  ];
  assert.equal(
    printD(p),
    '(000) ldh      [12]\n(001) jeq      #0x800           jt 4\tjf 7\n(002) ret      \n(003) ldb      [vlanp]\n',
  );
  assert.equal(printDd(p.slice(0, 1)), '{ 0x28, 0, 0, 0x0000000c },\n');
  assert.equal(printDdd(p.slice(0, 1)), '1\n40 0 0 12\n');
  assert.equal(printBytecode(p.slice(0, 2)), '2,40 0 0 12,21 2 5 2048');
});

test('all formats: parse(print(p)) == p for the 249 corpus programs', () => {
  for (const p of programs) {
    for (const [name, parse, print] of FORMATS) {
      assert.deepEqual(programOf(parse(print(p.program))), p.program, `${name} ${p.path}`);
    }
  }
});

test('-dd, -ddd, bytecode: parse(print(p)) == p for random raw programs (any code/jt/jf/k)', () => {
  fc.assert(
    fc.property(arbRawProgram(1, 40), (p) => {
      for (const [, parse, print] of FORMATS.slice(1, 4)) assert.deepEqual(programOf(parse(print(p))), p);
    }),
    { numRuns: 300 },
  );
});

test('-d and bpf_asm: parse(print(p)) == p for random canonical programs with in-range jumps', () => {
  fc.assert(
    fc.property(arbCanonicalProgram(1, 40), (p) => {
      assert.deepEqual(programOf(parseD(printD(p))), p);
      assert.deepEqual(programOf(parseBpfAsm(printBpfAsm(p))), p);
    }),
    { numRuns: 300 },
  );
});

test('parsers stay linear on long hostile lines (regression: a backtracking -dd regex)', () => {
  const long = ['{ ' + ' '.repeat(5000) + 'x', '(000) ret ' + ' jt 1'.repeat(1000), 'ld ' + '['.repeat(5000)];
  for (const s of long) for (const [, parse] of FORMATS) assert.equal(parse(s).ok, false);
});

test('parsers never throw on arbitrary text and report a line', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      for (const [, parse] of FORMATS) {
        const r = parse(s);
        if (!r.ok) assert.ok(r.line >= 0 && typeof r.error === 'string');
      }
    }),
    { numRuns: 500 },
  );
});

test('parseDdd: title line skipped, count checked, fields range-checked', () => {
  assert.deepEqual(programOf(parseDdd('tcp\n1\n6 0 0 1\n')), [{ code: 6, jt: 0, jf: 0, k: 1 }]);
  assert.deepEqual(parseDdd('2\n6 0 0 1\n'), {
    ok: false,
    error: 'count says 2 instructions, found 1',
    line: 0,
  });
  assert.equal((parseDdd('1\n6 0 0 1\n6 0 0 1\n') as { line: number }).line, 3);
  assert.match((parseDdd('1\n6 256 0 1\n') as { error: string }).error, /bad jt/);
  assert.match((parseDdd('1\n6 0 0 4294967296\n') as { error: string }).error, /bad k/);
  assert.match((parseDdd('1\n6 0 0\n') as { error: string }).error, /expected 4 numbers/);
  assert.equal(parseDdd('').ok, false);
});

test('parseBytecode: iproute2 rules (count 1..4096 must match, trailing comma, newline form)', () => {
  assert.deepEqual(programOf(parseBytecode('1,6 0 0 65535,')), [{ code: 6, jt: 0, jf: 0, k: 65535 }]);
  assert.deepEqual(programOf(parseBytecode('2\n40 0 0 12\n6 0 0 0\n')), [
    { code: 40, jt: 0, jf: 0, k: 12 },
    { code: 6, jt: 0, jf: 0, k: 0 },
  ]);
  assert.match((parseBytecode('2,6 0 0 1') as { error: string }).error, /less than encoded length/);
  assert.match((parseBytecode('1,6 0 0 1,6 0 0 1') as { error: string }).error, /exceeds encoded length/);
  assert.match((parseBytecode('0,') as { error: string }).error, /not in 1\.\.4096/);
  assert.match((parseBytecode('4097,6 0 0 1') as { error: string }).error, /not in 1\.\.4096/);
});

test('parseD: rejects out-of-sequence numbers, unknown forms and misplaced jump targets', () => {
  assert.match((parseD('(001) ret      #0\n') as { error: string }).error, /out of sequence/);
  assert.match((parseD('(000) ret      [12]\n') as { error: string }).error, /not a bpf_image form/);
  assert.match((parseD('(000) jeq      #0x1\n') as { error: string }).error, /needs "jt N<TAB>jf N"/);
  assert.match(
    (parseD('(000) ldh      [12]             jt 1\tjf 1\n') as { error: string }).error,
    /no jump targets/,
  );
  assert.deepEqual(programOf(parseD('# comment\n(000) ldxb     4*([14]&0xf)\n(001) ja       1\n')), [
    { code: 0xb1, jt: 0, jf: 0, k: 14 },
    { code: 0x05, jt: 0, jf: 0, k: 0xffffffff },
  ]);
});

test('bpf_asm: the language of tools/bpf/bpf_exp.{l,y}', () => {
  const src = `
; IPv4 TCP, bpf_asm style
# a comment line
  ldh [12]
  jne #0x800, drop          /* jneq: the label is the false branch */
  ldb [23]
  jeq #6, keep, drop
keep: ret #65535
drop: ret #0
`;
  assert.deepEqual(programOf(parseBpfAsm(src)), [
    { code: 0x28, jt: 0, jf: 0, k: 12 },
    { code: 0x15, jt: 0, jf: 3, k: 0x800 },
    { code: 0x30, jt: 0, jf: 0, k: 23 },
    { code: 0x15, jt: 0, jf: 1, k: 6 },
    { code: 0x06, jt: 0, jf: 0, k: 65535 },
    { code: 0x06, jt: 0, jf: 0, k: 0 },
  ]);
  const forms = programOf(
    parseBpfAsm(`ld #len
ldx len
LD #proto
ldb vlan_avail
ldh #vlan_tci
ld [x + 14]
ldb [%x+-1]
ldx 4*([14]&0xf)
ldxb 4*([0x0e]&0xf)
ldi 017
ldxi #0b101
ld M[15]
st M[1]
stx M[2]
add %x
and #0xff
neg
jlt #10, l1
l1: jle x, l2
l2: jset #-1, l3
l3: jmp l4
l4: tax
txa
ret %a
ret x
ret #-1`),
  );
  assert.deepEqual(
    forms.map((r) => [r.code, r.jt, r.jf, r.k >>> 0]),
    [
      [0x80, 0, 0, 0],
      [0x81, 0, 0, 0],
      [0x20, 0, 0, 0xfffff000],
      [0x30, 0, 0, 0xfffff030],
      [0x28, 0, 0, 0xfffff02c],
      [0x40, 0, 0, 14],
      [0x50, 0, 0, 0xffffffff],
      [0xb1, 0, 0, 14],
      [0xb1, 0, 0, 14],
      [0x00, 0, 0, 15],
      [0x01, 0, 0, 5],
      [0x60, 0, 0, 15],
      [0x02, 0, 0, 1],
      [0x03, 0, 0, 2],
      [0x0c, 0, 0, 0],
      [0x54, 0, 0, 0xff],
      [0x84, 0, 0, 0],
      [0x35, 0, 0, 10],
      [0x2d, 0, 0, 0],
      [0x45, 0, 0, 0xffffffff],
      [0x05, 0, 0, 0],
      [0x07, 0, 0, 0],
      [0x87, 0, 0, 0],
      [0x16, 0, 0, 0],
      [0x0e, 0, 0, 0],
      [0x06, 0, 0, 0xffffffff],
    ],
  );
});

test('bpf_asm: errors are values with lines', () => {
  assert.deepEqual(parseBpfAsm('ldh [12]\n jeq #1, nowhere\nret #0'), {
    ok: false,
    error: "no such label 'nowhere'!",
    line: 2,
  });
  assert.equal((parseBpfAsm('ldxb 2*([14]&0xf)\n') as { line: number }).line, 1);
  assert.match((parseBpfAsm('ld [12\n') as { error: string }).error, /expected '\]'/);
  assert.match((parseBpfAsm('aa: ret #0\naa: ret #1') as { error: string }).error, /duplicate label/);
  assert.match((parseBpfAsm('ld @') as { error: string }).error, /unknown character/);
  const far = `jeq #1, far\n${'ld #0\n'.repeat(300)}far: ret #0\n`;
  assert.match((parseBpfAsm(far) as { error: string }).error, /out of range/);
});

test('bpf_asm printer: labels only on jump targets, operand spellings', () => {
  const p: RawInsn[] = [
    { code: 0x28, jt: 0, jf: 0, k: 12 },
    { code: 0x15, jt: 0, jf: 1, k: 0x800 },
    { code: 0x30, jt: 0, jf: 0, k: 0xfffff000 },
    { code: 0x06, jt: 0, jf: 0, k: 65535 },
  ];
  assert.equal(printBpfAsm(p), '\tldh [12]\n\tjeq #0x800, l2, l3\nl2:\tldb #proto\nl3:\tret #65535\n');
});

test('bpf_asm and bytecode output of the 64 main corpus programs match their snapshots (TFC_BLESS=1 rewrites)', () => {
  const main = programs.filter((p) => !p.path.includes('/'));
  const text = (print: (p: readonly RawInsn[]) => string) =>
    main.map((p) => `## ${p.path}\n${print(p.program).replace(/\n?$/, '\n')}`).join('');
  for (const [file, print] of [
    ['corpus.bpf_asm.txt', printBpfAsm],
    ['corpus.bytecode.txt', printBytecode],
  ] as const) {
    const path = join(GOLDEN, file);
    if (process.env.TFC_BLESS === '1') writeFileSync(path, text(print));
    assert.equal(text(print), readFileSync(path, 'utf8'), file);
  }
});
