// BTF as the capture tool reads it — on a hand-built BTF blob (hooks with their skb/reason/location argument
// slots, members through anonymous structs, a bitfield as byte + shift + mask, drop reason names, refusal of
// truncated blobs) and, when /sys/kernel/btf/vmlinux is readable, on the running kernel (the five stable
// tracepoints, the layout, NO_SOCKET). Also kallsyms symbolization, /proc/net device lists and the record codec.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeRecord,
  dropReasonName,
  dropReasonNames,
  encodeRecord,
  functionHook,
  listHooks,
  parseKallsyms,
  parseProcNetDevices,
  RECORD_HEADER_SIZE,
  resolveHook,
  STABLE_TRACEPOINTS,
  tracepointHook,
} from '../../src/skb/index.ts';
import { btfField, BTF_KIND as KIND, parseBtf } from '../../src/sys/btf.ts';

/** A hand-built vmlinux-like BTF blob (ids in the comments); names are string-table offsets. */
function blob(): Uint8Array {
  const names = [
    'int',
    'sk_buff',
    'len',
    'pkt_type',
    'skb_drop_reason',
    'SKB_DROP_REASON_NOT_SPECIFIED',
    'SKB_DROP_REASON_NO_SOCKET',
    'u8',
    'btf_trace_kfree_skb',
    'ip_rcv_fake',
    'sk',
    'skb',
    'no_skb',
    'x',
    'inner',
    'mark',
  ];
  const off = new Map<string, number>();
  let at = 1;
  for (const n of names) {
    off.set(n, at);
    at += n.length + 1;
  }
  const s = (n: string) => off.get(n) as number;
  const types: [number, number, number, number, number, number[]][] = [
    [s('int'), KIND.INT, 0, 0, 4, [32]], // 1
    [s('sk_buff'), KIND.STRUCT, 3, 1, 16, [s('len'), 1, 0, s('pkt_type'), 7, (3 << 24) | 66, 0, 14, 96]], // 2
    [0, KIND.PTR, 0, 0, 2, []], // 3
    [
      s('skb_drop_reason'),
      KIND.ENUM,
      2,
      0,
      4,
      [s('SKB_DROP_REASON_NOT_SPECIFIED'), 2, s('SKB_DROP_REASON_NO_SOCKET'), 3],
    ], // 4
    [0, KIND.FUNC_PROTO, 4, 0, 0, [0, 6, 0, 3, 0, 6, 0, 4]], // 5 (void *, skb *, void *, reason)
    [0, KIND.PTR, 0, 0, 0, []], // 6 void *
    [s('u8'), KIND.INT, 0, 0, 1, [8]], // 7
    [s('btf_trace_kfree_skb'), KIND.TYPEDEF, 0, 0, 9, []], // 8
    [0, KIND.PTR, 0, 0, 5, []], // 9
    [0, KIND.FUNC_PROTO, 2, 0, 1, [s('sk'), 6, s('skb'), 3]], // 10
    [s('ip_rcv_fake'), KIND.FUNC, 1, 0, 10, []], // 11
    [s('no_skb'), KIND.FUNC, 1, 0, 13, []], // 12
    [0, KIND.FUNC_PROTO, 1, 0, 1, [s('x'), 1]], // 13
    [0, KIND.STRUCT, 1, 0, 4, [s('mark'), 1, 0]], // 14: anonymous struct { int mark; } at byte 12 of sk_buff
  ];
  const strBytes = new TextEncoder().encode(`\0${names.join('\0')}\0`);
  const words = types.flatMap(([n, k, vlen, kflag, st, extra]) => [
    n,
    ((kflag << 31) | (k << 24) | vlen) >>> 0,
    st,
    ...extra,
  ]);
  const out = new Uint8Array(24 + words.length * 4 + strBytes.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true);
  v.setUint8(2, 1);
  v.setUint32(4, 24, true);
  v.setUint32(12, words.length * 4, true);
  v.setUint32(16, words.length * 4, true);
  v.setUint32(20, strBytes.length, true);
  words.forEach((w, i) => {
    v.setUint32(24 + i * 4, w >>> 0, true);
  });
  out.set(strBytes, 24 + words.length * 4);
  return out;
}

test('a hand-built BTF: tracepoint and function hooks with their argument slots', () => {
  const r = parseBtf(blob());
  assert.ok(r.ok, r.ok ? '' : r.error);
  const tp = tracepointHook(r.table, 'skb', 'kfree_skb');
  assert.deepEqual(tp, {
    name: 'skb/kfree_skb',
    kind: 'tp_btf',
    target: 'kfree_skb',
    btfId: 8,
    skbArg: 0,
    reasonArg: 2,
    locationArg: 1,
    argCount: 3,
  });
  assert.deepEqual(functionHook(r.table, 'ip_rcv_fake'), {
    name: 'fentry/ip_rcv_fake',
    kind: 'fentry',
    target: 'ip_rcv_fake',
    btfId: 11,
    skbArg: 1,
    argCount: 2,
  });
  const bad = resolveHook(r.table, 'no_skb');
  assert.ok(!bad.ok && /no struct sk_buff \* argument/.test(bad.error));
  const none = resolveHook(r.table, 'skb/nothing');
  assert.ok(!none.ok && /no tracepoint 'nothing'/.test(none.error));
  assert.ok(!resolveHook(r.table, 'a b').ok);
  assert.equal(resolveHook(r.table, 'fentry/ip_rcv_fake').ok, true);
  assert.deepEqual(
    listHooks(r.table, { functions: true }).map((h) => h.name),
    ['skb/kfree_skb', 'fentry/ip_rcv_fake'],
  );
  assert.deepEqual(
    listHooks(r.table).map((h) => h.name),
    ['skb/kfree_skb'],
  );
});

