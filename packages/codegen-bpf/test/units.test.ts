// Hand-written filters: golden listings (sock/inet_sock_set_state: family u16 at record offset 28,
// protocol u16 at 30), helper-served fields, binary search for sets, cBPF trampolines and the
// 4,096-instruction limit, diagnostics for unsupported features, emit forms and determinism.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as cbpf from '@tfc/bpf/cbpf';
import * as ebpf from '@tfc/bpf/ebpf';
import { readObject } from '@tfc/bpf/elf';
import { and, cmp, evaluate, filter, inSet, load, or, pseudo, str } from '@tfc/ir';
import { compileBpf, EMIT_FORMS, emitProgram, type ProgramSpec } from '../src/index.ts';

const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');
const famProto = (base: 'record' | 'frame') =>
  filter(and(cmp('eq', 2, false, load(base, 28, 2), 2n), cmp('eq', 2, false, load(base, 30, 2), 6n)));

function ok(r: ReturnType<typeof compileBpf>): ProgramSpec {
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.diagnostics));
  return r.program;
}

test('golden listings: family == 2 && protocol == 6', () => {
  const tp = ok(
    compileBpf(famProto('record'), {
      target: 'ebpf',
      ctx: 'tracepoint',
      record: { event: 'sock/inet_sock_set_state' },
    }),
  );
  assert.equal(tp.listing, golden('inet-tracepoint.asm'));
  assert.equal(tp.target === 'ebpf' && tp.section, 'tracepoint/sock/inet_sock_set_state');
  for (const pt of ['socket', 'tc', 'xdp'] as const) {
    const p = ok(compileBpf(famProto('frame'), { target: 'ebpf', ctx: 'trace-frame', progType: pt }));
    assert.equal(p.listing, golden(`inet-frame-${pt}.asm`));
  }
  const c = ok(compileBpf(famProto('frame'), { target: 'cbpf', ctx: 'trace-frame' }));
  assert.equal(c.listing, golden('inet-frame.cbpf.d'));
  const cText = emitProgram(tp, 'c');
  assert.ok(cText.ok);
  if (cText.ok) assert.equal(cText.data, golden('inet-tracepoint.c'));
});

test('tracepoint: common_pid via bpf_get_current_pid_tgid, common_type as a constant, cpu via helper', () => {
  const f = filter(
    and(
      cmp('eq', 4, false, load('record', 4, 4, 'le', true), 1234n),
      cmp('eq', 2, false, load('record', 0, 2), 77n),
      cmp('lt', 4, true, pseudo('cpu'), 1n),
    ),
  );
  const p = ok(compileBpf(f, { target: 'ebpf', ctx: 'tracepoint', record: { commonType: 77 } }));
  assert.equal(p.target, 'ebpf');
  if (p.target !== 'ebpf') return;
  assert.match(p.listing, /get_current_pid_tgid/);
  assert.match(p.listing, /get_smp_processor_id/);
  const rec = new Uint8Array(16);
  for (const [pid, cpu, want] of [
    [1234, 0, 1n],
    [1235, 0, 0n],
    [1234, 1, 0n],
  ] as const) {
    const r = ebpf.run(p.insns, { kind: 'tracepoint', record: rec }, { env: { pid, cpu } });
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.r0, want);
  }
  const bad = compileBpf(filter(cmp('eq', 1, false, load('record', 2, 1), 0n)), {
    target: 'ebpf',
    ctx: 'tracepoint',
  });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.diagnostics[0]!.code, 'record-header');
});

test('sets of 8+ values become a binary search (eBPF and cBPF) and stay exact', () => {
  const values = Array.from({ length: 40 }, (_, i) => BigInt(i * 7 + 3));
  const f = filter(inSet(2, load('frame', 0, 2), values));
  const e = ok(compileBpf(f, { target: 'ebpf', ctx: 'trace-frame', progType: 'xdp' }));
  const c = ok(compileBpf(f, { target: 'cbpf', ctx: 'trace-frame' }));
  assert.match(e.listing, /> 0x/);
  assert.ok(e.target === 'ebpf' && c.target === 'cbpf');
  if (e.target !== 'ebpf' || c.target !== 'cbpf') return;
  for (let v = 0; v < 300; v++) {
    const frame = new Uint8Array(60);
    frame[54] = v & 0xff;
    frame[55] = v >> 8;
    const want = evaluate(f, { packet: frame }) === 'accept';
    const r = ebpf.run(e.insns, ebpf.xdpTestRunInput(frame));
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.r0, want ? 2n : 1n);
    assert.equal(cbpf.compileVm(c.insns)(frame) !== 0, want);
  }
});

