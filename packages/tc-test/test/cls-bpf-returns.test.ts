// cls_bpf's reading of a program's return value, measured in the kernel (the rules tc-act.ts states and tcBpfBatch
// relies on): in classid mode 0 is "no match" and every other value a match (so libpcap's 262144 matches too, as
// classid 4:0); in direct-action mode a TC_ACT code is the verdict (OK stops classification, SHOT drops) and any
// other value — TC_ACT_UNSPEC and 262144 alike — continues to the next filter. One-instruction programs at prio 1,
// a catch-all counter at prio 2, one frame per case, in a namespace this test creates and always deletes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classicReturn, daReturn } from '@tfc/codegen-tc';
import { applyBatch, filterDel, filterShow, qdiscShow } from '@tfc/iproute2';
import { bundledEvent, encodeTraceFrame } from '@tfc/tracefs';
import { createTcLab, LAB_DEV } from '../src/index.ts';

const root = process.getuid?.() === 0;

interface Observed {
  readonly counted: boolean;
  readonly reachedNext: boolean;
  readonly dropped: boolean;
}

test('cls_bpf return values: classid mode and direct-action mode, as the kernel reads them', async (t) => {
  if (!root) return t.skip('needs root (network namespaces, tc, AF_PACKET)');
  const made = await createTcLab('tfc-ret');
  if (!made.ok) assert.fail(`lab setup failed: ${made.error}`);
  const lab = made.lab;
  t.after(() => lab.dispose());
  const ev = bundledEvent('sched', 'sched_switch');
  assert.ok(ev);
  const frame = encodeTraceFrame(new Uint8Array(64), { eventId: ev.id, cpu: 0, comm: 'sh' });
  const stats = async (): Promise<{ p1: bigint; p2: bigint; drops: bigint }> => {
    const f = await filterShow(lab.ns.name, LAB_DEV, 'ingress');
    const q = await qdiscShow(lab.ns.name, LAB_DEV);
    assert.ok(f.ok && q.ok);
    const count = (prio: number) =>
      f.value
        .filter((x) => x.pref === prio)
        .reduce((n, x) => n + x.actions.reduce((m, a) => m + a.packets, 0n), 0n);
    return { p1: count(1), p2: count(2), drops: q.value.find((x) => x.kind === 'clsact')?.drops ?? -1n };
  };
  const observe = async (k: number, da: boolean): Promise<Observed> => {
    const applied = await applyBatch(lab.ns.name, [
      `filter add dev ${LAB_DEV} ingress protocol all prio 1 bpf bytecode '1,6 0 0 ${k >>> 0}'${da ? ' da' : ` ${lab.countAction}`}`,
      `filter add dev ${LAB_DEV} ingress protocol all prio 2 bpf bytecode '1,6 0 0 4294967295' ${lab.countAction}`,
    ]);
    assert.ok(applied.ok, applied.ok ? '' : applied.failure.error.message);
    const a = await stats();
    assert.ok(lab.send(frame).ok);
    const b = await stats();
    assert.ok((await filterDel(lab.ns.name, LAB_DEV, 'ingress')).ok);
    return { counted: b.p1 > a.p1, reachedNext: b.p2 > a.p2, dropped: b.drops > a.drops };
  };

  // Classid mode: actions run on a match; `continue` lets prio 2 see every frame.
  for (const k of [0, 0xffffffff, 262144, 1]) {
    const o = await observe(k, false);
    const rule = classicReturn(k);
    assert.deepEqual(
      o,
      { counted: rule.match, reachedNext: true, dropped: false },
      `classid mode, return ${k}`,
    );
  }
  // Direct action: OK stops (prio 2 never sees the frame), SHOT drops, STOLEN consumes; RECLASSIFY, PIPE, QUEUED,
  // REPEAT and any other value continue.
  for (const k of [0, 2, 4, 0xffffffff, 1, 3, 5, 6, 262144, 9]) {
    const o = await observe(k, true);
    const act = daReturn(k);
    assert.deepEqual(
      o,
      { counted: false, reachedNext: act === 'unspec', dropped: act === 'shot' },
      `direct action, return ${k} (${act})`,
    );
  }
});
