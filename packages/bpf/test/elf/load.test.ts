// Objects from writeObject loaded for real: bpftool (every program type, pinned then unpinned),
// bpftool prog run (BPF_PROG_TEST_RUN on the loaded XDP program agrees with the VM), tc (clsact on
// a veth, `sec tc da` and `sec classifier`) and ip (XDP on a veth), inside a network namespace that
// is always deleted. Skips only when not root or a tool is missing, saying which.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { assemble, createMap, parseAsm, programTag, run } from '@tfc/bpf/ebpf';
import { writeObject } from '@tfc/bpf/elf';

function why(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to load BPF programs';
  for (const tool of ['bpftool', 'tc', 'ip']) {
    try {
      execFileSync(tool, ['help'], { stdio: 'ignore' });
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return `${tool} is not installed`;
    }
  }
  return undefined;
}
const skip = why();

const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe' });

function asm(text: string) {
  const p = parseAsm(text);
  if (!p.ok) throw new Error(`bad test program: ${p.error}`);
  return p.insns;
}

const XLEN = asm('r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr0 = r3\nr0 -= r2\nexit');
const RAW_ARG1 = asm('r0 = *(u64 *)(r1 +8)\nr0 += 1\nexit');
const DROP_IPV4 = asm(`
  r0 = *(u32 *)(r1 +16)
  if r0 != 0x8 goto pass
  r0 = 2
  exit
pass:
  r0 = -1
  exit`);

function tmpObject(programs: Parameters<typeof writeObject>[0]['programs']): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), `tfc-ebpf-${process.pid}-`));
  const file = join(dir, 'prog.o');
  writeFileSync(file, writeObject({ license: 'GPL', programs }));
  return { dir, file };
}