test('cBPF long jumps use ja trampolines; too-long programs get a precise diagnostic', () => {
  // An or of many distinct 4-byte compares on different offsets: the reject target is far away.
  const far = filter(
    and(
      cmp('eq', 1, false, load('frame', 0, 1), 1n),
      or(
        ...Array.from({ length: 60 }, (_, i) =>
          cmp('eq', 4, false, load('frame', 4 + i, 4), BigInt(i + 1000)),
        ),
      ),
    ),
  );
  const p = ok(compileBpf(far, { target: 'cbpf', ctx: 'trace-frame' }));
  assert.equal(p.target, 'cbpf');
  if (p.target !== 'cbpf') return;
  assert.ok(
    p.insns.some((i) => cbpf.fromRaw(i).kind === 'ja'),
    'expected a trampoline',
  );
  assert.deepEqual(cbpf.validate(p.insns), []);
  const frame = new Uint8Array(200);
  frame[54] = 1;
  new DataView(frame.buffer).setUint32(54 + 4 + 59, 1059, true);
  assert.equal(evaluate(far, { packet: frame }), 'accept');
  assert.notEqual(cbpf.compileVm(p.insns)(frame), 0);
  frame[54] = 2;
  assert.equal(cbpf.compileVm(p.insns)(frame), 0);

  const huge = filter(
    or(
      ...Array.from({ length: 400 }, (_, i) =>
        str('middle', 'abcdefgh', { kind: 'fixed', base: 'frame', offset: i, size: 16 }),
      ),
    ),
  );
  const r = compileBpf(huge, { target: 'cbpf', ctx: 'trace-frame' });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.diagnostics[0]!.code, 'cbpf-limit');
    assert.match(
      r.diagnostics[0]!.message,
      /^classic BPF program has \d+ instructions, \d+ over the kernel's limit of 4096$/,
    );
  }
});

test('unsupported features are diagnostics, not wrong code', () => {
  const dl = { kind: 'dataloc', base: 'record', offset: 8, rel: false, order: 'le' } as const;
  // A trailing backslash is glob.c's literal NUL (the string's end): it compiles (glob-segments.ts).
  const r = compileBpf(filter(str('glob', 'a*b\\', dl)), { target: 'ebpf', ctx: 'tracepoint' });
  assert.equal(r.ok, true);
  // glob and middle on frame strings compile for eBPF (frame-strings.test.ts); classic BPF refuses them by name.
  for (const [match, pattern] of [
    ['glob', 'a*b'],
    ['middle', 'ab'],
  ] as const) {
    const fr = filter(str(match, pattern, { ...dl, base: 'frame' }));
    assert.equal(compileBpf(fr, { target: 'ebpf', ctx: 'trace-frame', progType: 'tc' }).ok, true);
    const c = compileBpf(fr, { target: 'cbpf', ctx: 'trace-frame' });
    assert.equal(c.ok, false);
    if (!c.ok) {
      assert.equal(c.diagnostics[0]!.code, 'string-match');
      assert.match(
        c.diagnostics[0]!.message,
        new RegExp(`^string match kind ${match} on __data_loc strings`),
      );
    }
  }
  const ptr = compileBpf(
    filter(str('middle', 'ab', { kind: 'ptr', base: 'frame', offset: 8, order: 'le', space: 'user' })),
    { target: 'ebpf', ctx: 'trace-frame', progType: 'tc' },
  );
  assert.equal(ptr.ok, false);
  if (!ptr.ok) assert.equal(ptr.diagnostics[0]!.code, 'string-source');
  const tp = compileBpf(famProto('frame'), { target: 'cbpf', ctx: 'tracepoint' });
  assert.equal(tp.ok, false);
  const miss = compileBpf(famProto('frame'), { target: 'cbpf', ctx: 'trace-frame', onMiss: 5 });
  assert.equal(miss.ok, false);
  if (!miss.ok) assert.equal(miss.diagnostics[0]!.code, 'on-miss');
});

