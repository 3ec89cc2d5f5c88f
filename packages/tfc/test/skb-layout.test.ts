// The skb context's host adapter (src/host/skb-layout.ts): hook names (tp_btf/SUBSYS/NAME → tp_btf/NAME), the
// layout read from this machine's BTF equals the labelled snapshot when the kernel is the snapshot's build, hooks
// resolve to their sk_buff argument (kfree_skb's reason and location too), and every refusal is a sentence.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import { test } from 'node:test';
import { SKB_HOOKS_SNAPSHOT, SKB_LAYOUT_SNAPSHOT } from '@tfc/codegen-bpf';
import {
  normalizeHookSpec,
  readKernelBtf,
  resolveSkbHook,
  skbLayoutFromBtf,
} from '../src/host/skb-layout.ts';

test('normalizeHookSpec drops the tracepoint subsystem', () => {
  assert.equal(normalizeHookSpec('tp_btf/skb/kfree_skb'), 'tp_btf/kfree_skb');
  assert.equal(normalizeHookSpec('tp_btf/kfree_skb'), 'tp_btf/kfree_skb');
  assert.equal(normalizeHookSpec('fentry/ip_rcv'), 'fentry/ip_rcv');
});

test('readKernelBtf: a missing file is an error value', () => {
  const r = readKernelBtf('/nonexistent/tfc/vmlinux');
  assert.equal(r.ok, false);
});

test("layout and hooks from this machine's BTF", {
  skip: existsSync('/sys/kernel/btf/vmlinux') ? false : 'no /sys/kernel/btf/vmlinux',
}, () => {
  const btf = readKernelBtf();
  assert.ok(btf.ok, btf.ok ? '' : btf.error);
  const l = skbLayoutFromBtf(btf.value);
  assert.ok(l.ok, l.ok ? '' : l.error);
  if (SKB_LAYOUT_SNAPSHOT.source.includes(release()))
    assert.deepEqual(
      { ...l.value, source: '' },
      { ...SKB_LAYOUT_SNAPSHOT, source: '' },
      'the snapshot is this build',
    );
  for (const [spec, want] of Object.entries(SKB_HOOKS_SNAPSHOT)) {
    const h = resolveSkbHook(btf.value, spec);
    assert.ok(h.ok, h.ok ? '' : h.error);
    assert.deepEqual({ ...h.value }, { kind: 'tp_btf', name: spec.slice(7), ...want }, spec);
  }
  const drop = resolveSkbHook(btf.value, 'fentry/sk_skb_reason_drop');
  assert.ok(drop.ok);
  assert.equal(drop.value.skbArg, 1);
  for (const bad of ['tp_btf/sched_switch', 'fentry/no_such_function_tfc', 'kprobe/ip_rcv', 'tp_btf/a/b/c'])
    assert.equal(resolveSkbHook(btf.value, bad).ok, false, bad);
});