test('a hand-built BTF: members through anonymous structs, bitfields, drop reason names, a missing member', () => {
  const r = parseBtf(blob());
  assert.ok(r.ok);
  assert.deepEqual(btfField(r.table, 'sk_buff', ['mark']), {
    ok: true,
    field: { offset: 12, size: 4, type: 1 },
  });
  assert.deepEqual(btfField(r.table, 'sk_buff', ['pkt_type']), {
    ok: true,
    field: { offset: 8, size: 1, bit: { shift: 2, bits: 3 }, type: 7 },
  });
  const names = dropReasonNames(r.table);
  assert.equal(dropReasonName(names, 3), 'NO_SOCKET');
  assert.equal(dropReasonName(names, 99), '99');
  const l = btfField(r.table, 'sk_buff', ['data_len']);
  assert.ok(!l.ok && l.error === 'no member data_len in sk_buff.');
});

test('parseBtf never throws on truncated or corrupted blobs', () => {
  const good = blob();
  fc.assert(
    fc.property(
      fc.nat(good.length),
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { maxLength: 4 }),
      (cut, flips) => {
        const b = good.slice(0, cut);
        for (const [i, x] of flips) if (i < b.length) b[i] = x;
        const r = parseBtf(b);
        if (r.ok) for (const t of r.table.types) if (t) resolveHook(r.table, t.name || 'x');
      },
    ),
    { numRuns: 500 },
  );
});

test('the running kernel: the five stable tracepoints, the layout and NO_SOCKET (when BTF is readable)', (t) => {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux'));
  } catch {
    return t.skip('no readable /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)');
  }
  const r = parseBtf(bytes);
  assert.ok(r.ok, r.ok ? '' : r.error);
  for (const s of STABLE_TRACEPOINTS) {
    const h = tracepointHook(r.table, s.system, s.name);
    assert.ok(h, `${s.system}/${s.name}`);
    assert.equal(h.skbArg, 0);
  }
  const kfree = tracepointHook(r.table, 'skb', 'kfree_skb');
  assert.equal(kfree?.reasonArg, 2);
  assert.equal(kfree?.locationArg, 1);
  const l = btfField(r.table, 'sk_buff', ['pkt_type']);
  assert.ok(l.ok, l.ok ? '' : l.error);
  assert.equal(l.field.size, 1);
  assert.equal(l.field.bit?.bits, 3);
  assert.equal(dropReasonName(dropReasonNames(r.table), 3), 'NO_SOCKET');
  const f = resolveHook(r.table, 'ip_rcv');
  assert.ok(f.ok && f.hook.kind === 'fentry' && f.hook.skbArg === 0);
});

test('kallsyms: symbol+offset, module names, addresses outside every symbol as hex', () => {
  const k = parseKallsyms(
    'ffffffff81000000 T _stext\nffffffff81000100 t udp_rcv\nffffffff81000200 D some_data\nffffffffc0000000 t nf_hook_slow\t[nf_tables]\n0000000000000000 T hidden\n',
  );
  assert.equal(k.symbolize(0xffffffff81000123n), 'udp_rcv+0x23');
  assert.equal(k.symbolize(0xffffffff81000100n), 'udp_rcv');
  assert.equal(k.symbolize(0xffffffff81000210n), 'udp_rcv+0x110', 'data symbols are not code');
  assert.equal(k.symbolize(0xffffffffc0000010n), 'nf_hook_slow+0x10 [nf_tables]');
  assert.equal(k.symbolize(0x1000n), '0x1000');
  assert.equal(k.symbolize(0n), '0x0');
  assert.equal(parseKallsyms('0000000000000000 T a\n').symbolize(5n), '0x5', 'hidden addresses give hex');
});

test('/proc/PID/net device lists: ifindex to name from dev_mcast, igmp and if_inet6', () => {
  const m = parseProcNetDevices({
    devMcast: '2    veth0           1     0     333300000001\n',
    igmp: 'Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n1\tlo        :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n',
    ifInet6: 'fe800000000000000000000000000001 0a 40 20 80   veth7\n',
  });
  assert.deepEqual(
    [...m].sort(),
    [
      [1, 'lo'],
      [10, 'veth7'],
      [2, 'veth0'],
    ].sort(),
  );
});

test('capture records: encode/decode round trip, short and over-claiming records refused', () => {
  const rec = {
    skb: 0xffff888100001234n,
    timeNs: 123456789n,
    hook: 2,
    reason: 3,
    location: 0xffffffff81000123n,
    ifindex: 7,
    netns: 4026531840,
    tgid: 100,
    tid: 101,
    comm: 'nc',
    len: 60,
    protocol: 0x0800,
    pktType: 0,
    start: 0,
    mark: 0xabc,
    vlanTci: 0x2005,
    vlanProto: 0x8100,
    verdict: 1,
    data: Uint8Array.of(1, 2, 3),
  };
  const bytes = encodeRecord(rec);
  assert.equal(bytes.length, RECORD_HEADER_SIZE + 3);
  assert.deepEqual(bytes.subarray(72, 74), Uint8Array.of(8, 0), 'protocol in network order');
  const d = decodeRecord(bytes);
  assert.ok(d.ok);
  assert.deepEqual(d.record, rec);
  assert.equal(decodeRecord(bytes.subarray(0, 80)).ok, false);
  const lie = bytes.slice();
  new DataView(lie.buffer).setUint32(68, 4, true);
  assert.equal(decodeRecord(lie).ok, false);
});
