// ELF objects with set maps, loaded the way users load them: `bpftool batch file` runs the `maps` form (create,
// fill and pin each set map), then `bpftool prog load` and `tc … bpf obj` load the object and reuse the pinned,
// filled map (LIBBPF_PIN_BY_NAME) — checked by map id — and `bpftool prog run` (BPF_PROG_TEST_RUN) gives the IR
// evaluator's verdict on frames inside and outside the set. The set's values include the pid, so the
// content-named pins of parallel runs never collide; every pin, file and namespace is removed in `finally`.
// Skips only when not root or bpftool/tc/ip/nsenter is missing, saying which.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluate, filter, inSet, load } from '@tfc/ir';
import { compileBpf, emitProgram, PIN_ROOT } from '../src/index.ts';

function why(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to load BPF programs';
  for (const tool of ['bpftool', 'tc', 'ip', 'nsenter']) {
    try {
      execFileSync(tool, ['--help'], { stdio: 'ignore' });
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return `${tool} is not installed`;
    }
  }
  return undefined;
}
const skip = why();
const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe' });

test('set maps: bpftool batch fills the pinned map; bpftool prog load and tc bpf obj reuse it; test runs agree with the IR', {
  skip,
}, () => {
  const pid = process.pid;
  const values = Array.from({ length: 40 }, (_, i) => BigInt(((pid * 977 + i * 7919) >>> 0) & 0xffffffff));
  const ir = filter(inSet(4, load('packet', 26, 4, 'be'), values));
  const r = compileBpf(ir, { target: 'ebpf', ctx: 'packet', progType: 'tc', setLookup: 'map' });
  assert.ok(r.ok && r.program.target === 'ebpf');
  if (!r.ok || r.program.target !== 'ebpf') return;
  const p = r.program;
  assert.equal(p.maps.length, 1);
  const name = p.maps[0]!.name;
  const elf = emitProgram(p, 'elf');
  const batch = emitProgram(p, 'maps');
  assert.ok(elf.ok && batch.ok);
  if (!elf.ok || !batch.ok) return;
  const dir = mkdtempSync(join(tmpdir(), `tfc-bpfgen-elf-${pid}-`));
  const obj = join(dir, 'set.o');
  const script = join(dir, 'set.batch');
  writeFileSync(obj, elf.data);
  writeFileSync(script, batch.data);
  const pin = `${PIN_ROOT}/${name}`;
  const progPin = `${PIN_ROOT}/tfc_bpfgen_prog_${pid}`;
  const tcGlobals = '/sys/fs/bpf/tc/globals';
  const tcPin = `${tcGlobals}/${name}`;
  const ns = `tfc_bpfgen_${pid}`;
  try {
    sh('bpftool', ['batch', 'file', script]);
    const mapInfo = JSON.parse(sh('bpftool', ['-j', 'map', 'show', 'pinned', pin])) as {
      id: number;
      type: string;
      max_entries: number;
    };
    assert.deepEqual([mapInfo.type, mapInfo.max_entries], ['hash', 40]);
    // bpftool prog load: libbpf finds the pinned map by name.
    sh('bpftool', ['prog', 'load', obj, progPin]);
    const progInfo = JSON.parse(sh('bpftool', ['-j', 'prog', 'show', 'pinned', progPin])) as {
      map_ids: number[];
    };
    assert.deepEqual(progInfo.map_ids, [mapInfo.id]);
    let runs = 0;
    for (const [i, v] of [values[0]!, values[17]!, values[39]!, values[5]! ^ 1n, 0n, 0xffffffffn].entries()) {
      const frame = new Uint8Array(60);
      new DataView(frame.buffer).setUint32(26, Number(v), false);
      frame[12] = 0x08;
      const data = join(dir, `frame${i}`);
      writeFileSync(data, frame);
      const kr = JSON.parse(sh('bpftool', ['-j', 'prog', 'run', 'pinned', progPin, 'data_in', data])) as {
        retval: number;
      };
      const want = evaluate(ir, { packet: frame }) === 'accept' ? p.onMatch : p.onMiss;
      assert.equal(kr.retval, want, `frame with ${v.toString(16)}`);
      runs++;
    }
    assert.equal(runs, 6);
    // tc … bpf obj: iproute2 looks under /sys/fs/bpf/tc/globals; nsenter keeps this mount namespace (and its
    // bpffs) while the device lives in a private network namespace.
    mkdirSync(tcGlobals, { recursive: true });
    sh('bpftool', ['map', 'pin', 'pinned', pin, tcPin]);
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    const inNs = (args: string[]) => sh('nsenter', [`--net=/run/netns/${ns}`, ...args]);
    inNs(['tc', 'qdisc', 'add', 'dev', 'v0', 'clsact']);
    inNs(['tc', 'filter', 'add', 'dev', 'v0', 'ingress', 'prio', '1', 'bpf', 'da', 'obj', obj, 'sec', 'tc']);
    inNs(['tc', 'filter', 'add', 'dev', 'v0', 'egress', 'prio', '1', 'bpf', 'da', 'object-pinned', progPin]);
    for (const dirn of ['ingress', 'egress']) {
      const shown = inNs(['tc', 'filter', 'show', 'dev', 'v0', dirn]);
      const id = /\bid (\d+)/.exec(shown)?.[1];
      assert.ok(id, shown);
      const info = JSON.parse(sh('bpftool', ['-j', 'prog', 'show', 'id', id!])) as { map_ids: number[] };
      assert.deepEqual(info.map_ids, [mapInfo.id], `tc ${dirn} program uses the filled map`);
    }
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // never created
    }
    for (const f of [progPin, tcPin, pin]) rmSync(f, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
