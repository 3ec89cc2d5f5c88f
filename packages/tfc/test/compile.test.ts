// compile() end to end: trace event filter text → kernel-exact parse → IR → passes → eBPF / cBPF, judged against the
// reference interpreter (the kernel's semantics) on random filters and records, in tfc's VMs and — for the
// verifier — in the kernel. Also the `tfc compile` command's outputs and errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cbpf, ebpf, elf } from '@tfc/bpf';
import { compile } from '@tfc/compiler';
import { loadKoffiSyscalls, loadProgram } from '@tfc/kernel/sys';
import { filterArb, recordArb } from '@tfc/testkit';
import {
  bundledEvent,
  type EvalContext,
  type EventFormat,
  encodeTraceFrame,
  evaluate,
  parseFilter,
  recordFromJson,
} from '@tfc/tracefs';
import fc from 'fast-check';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';

function event(sys: string, name: string): EventFormat {
  const e = bundledEvent(sys, name);
  assert.ok(e, `${sys}/${name}`);
  return e;
}
const SOCK = event('sock', 'inet_sock_set_state');
const SWITCH = event('sched', 'sched_switch');

function commString(ctx: EvalContext): string {
  const n = ctx.comm.indexOf(0);
  return new TextDecoder().decode(ctx.comm.subarray(0, n < 0 ? 16 : n));
}

const sys = process.getuid?.() === 0 ? loadKoffiSyscalls() : { ok: false as const, reason: 'not root' };

for (const ev of [SOCK, SWITCH]) {
  test(`${ev.system}/${ev.name}: compiled eBPF (tracepoint, tc frame) and cBPF (frame) decide as the kernel's interpreter`, () => {
    let cases = 0;
    let programs = 0;
    let verified = 0;
    const rejected: string[] = [];
    fc.assert(
      fc.property(filterArb(ev), fc.array(recordArb(ev), { minLength: 4, maxLength: 4 }), (text, recs) => {
        const parsed = parseFilter(text, ev, { nrCpuIds: 2 });
        if (!parsed.ok) return true;
        const tp = compile({ filter: text, event: ev, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2 });
        const tc = compile({
          filter: text,
          event: ev,
          target: 'ebpf',
          ctx: 'trace-frame',
          progType: 'tc',
          nrCpuIds: 2,
        });
        const cb = compile({ filter: text, event: ev, target: 'cbpf', ctx: 'trace-frame', nrCpuIds: 2 });
        for (const r of [tp, tc, cb])
          assert.ok(r.ok, `${text}: ${r.ok ? '' : r.diagnostics.map((d) => d.message).join('; ')}`);
        if (!tp.ok || !tc.ok || !cb.ok) return false;
        programs++;
        if (sys.ok && programs % 10 === 1) {
          const l = loadProgram(sys.value, { type: 'TRACEPOINT', insns: tp.program.bytes, license: 'GPL' });
          if (l.ok) {
            verified++;
            l.value.dispose();
          } else rejected.push(`${text}: ${l.error.message}`);
        }
        for (const json of recs) {
          const rec = recordFromJson(ev, json);
          assert.ok(rec.ok, rec.ok ? '' : rec.error);
          if (!rec.ok) return false;
          const want = evaluate(parsed.filter, rec.record, rec.ctx);
          const pid = Number(json.common_pid);
          const got = ebpf.run(
            tp.program.insns as ebpf.Insn[],
            { kind: 'tracepoint', record: rec.record },
            {
              env: { cpu: rec.ctx.cpu, pid, tgid: pid, comm: commString(rec.ctx) },
            },
          );
          assert.ok(got.ok, got.ok ? '' : got.error);
          assert.equal(got.ok && got.r0 === 1n, want, `tracepoint: ${text} on ${JSON.stringify(json)}`);
          const frame = encodeTraceFrame(rec.record, {
            eventId: ev.id,
            cpu: rec.ctx.cpu,
            comm: rec.ctx.comm,
          });
          const f = ebpf.run(tc.program.insns as ebpf.Insn[], ebpf.skbTestRunInput(frame, 'tc'));
          assert.ok(f.ok, f.ok ? '' : f.error);
          assert.equal(f.ok && f.r0 === 0n, want, `tc frame: ${text} on ${JSON.stringify(json)}`);
          const c = cbpf.run(cb.program.insns as cbpf.RawInsn[], frame);
          assert.ok(!('error' in c), 'error' in c ? c.error : '');
          assert.equal(
            !('error' in c) && c.result !== 0,
            want,
            `cBPF frame: ${text} on ${JSON.stringify(json)}`,
          );
          // A frame cut inside the record is never accepted.
          if (rec.record.length > 8) {
            const cut = frame.subarray(0, 54 + rec.record.length - 1);
            const cc = cbpf.run(cb.program.insns as cbpf.RawInsn[], cut);
            assert.ok('error' in cc || cc.result === 0, `cut frame accepted: ${text}`);
          }
          cases++;
        }
        return true;
      }),
      { numRuns: 400 },
    );
    assert.deepEqual(rejected, [], 'the kernel verifier rejected generated programs');
    assert.ok(cases >= 800, `only ${cases} cases`);
    console.log(
      `# ${ev.system}/${ev.name}: ${programs} filters, ${cases} records × 3 programs, ${verified} verified in the kernel`,
    );
  });
}