test('emit forms are deterministic; the ELF object reads back with the program', () => {
  for (const target of ['ebpf', 'cbpf'] as const) {
    const a = ok(compileBpf(famProto('frame'), { target, ctx: 'trace-frame', progType: 'tc' }));
    const b = ok(compileBpf(famProto('frame'), { target, ctx: 'trace-frame', progType: 'tc' }));
    for (const form of EMIT_FORMS) {
      const x = emitProgram(a, form);
      const y = emitProgram(b, form);
      assert.deepEqual(x, y);
      const applies =
        !((form === 'elf' || form === 'c' || form === 'maps') && target === 'cbpf') &&
        !(['d', 'dd', 'ddd'].includes(form) && target === 'ebpf');
      assert.equal(x.ok, applies, `${target} ${form}`);
    }
  }
  const p = ok(compileBpf(famProto('frame'), { target: 'ebpf', ctx: 'trace-frame', progType: 'tc' }));
  const elf = emitProgram(p, 'elf');
  assert.ok(elf.ok && elf.data instanceof Uint8Array);
  if (!elf.ok || !(elf.data instanceof Uint8Array)) return;
  const obj = readObject(elf.data);
  assert.ok(obj.ok, obj.ok ? '' : JSON.stringify(obj));
  if (obj.ok) {
    const prog = obj.programs.find((x) => x.section === 'tc');
    assert.ok(prog);
    assert.deepEqual(ebpf.encode(prog.insns), p.bytes);
  }
});

test('ELF objects declare the string buffer map; set maps are pinned by name and filled by the maps form', () => {
  const ptr = { kind: 'ptr', base: 'record', offset: 16, order: 'le', space: 'kernel' } as const;
  const p = ok(compileBpf(filter(str('front', '/usr', ptr)), { target: 'ebpf', ctx: 'tracepoint' }));
  assert.ok(p.target === 'ebpf' && p.maps.length === 1);
  const elf = emitProgram(p, 'elf');
  assert.ok(elf.ok && elf.data instanceof Uint8Array);
  if (elf.ok && elf.data instanceof Uint8Array) {
    const obj = readObject(elf.data);
    assert.ok(obj.ok);
    if (obj.ok) {
      assert.deepEqual(
        obj.maps.map((m) => m.name),
        ['tfc_strbuf'],
      );
      assert.equal(obj.programs[0]!.relocations.length, 1);
    }
  }
  const set = filter(
    inSet(
      4,
      load('frame', 0, 4),
      Array.from({ length: 20 }, (_, i) => i * 3),
    ),
  );
  const m = ok(compileBpf(set, { target: 'ebpf', ctx: 'trace-frame', progType: 'tc', setLookup: 'map' }));
  assert.ok(m.target === 'ebpf' && m.maps.length === 1);
  if (m.target !== 'ebpf') return;
  const name = m.maps[0]!.name;
  assert.match(name, /^tfc_s[0-9a-f]{10}$/);
  const melf = emitProgram(m, 'elf');
  assert.ok(melf.ok && melf.data instanceof Uint8Array);
  if (melf.ok && melf.data instanceof Uint8Array) {
    const obj = readObject(melf.data);
    assert.ok(obj.ok);
    if (obj.ok)
      assert.deepEqual(obj.maps, [
        {
          name,
          fields: [
            ['type', 1],
            ['key_size', 4],
            ['value_size', 1],
            ['max_entries', 20],
            ['pinning', 1],
          ],
        },
      ]);
  }
  const batch = emitProgram(m, 'maps');
  assert.ok(batch.ok && typeof batch.data === 'string');
  if (batch.ok && typeof batch.data === 'string') {
    const cmds = batch.data.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.equal(cmds[0], `map create /sys/fs/bpf/${name} type hash key 4 value 1 entries 20 name ${name}`);
    assert.equal(cmds.length, 21);
    assert.equal(cmds[2], `map update pinned /sys/fs/bpf/${name} key hex 03 00 00 00 value hex 01`);
  }
  // Equal sets share a name, different sets do not.
  const again = ok(
    compileBpf(set, { target: 'ebpf', ctx: 'trace-frame', progType: 'xdp', setLookup: 'map' }),
  );
  assert.equal(again.target === 'ebpf' && again.maps[0]!.name, name);
  const other = filter(
    inSet(
      4,
      load('frame', 0, 4),
      Array.from({ length: 20 }, (_, i) => i * 3 + 1),
    ),
  );
  const o = ok(compileBpf(other, { target: 'ebpf', ctx: 'trace-frame', progType: 'tc', setLookup: 'map' }));
  assert.notEqual(o.target === 'ebpf' && o.maps[0]!.name, name);
  assert.equal(emitProgram(m, 'c').ok, false);
});