test('bpftool loads every program type from one object', { skip }, () => {
  const programs = [
    { name: 'sock', section: 'socket', insns: asm('r0 = 0\nexit') },
    { name: 'cls', section: 'tc', insns: DROP_IPV4 },
    { name: 'legacy_cls', section: 'classifier', insns: DROP_IPV4 },
    { name: 'xlen', section: 'xdp', insns: XLEN },
    { name: 'tp', section: 'tracepoint/syscalls/sys_enter_lseek', insns: asm('r0 = *(u64 *)(r1 +16)\nexit') },
    { name: 'rawtp', section: 'raw_tracepoint/sys_enter', insns: RAW_ARG1 },
  ];
  const { dir, file } = tmpObject(programs);
  const pins = `/sys/fs/bpf/tfc_ebpf_${process.pid}`;
  try {
    sh('bpftool', ['prog', 'loadall', file, pins]);
    const types = Object.fromEntries(
      ['sock', 'cls', 'legacy_cls', 'xlen', 'tp', 'rawtp'].map((n) => {
        const info = JSON.parse(sh('bpftool', ['-j', 'prog', 'show', 'pinned', `${pins}/${n}`])) as {
          type: string;
          name: string;
          tag: string;
          gpl_compatible: boolean;
        };
        assert.equal(info.name, n);
        assert.equal(info.gpl_compatible, true);
        const insns = programs.find((p) => p.name === n)!.insns;
        const resolved = assemble(insns);
        assert.ok(resolved.ok);
        assert.equal(info.tag, programTag(resolved.insns), `tag of ${n}`);
        return [n, info.type];
      }),
    );
    assert.deepEqual(types, {
      sock: 'socket_filter',
      cls: 'sched_cls',
      legacy_cls: 'sched_cls',
      xlen: 'xdp',
      tp: 'tracepoint',
      rawtp: 'raw_tracepoint',
    });
    // BPF_PROG_TEST_RUN on the loaded XDP program agrees with the VM.
    for (const len of [14, 60, 1500]) {
      const data = join(dir, `data${len}`);
      writeFileSync(data, new Uint8Array(len));
      const kr = JSON.parse(
        sh('bpftool', ['-j', 'prog', 'run', 'pinned', `${pins}/xlen`, 'data_in', data]),
      ) as {
        retval: number;
      };
      const vr = run(XLEN, { kind: 'xdp', packet: new Uint8Array(len) });
      assert.ok(vr.ok);
      assert.equal(BigInt(kr.retval), vr.r0);
      assert.equal(kr.retval, len);
    }
  } finally {
    rmSync(pins, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tc attaches `sec tc da` and `sec classifier`, ip attaches `sec xdp` on a veth', { skip }, () => {
  const { dir, file } = tmpObject([
    { name: 'cls', section: 'tc', insns: DROP_IPV4 },
    { name: 'legacy_cls', section: 'classifier', insns: DROP_IPV4 },
    { name: 'xlen', section: 'xdp', insns: XLEN },
  ]);
  const ns = `tfc_ebpf_${process.pid}`;
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    sh('ip', ['-n', ns, 'link', 'set', 'v0', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'v1', 'up']);
    sh('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'v0', 'clsact']);
    sh('tc', [
      '-n',
      ns,
      'filter',
      'add',
      'dev',
      'v0',
      'ingress',
      'prio',
      '1',
      'bpf',
      'obj',
      file,
      'sec',
      'tc',
      'da',
    ]);
    sh('tc', [
      '-n',
      ns,
      'filter',
      'add',
      'dev',
      'v0',
      'egress',
      'prio',
      '1',
      'bpf',
      'obj',
      file,
      'sec',
      'classifier',
    ]);
    const ingress = sh('tc', ['-n', ns, 'filter', 'show', 'dev', 'v0', 'ingress']);
    assert.match(ingress, /direct-action/);
    assert.match(ingress, /name cls /);
    const egress = sh('tc', ['-n', ns, 'filter', 'show', 'dev', 'v0', 'egress']);
    assert.match(egress, /name legacy_cls /);
    sh('ip', ['-n', ns, 'link', 'set', 'dev', 'v1', 'xdp', 'obj', file, 'sec', 'xdp']);
    const link = sh('ip', ['-n', ns, 'link', 'show', 'v1']);
    assert.match(link, /prog\/xdp id \d+ name xlen/);
    sh('ip', ['-n', ns, 'link', 'set', 'dev', 'v1', 'xdp', 'off']);
    assert.doesNotMatch(sh('ip', ['-n', ns, 'link', 'show', 'v1']), /prog\/xdp/);
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // the namespace was never created
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('maps: libbpf creates the .maps map, the loaded program and the VM count alike', { skip }, () => {
  const insns = asm(`
    *(u32 *)(r10 -4) = 1
    r2 = r10
    r2 += -4
    r1 = map_fd[counts]
    call bpf_map_lookup_elem#1
    if r0 == 0x0 goto pc+2
    r1 = 1
    lock *(u64 *)(r0 +0) += r1
    r0 = 2
    exit`);
  const dir = mkdtempSync(join(tmpdir(), `tfc-ebpf-${process.pid}-`));
  const file = join(dir, 'prog.o');
  const def = { name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 } as const;
  writeFileSync(
    file,
    writeObject({ license: 'GPL', maps: [def], programs: [{ name: 'cnt', section: 'xdp', insns }] }),
  );
  const pins = `/sys/fs/bpf/tfc_ebpf_maps_${process.pid}`;
  try {
    sh('bpftool', ['prog', 'loadall', file, pins, 'pinmaps', `${pins}/maps`]);
    const info = JSON.parse(sh('bpftool', ['-j', 'map', 'show', 'pinned', `${pins}/maps/counts`])) as Record<
      string,
      unknown
    >;
    assert.deepEqual([info.type, info.bytes_key, info.bytes_value, info.max_entries], ['array', 4, 8, 4]);
    const prog = JSON.parse(sh('bpftool', ['-j', 'prog', 'show', 'pinned', `${pins}/cnt`])) as {
      tag: string;
    };
    assert.equal(prog.tag, programTag(insns)); // the map fd is masked out of the tag
    const data = join(dir, 'data');
    writeFileSync(data, new Uint8Array(60));
    const kr = JSON.parse(
      sh('bpftool', ['-j', 'prog', 'run', 'pinned', `${pins}/cnt`, 'data_in', data, 'repeat', '3']),
    ) as { retval: number };
    const dump = JSON.parse(sh('bpftool', ['-j', 'map', 'dump', 'pinned', `${pins}/maps/counts`])) as {
      key: string[];
      value: string[];
    }[];
    const kernelValues = dump.map((e) => Number.parseInt(e.value[0]!, 16));
    const counts = createMap(def);
    for (let k = 0; k < 3; k++) {
      const v = run(insns, { kind: 'xdp', packet: new Uint8Array(60) }, { env: { maps: [counts] } });
      assert.deepEqual(v.ok ? v.r0 : v.error, BigInt(kr.retval));
    }
    const vmValues = [0, 1, 2, 3].map((k) => counts.entries.get(String.fromCharCode(k, 0, 0, 0))![0]);
    assert.deepEqual(kernelValues, [0, 3, 0, 0]);
    assert.deepEqual(vmValues, kernelValues);
  } finally {
    rmSync(pins, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BPF-to-BPF calls in an object: libbpf relocates them and the kernel agrees with the VM', {
  skip,
}, () => {
  const insns = asm(`
    r2 = *(u32 *)(r1 +0)
    r3 = *(u32 *)(r1 +4)
    r1 = r3
    r1 -= r2
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
  const { dir, file } = tmpObject([{ name: 'calls', section: 'xdp', insns }]);
  const pin = `/sys/fs/bpf/tfc_ebpf_calls_${process.pid}`;
  try {
    sh('bpftool', ['prog', 'load', file, pin]);
    const data = join(dir, 'data');
    writeFileSync(data, new Uint8Array(40));
    const kr = JSON.parse(sh('bpftool', ['-j', 'prog', 'run', 'pinned', pin, 'data_in', data])) as {
      retval: number;
    };
    const vr = run(insns, { kind: 'xdp', packet: new Uint8Array(40) });
    assert.ok(vr.ok);
    assert.equal(kr.retval, (40 + 1) * 2 + (7 + 1) * 2);
    assert.equal(BigInt(kr.retval), vr.r0);
  } finally {
    rmSync(pin, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