async function tfc(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

test('tfc compile: asm listing, cBPF listings, ELF to a file, IR dumps, errors', async () => {
  const base = ['--event', 'sock/inet_sock_set_state', '--source', 'bundled'];
  const asm = await tfc(['compile', 'family == 2 && protocol == 6', ...base]);
  assert.equal(asm.code, 0, asm.err);
  assert.match(asm.out, /^0: \(bf\) r6 = r1\n/);
  assert.match(asm.out, /\(95\) exit\n$/);
  const ddd = await tfc(['compile', 'family == 2', ...base, '--target', 'cbpf', '--emit', 'ddd']);
  assert.equal(ddd.code, 0, ddd.err);
  const parsed = cbpf.parseDdd(ddd.out);
  assert.ok(parsed.ok);
  const d = await tfc(['compile', 'family == 2', ...base, '--target', 'cbpf', '--emit', 'd']);
  assert.equal(d.out, cbpf.printD(parsed.program));
  const dump = await tfc(['compile', 'family == 2 || family == 10', ...base, '--dump-after', 'lower']);
  assert.equal(dump.code, 0);
  assert.match(dump.out, /^\(filter\n/);
  const bad = await tfc(['compile', 'family == 2', ...base, '--dump-after', 'nosuchpass']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown pass 'nosuchpass'/);
  const bin = await tfc(['compile', 'family == 2', ...base, '--emit', 'elf']);
  assert.equal(bin.code, 2);
  assert.match(bin.err, /binary: write it to a file with -o FILE/);
  const rejected = await tfc(['compile', 'family = 2', ...base]);
  assert.equal(rejected.code, 1);
  assert.match(rejected.err, /parse_error: Invalid operator/);
  const dir = mkdtempSync(join(tmpdir(), 'tfc-compile-'));
  try {
    const out = join(dir, 'f.o');
    const r = await tfc(['compile', 'family == 2 && protocol == 6', ...base, '--emit', 'elf', '-o', out]);
    assert.equal(r.code, 0, r.err);
    const obj = elf.readObject(new Uint8Array(readFileSync(out)));
    assert.ok(obj.ok);
    assert.deepEqual(
      obj.programs.map((p) => p.section),
      ['tracepoint/sock/inet_sock_set_state'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compile() is deterministic and -O levels agree on verdicts', () => {
  const text = 'family == 2 && (protocol == 6 || protocol == 17 || protocol == 132) && !(sport < 1024)';
  const a = compile({ filter: text, event: SOCK, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2 });
  const b = compile({ filter: text, event: SOCK, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2 });
  assert.ok(a.ok && b.ok);
  assert.deepEqual(a.program.bytes, b.program.bytes);
  const levels = ([0, 1, 2] as const).map((optimize) =>
    compile({ filter: text, event: SOCK, target: 'ebpf', ctx: 'tracepoint', nrCpuIds: 2, optimize }),
  );
  for (const family of [2, 10])
    for (const protocol of [6, 17, 99])
      for (const sport of [80, 4000]) {
        const rec = recordFromJson(SOCK, { family, protocol, sport });
        assert.ok(rec.ok);
        const verdicts = levels.map((l) => {
          assert.ok(l.ok);
          const r = ebpf.run(l.program.insns as ebpf.Insn[], { kind: 'tracepoint', record: rec.record });
          assert.ok(r.ok);
          return r.r0;
        });
        assert.equal(new Set(verdicts).size, 1, `${family}/${protocol}/${sport}: ${verdicts.join(',')}`);
      }
});
