// Golden listings of skb-context programs (compileSkbCapture with SKB_LAYOUT_SNAPSHOT, the labelled layout of one
// kernel build): a capture at tp_btf/kfree_skb (reason and location recorded), a filter with vlan and computed
// offsets at tp_btf/netif_receive_skb, a verdict-mode program for fentry/ip_rcv, and a filter that needs a link
// layer (L3 starts reject, with the note), an out-of-band VLAN tag put back into the bytes at tp_btf/net_dev_queue. TFC_GOLDEN_RECORD=1 rewrites golden/skb-*.asm (only for an intended change).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { SKB_LAYOUT_SNAPSHOT, type SkbHook, type SkbMode } from '@tfc/codegen-bpf';
import { compileSkbCapture } from '../src/index.ts';

const CASES: readonly {
  file: string;
  filter: string;
  hook: SkbHook;
  mode: SkbMode;
  note?: RegExp;
  vlan?: 'reinsert';
}[] = [
  {
    file: 'skb-kfree-udp.asm',
    filter: 'udp port 9999',
    hook: { kind: 'tp_btf', name: 'kfree_skb', skbArg: 0, locationArg: 1, reasonArg: 2 },
    mode: 'capture',
  },
  {
    file: 'skb-rx-vlan-tcp.asm',
    filter: 'vlan 100 and tcp[tcpflags] & tcp-syn != 0',
    hook: { kind: 'tp_btf', name: 'netif_receive_skb', skbArg: 0 },
    mode: 'capture',
    note: /network header never match/,
  },
  {
    file: 'skb-fentry-verdict.asm',
    filter: 'ip and len > 100',
    hook: { kind: 'fentry', name: 'ip_rcv', skbArg: 0 },
    mode: 'verdict',
  },
  {
    file: 'skb-xmit-vlan-reinsert.asm',
    filter: 'vlan 100',
    hook: { kind: 'tp_btf', name: 'net_dev_queue', skbArg: 0 },
    mode: 'capture',
    note: /network header never match/,
    vlan: 'reinsert',
  },
];

for (const c of CASES) {
  test(`skb golden listing ${c.file}`, () => {
    const r = compileSkbCapture({
      filter: c.filter,
      layout: SKB_LAYOUT_SNAPSHOT,
      hook: c.hook,
      mode: c.mode,
    });
    assert.ok(r.ok, r.ok ? '' : r.diagnostics.map((d) => d.message).join('\n'));
    const text = `; ${c.filter} @ ${c.hook.kind}/${c.hook.name} (${c.mode}${c.vlan ? `, vlan ${c.vlan}` : ''}; ${SKB_LAYOUT_SNAPSHOT.source})\n${r.program.listing}`;
    const url = new URL(`./golden/${c.file}`, import.meta.url);
    if (process.env.TFC_GOLDEN_RECORD === '1') writeFileSync(url, text);
    assert.equal(text, readFileSync(url, 'utf8'));
    if (c.note) assert.match((r.notes ?? []).join('\n'), c.note);
    else assert.equal(r.notes, undefined);
  });
}

test('skb: refusals are diagnostics (cBPF, fentry returning a verdict, snaplen out of range)', () => {
  const hook: SkbHook = { kind: 'fentry', name: 'ip_rcv', skbArg: 0 };
  const r = compileSkbCapture({ filter: 'tcp', layout: SKB_LAYOUT_SNAPSHOT, hook, mode: 'return' });
  assert.ok(!r.ok);
  assert.match(r.diagnostics[0]!.message, /must return 0/);
  const s = compileSkbCapture({ filter: 'tcp', layout: SKB_LAYOUT_SNAPSHOT, hook, snaplen: 0 });
  assert.ok(!s.ok);
  assert.match(s.diagnostics[0]!.message, /snaplen/);
  const p = compileSkbCapture({ filter: 'tcp port', layout: SKB_LAYOUT_SNAPSHOT, hook });
  assert.ok(!p.ok);
  assert.equal(p.diagnostics[0]!.stage, 'parse');
});
