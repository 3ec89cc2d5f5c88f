// TracepointAttachment (what `tfc apply` counts with) and the firer, on the live syscalls:sys_enter_lseek: a
// hand-assembled program accepting offset == MAGIC, attached for all tasks on all CPUs, counts exactly our
// matching lseeks as accepted and at least all of ours as seen; nothing of ours is reported as foreign; dispose()
// releases every fd (also twice). The firer reports set-up failures as rejections. Skips only without root/bpf(2).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import {
  FirerProcess,
  loadProgram,
  onlineCpus,
  probeFeatures,
  probeTracepoints,
  TracepointAttachment,
  tracepointId,
} from '../../src/index.ts';
import { encodeSlots, ins, OP } from '../sys/ebpf-bytes.ts';

const F = probeFeatures();
/** The open fd numbers: compared as sets, so an fd an earlier test's handle closes meanwhile (libuv's thread pool)
 *  reads neither as a leak nor hides one (the listing's own directory fd takes the lowest free number both times). */
const openFds = () => new Set(readdirSync('/proc/self/fd'));

test('TracepointAttachment counts seen and accepted hits; the firer reports failures', async (t) => {
  if (process.getuid?.() !== 0 || !F.syscalls.ok || !F.bpf.ok) {
    t.skip('needs root and bpf(2)');
    return;
  }
  const tp = await probeTracepoints(F);
  if (!tp.ok) {
    t.skip(tp.reason);
    return;
  }
  const sys = F.syscalls.value;
  const firer = await FirerProcess.start();
  if ('ok' in firer) {
    t.skip(firer.reason);
    return;
  }
  t.after(() => firer.dispose());
  const id = tracepointId('syscalls', 'sys_enter_lseek');
  assert.ok(id.ok);
  const magic = 0x7d100000 + (process.pid & 0xffff);
  // r0 = ctx->offset == magic (offset at 24 in the sys_enter_lseek record)
  const insns = encodeSlots([
    ins(OP.LDXDW, 2, 1, 24, 0),
    ins(OP.MOV64_IMM, 0, 0, 0, 0),
    ins(OP.JNE_IMM, 2, 0, 1, magic),
    ins(OP.MOV64_IMM, 0, 0, 0, 1),
    ins(OP.EXIT, 0, 0, 0, 0),
  ]);
  const before = openFds();
  const prog = loadProgram(sys, { type: 'TRACEPOINT', insns });
  assert.ok(prog.ok, prog.ok ? '' : prog.error.message);
  try {
    for (let attempt = 0; ; attempt++) {
      const att = TracepointAttachment.open(sys, id.value, prog.value, onlineCpus());
      assert.ok(att.ok, att.ok ? '' : att.error.message);
      try {
        for (let i = 0; i < 20; i++)
          await firer.lseek({
            fd: 3,
            offset: i % 2 === 0 ? magic : magic + 1,
            whence: 0,
            cpu: i % F.possibleCpus,
          });
        const c = att.value.counts();
        assert.ok(c.ok);
        const foreign = att.value.foreignPrograms();
        assert.ok(foreign.ok);
        if (c.value.accepted !== 10n && foreign.value.length > 0 && attempt < 3) continue;
        assert.equal(c.value.accepted, 10n);
        assert.ok(c.value.seen >= 20n, `seen ${c.value.seen}`);
        break;
      } finally {
        att.value.dispose();
        att.value.dispose();
      }
    }
  } finally {
    prog.value.dispose();
  }
  assert.deepEqual(
    [...openFds()].filter((fd) => !before.has(fd)),
    [],
    'fd leak',
  );
  await assert.rejects(firer.lseek({ fd: 1, offset: 0, whence: 0, cpu: 4096 }), /firer: sched_setaffinity/);
  await assert.rejects(firer.rename({ name: '' }), /empty name/);
  await firer.lseek({ fd: 1, offset: 0, whence: 0 });
});
