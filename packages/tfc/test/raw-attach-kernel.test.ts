// `--attach perf|raw|auto` through the CLI (trace/raw-program.ts and the option plumbing of compile, apply, trace):
// the raw tracepoint's listing (its guard on the syscall number, loads from pt_regs), auto's fallback to the record
// path with the reason, raw's refusal of an uncovered field and of an event without provenance, and the usage
// errors. Reads the running kernel's BTF (/sys/kernel/btf/vmlinux; skips without it), loads nothing.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { memoryIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { attachMode } from '../src/cli/trace/raw-program.ts';

async function tfc(args: string[]) {
  const io = memoryIo();
  const code = await main(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const BTF = existsSync('/sys/kernel/btf/vmlinux');
const lseek = ['--event', 'syscalls/sys_enter_lseek', '--source', 'bundled'];
const sw = ['--event', 'sched/sched_switch', '--source', 'bundled'];
const ready = ['--event', 'sock/sk_data_ready', '--source', 'bundled'];

test('attachMode: perf by default, raw and auto, anything else a usage error', () => {
  assert.equal(attachMode(undefined), 'perf');
  assert.equal(attachMode('raw'), 'raw');
  assert.equal(attachMode('auto'), 'auto');
  assert.throws(() => attachMode('tp_btf/sys_enter'), /--attach takes perf, raw, auto/);
});

test('tfc compile --attach raw|auto on the running kernel', {
  skip: BTF ? false : 'no kernel BTF',
}, async () => {
  const raw = await tfc(['compile', 'fd == 3 && whence == 1', ...lseek, '--attach', 'raw']);
  assert.equal(raw.code, 0, raw.err);
  assert.match(
    raw.out,
    /^0: \(bf\) r6 = r1\n1: \(79\) r0 = \*\(u64 \*\)\(r6 \+8\)\n2: \(55\) if r0 != 0x8 goto/,
  );
  assert.match(raw.out, /call bpf_ringbuf_output#130/);
  const json = await tfc(['compile', 'fd == 3', ...lseek, '--attach', 'raw', '--emit', 'json']);
  assert.equal(json.code, 0, json.err);
  const j = JSON.parse(json.out) as { progType: string; attach: { name: string }; raw: { ringbuf: string } };
  assert.equal(j.progType, 'TRACING');
  assert.equal(j.attach.name, 'sys_enter');
  assert.equal(j.raw.ringbuf, 'tfc_raw_ring');
  // auto: the uncovered field sends it to the record path, with the reason
  const auto = await tfc(['compile', 'ip == 1', ...ready, '--attach', 'auto']);
  assert.equal(auto.code, 0, auto.err);
  assert.match(auto.err, /--attach auto: the record path \(perf\): .*field ip is not covered/);
  assert.doesNotMatch(auto.out, /ringbuf/);
  const perf = await tfc(['compile', 'ip == 1', ...ready]);
  assert.equal(auto.out, perf.out);
  // auto with covered fields: the raw program
  const covered = await tfc(['compile', 'next_pid == 1', ...sw, '--attach', 'auto']);
  assert.equal(covered.code, 0, covered.err);
  assert.match(covered.out, /ringbuf_output/);
  // raw refuses what it cannot cover, exit 1
  const refused = await tfc(['compile', 'ip == 1', ...ready, '--attach', 'raw']);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /field ip is not covered on the raw tracepoint/);
  const none = await tfc([
    'compile',
    'pid == 1',
    '--event',
    'task/task_rename',
    '--source',
    'bundled',
    '--attach',
    'raw',
  ]);
  assert.equal(none.code, 1);
  assert.match(none.err, /task:task_rename is not covered on the raw tracepoint: .*no field provenance/);
  // a filter the kernel refuses is the kernel's refusal on the raw path too
  const bad = await tfc(['compile', 'fd ==', ...lseek, '--attach', 'raw']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /parse_error/);
});

test('--attach usage errors', async () => {
  const cbpf = await tfc(['compile', 'fd == 3', ...lseek, '--attach', 'raw', '--target', 'cbpf']);
  assert.equal(cbpf.code, 2);
  const c = await tfc(['compile', 'fd == 3', ...lseek, '--attach', 'raw', '--emit', 'c']);
  assert.equal(c.code, 2);
  assert.match(c.err, /--emit asm, bin or json/);
  const bogus = await tfc(['compile', 'fd == 3', ...lseek, '--attach', 'bogus']);
  assert.equal(bogus.code, 2);
  const kernelEngine = await tfc([
    'trace',
    'fd == 3',
    '--event',
    'syscalls/sys_enter_lseek',
    '--attach',
    'raw',
    '--print',
  ]);
  assert.equal(kernelEngine.code, 2);
});
