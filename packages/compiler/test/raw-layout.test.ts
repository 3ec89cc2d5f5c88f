// The raw layout resolver (front/raw-layout.ts) over a fake BTF view and the bundled event formats: which fields
// are covered and how (argument, member path with BTF's offsets, copy, ntoh, probe reads through casts), the
// per-syscall guard, refusals (tracepoint missing, argument types changed, no syscall number), and compileRaw's
// refusals of uncovered fields and string predicates as fallbacks (rawFallback), against real refusals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRaw, type RawBtf, type RawBtfMember, rawFallback, resolveRawLayout } from '@tfc/compiler';
import { bundledEvent, type EventFormat } from '@tfc/tracefs';

const MEMBERS: Record<string, RawBtfMember> = {
  'pt_regs.di': { offset: 112, size: 8, signed: false },
  'pt_regs.si': { offset: 104, size: 8, signed: false },
  'pt_regs.dx': { offset: 96, size: 8, signed: false },
  'pt_regs.r10': { offset: 56, size: 8, signed: false },
  'pt_regs.r8': { offset: 72, size: 8, signed: false },
  'pt_regs.r9': { offset: 64, size: 8, signed: false },
  'pt_regs.orig_ax': { offset: 120, size: 8, signed: false },
  'sock.__sk_common.skc_family': { offset: 16, size: 2, signed: false },
  'sock.__sk_common.skc_dport': { offset: 12, size: 2, signed: false },
  'sock.__sk_common.skc_rcv_saddr': { offset: 4, size: 4, signed: false },
  'sock.__sk_common.skc_daddr': { offset: 0, size: 4, signed: false },
  'sock.sk_protocol': { offset: 524, size: 2, signed: false },
  'sock.__sk_common.skc_v6_rcv_saddr': { offset: 72, size: 16, signed: false },
  'sock.__sk_common.skc_v6_daddr': { offset: 56, size: 16, signed: false },
  'inet_sock.inet_sport': { offset: 782, size: 2, signed: false },
  'inet_sock.inet_saddr': { offset: 776, size: 4, signed: false },
  'sk_buff.protocol': { offset: 180, size: 2, signed: false },
  'task_struct.comm': { offset: 2000, size: 16, signed: false },
  'task_struct.pid': { offset: 1500, size: 4, signed: true },
  'task_struct.prio': { offset: 100, size: 4, signed: true },
  'task_struct.thread_info.status': { offset: 16, size: 4, signed: false },
  'task_struct.exit_state': { offset: 1400, size: 4, signed: true },
  'sock.__sk_common.skc_state': { offset: 18, size: 1, signed: false },
  'inet_sock.pinet6': { offset: 768, size: 8, signed: false, pointee: 'ipv6_pinfo' },
  'ipv6_pinfo.saddr': { offset: 0, size: 16, signed: false },
  'tcp_sock.snd_nxt': { offset: 1600, size: 4, signed: false },
  'tcp_sock.snd_una': { offset: 1604, size: 4, signed: false },
  'tcp_sock.snd_cwnd': { offset: 1608, size: 4, signed: false },
  'tcp_sock.snd_wnd': { offset: 1612, size: 4, signed: false },
  'tcp_sock.srtt_us': { offset: 1616, size: 4, signed: false },
  'tcp_sock.rcv_wnd': { offset: 1620, size: 4, signed: false },
  'sk_buff.mark': { offset: 168, size: 4, signed: false },
  'sk_buff.len': { offset: 112, size: 4, signed: false },
  'sk_buff.data': { offset: 208, size: 8, signed: false },
  'sk_buff.head': { offset: 200, size: 8, signed: false },
  'sk_buff.end': { offset: 196, size: 4, signed: false },
  'sk_buff.network_header': { offset: 186, size: 2, signed: false },
  'skb_shared_info.gso_size': { offset: 4, size: 2, signed: false },
  'tcphdr.doff': { offset: 12, size: 1, signed: false, bit: { shift: 4, bits: 4 } },
  'sk_buff.dev': { offset: 16, size: 8, signed: false, pointee: 'net_device' },
  'net_device.name': { offset: 296, size: 16, signed: false },
};

function fakeBtf(args: Record<string, readonly string[]>): RawBtf {
  return {
    source: 'a fake BTF',
    args: (tp) => args[tp],
    member: (struct, path) =>
      MEMBERS[`${struct}.${path.join('.')}`] ?? `no member ${path.join('.')} in ${struct}`,
  };
}

const BTF = fakeBtf({
  sys_enter: ['struct pt_regs *', 'long int'],
  sys_exit: ['struct pt_regs *', 'long int'],
  inet_sock_set_state: ['const struct sock *', 'int', 'int'],
  kfree_skb: ['struct sk_buff *', 'void *', 'enum skb_drop_reason', 'struct sock *'],
});

function event(system: string, name: string): EventFormat {
  const ev = bundledEvent(system, name);
  assert.ok(ev, `${system}/${name} is bundled`);
  return ev;
}

test('sys_enter_lseek: syscall number from the id argument, the arguments from pt_regs, guarded by nr 8', () => {
  const r = resolveRawLayout(event('syscalls', 'sys_enter_lseek'), BTF);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const L = r.layout;
  assert.equal(L.tracepoint, 'sys_enter');
  assert.deepEqual(L.guard, {
    value: { arg: 1, path: [], access: 'btf', signed: true },
    equals: 8n,
    // compat (ia32) syscalls are not the event's: the current task's thread_info.status & TS_COMPAT
    unless: { value: { arg: -1, path: [{ offset: 16, size: 4 }], access: 'btf', signed: false }, mask: 2 },
  });
  const by = new Map(L.fields.map((f) => [f.name, f]));
  assert.deepEqual(by.get('__syscall_nr')?.source, {
    kind: 'value',
    value: { arg: 1, path: [], access: 'btf', signed: true },
  });
  for (const [name, off] of [
    ['fd', 112],
    ['offset', 104],
    ['whence', 96],
  ] as const)
    assert.deepEqual(by.get(name)?.source, {
      kind: 'value',
      value: { arg: 0, path: [{ offset: off, size: 8 }], access: 'btf', signed: false },
    });
  assert.deepEqual(by.get('common_pid')?.source, { kind: 'pid' });
  assert.deepEqual(
    L.uncovered.map((u) => u.name),
    ['common_flags', 'common_preempt_count'],
  );
  assert.equal(L.recordSize, 40);
});

test('sys_exit_lseek: guard and __syscall_nr from orig_ax, ret from the argument', () => {
  const r = resolveRawLayout(event('syscalls', 'sys_exit_lseek'), BTF);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.layout.tracepoint, 'sys_exit');
  assert.deepEqual(r.layout.guard?.value.path, [{ offset: 120, size: 8 }]);
  const ret = r.layout.fields.find((f) => f.name === 'ret');
  assert.deepEqual(ret?.source, { kind: 'value', value: { arg: 1, path: [], access: 'btf', signed: true } });
});

test('inet_sock_set_state: ntohs ports, the cast through inet_sk() read with probe reads, byte copies', () => {
  const r = resolveRawLayout(event('sock', 'inet_sock_set_state'), BTF);
  assert.ok(r.ok);
  if (!r.ok) return;
  const by = new Map(r.layout.fields.map((f) => [f.name, f.source]));
  assert.deepEqual(by.get('sport'), {
    kind: 'value',
    value: { arg: 0, path: [{ offset: 782, size: 2 }], access: 'probe', signed: false, swap: 2 },
  });
  assert.deepEqual(by.get('dport'), {
    kind: 'value',
    value: { arg: 0, path: [{ offset: 12, size: 2 }], access: 'btf', signed: false, swap: 2 },
  });
  assert.deepEqual(by.get('saddr'), {
    kind: 'bytes',
    value: { arg: 0, path: [{ offset: 776, size: 4 }], access: 'probe', signed: false },
    n: 4,
  });
  assert.deepEqual(by.get('daddr'), {
    kind: 'bytes',
    value: { arg: 0, path: [{ offset: 0, size: 4 }], access: 'btf', signed: false },
    n: 4,
  });
  // TP_STORE_ADDRS: the IPv6 member by family, else the v4-mapped IPv4 one
  assert.deepEqual(by.get('saddr_v6'), {
    kind: 'addr6',
    family: { arg: 0, path: [{ offset: 16, size: 2 }], access: 'btf', signed: false },
    v6: { arg: 0, path: [{ offset: 72, size: 16 }], access: 'btf', signed: false },
    v4: { arg: 0, path: [{ offset: 776, size: 4 }], access: 'probe', signed: false },
  });
  assert.deepEqual(
    r.layout.uncovered.map((u) => u.name),
    ['common_flags', 'common_preempt_count'],
  );
});

test('refusals: a tracepoint missing from BTF, changed argument types, no syscall number, no provenance', () => {
  const none = resolveRawLayout(event('syscalls', 'sys_enter_lseek'), fakeBtf({}));
  assert.ok(!none.ok && /no raw tracepoint sys_enter/.test(none.reason));
  const changed = resolveRawLayout(
    event('skb', 'kfree_skb'),
    fakeBtf({ kfree_skb: ['struct sk_buff *', 'void *'] }),
  );
  assert.ok(!changed.ok && /takes \(struct sk_buff \*, void \*\)/.test(changed.reason));
  const task = resolveRawLayout(event('task', 'task_rename'), BTF);
  assert.ok(!task.ok && /no field provenance/.test(task.reason));
});

test('compileRaw: uncovered fields and string fields fall back; kernel refusals do not', () => {
  const ev = event('sock', 'inet_sock_set_state');
  const r = resolveRawLayout(ev, BTF);
  assert.ok(r.ok);
  if (!r.ok) return;
  const c = (filter: string) => compileRaw({ filter, event: ev, layout: r.layout, nrCpuIds: 4 });
  const ok = c('family == 2 && sport == 22');
  assert.ok(ok.ok);
  // a 16-byte array compared with a number is false for the kernel too: nothing is read, nothing falls back
  assert.ok(c('saddr_v6 == 1').ok);
  const bad = c('family ==');
  assert.equal(bad.ok, false);
  assert.equal(rawFallback(bad), undefined, 'a filter the kernel refuses is a refusal, not a fallback');
  const sw = event('sched', 'sched_switch');
  const swL = resolveRawLayout(
    sw,
    fakeBtf({ sched_switch: ['bool', 'struct task_struct *', 'struct task_struct *', 'unsigned int'] }),
  );
  assert.ok(swL.ok);
  if (!swL.ok) return;
  const str = compileRaw({ filter: 'prev_comm == "x"', event: sw, layout: swL.layout, nrCpuIds: 4 });
  assert.match(rawFallback(str) ?? '', /string fields are not covered/);
  // prev_state is covered (__trace_sched_switch_state): a filter on it compiles
  assert.ok(compileRaw({ filter: 'prev_state == 1', event: sw, layout: swL.layout, nrCpuIds: 4 }).ok);
  const probe = event('tcp', 'tcp_probe');
  const pr = resolveRawLayout(probe, fakeBtf({ tcp_probe: ['struct sock *', 'const struct sk_buff *'] }));
  assert.ok(pr.ok);
  if (!pr.ok) return;
  // a member BTF lacks (the fake has no icsk_ca_state): the field falls back with BTF's reason
  const ss = compileRaw({ filter: 'ssthresh > 0', event: probe, layout: pr.layout, nrCpuIds: 4 });
  assert.match(
    rawFallback(ss) ?? '',
    /field ssthresh is not covered on the raw tracepoint: no member icsk_ca_state/,
  );
  assert.ok(compileRaw({ filter: 'data_len > 0', event: probe, layout: pr.layout, nrCpuIds: 4 }).ok);
  const cookie = compileRaw({ filter: 'sock_cookie == 7', event: probe, layout: pr.layout, nrCpuIds: 4 });
  assert.ok(cookie.ok);
  if (cookie.ok && cookie.program.target === 'ebpf')
    assert.match(cookie.program.listing, /call bpf_get_socket_cookie#46/);
  const pid = compileRaw({
    filter: 'next_pid == 1 && prev_prio < 120',
    event: sw,
    layout: swL.layout,
    nrCpuIds: 4,
  });
  assert.ok(pid.ok);
});

test('tcp_probe: TP_STORE_ADDR_PORTS sockaddrs through inet_sk() and inet6_sk(), the cookie, srtt_us >> 3', () => {
  const r = resolveRawLayout(
    event('tcp', 'tcp_probe'),
    fakeBtf({ tcp_probe: ['struct sock *', 'const struct sk_buff *'] }),
  );
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  const by = new Map(r.layout.fields.map((f) => [f.name, f.source]));
  const family = { arg: 0, path: [{ offset: 16, size: 2 }], access: 'btf', signed: false };
  assert.deepEqual(by.get('saddr'), {
    kind: 'sockaddr',
    family,
    port: { arg: 0, path: [{ offset: 782, size: 2 }], access: 'probe', signed: false },
    // inet6_sk(sk)->saddr: the pinet6 pointer, then its first member, read with probe reads
    v6: {
      arg: 0,
      path: [
        { offset: 768, size: 8 },
        { offset: 0, size: 16 },
      ],
      access: 'probe',
      signed: false,
    },
    v4: { arg: 0, path: [{ offset: 776, size: 4 }], access: 'probe', signed: false },
  });
  assert.deepEqual(by.get('daddr'), {
    kind: 'sockaddr',
    family,
    port: { arg: 0, path: [{ offset: 12, size: 2 }], access: 'btf', signed: false },
    v6: { arg: 0, path: [{ offset: 56, size: 16 }], access: 'btf', signed: false },
    v4: { arg: 0, path: [{ offset: 0, size: 4 }], access: 'btf', signed: false },
  });
  assert.deepEqual(by.get('sock_cookie'), { kind: 'cookie', arg: 0 });
  assert.deepEqual(by.get('srtt'), {
    kind: 'value',
    value: { arg: 0, path: [{ offset: 1616, size: 4 }], access: 'probe', signed: false, shr: 3 },
  });
  // skb->len - __tcp_hdrlen(skb->data): the TCP header's doff (a bitfield) through skb->data seen as a tcphdr
  assert.deepEqual(by.get('data_len'), {
    kind: 'value',
    value: {
      arg: 1,
      path: [{ offset: 112, size: 4 }],
      access: 'btf',
      signed: false,
      minus: {
        arg: 1,
        path: [
          { offset: 208, size: 8 },
          { offset: 12, size: 1, signed: false, bit: { shift: 4, bits: 4 } },
        ],
        access: 'probe',
        signed: false,
        shl: 2,
      },
    },
  });
  assert.deepEqual(by.get('mark'), {
    kind: 'value',
    value: { arg: 1, path: [{ offset: 168, size: 4 }], access: 'btf', signed: false },
  });
  assert.deepEqual(
    r.layout.uncovered.map((u) => u.name),
    ['common_flags', 'common_preempt_count', 'ssthresh'],
  );
});

test('sched_switch prev_state: __trace_sched_switch_state from preempt, prev_state and prev->exit_state', () => {
  const btf = fakeBtf({
    sched_switch: ['bool', 'struct task_struct *', 'struct task_struct *', 'unsigned int'],
  });
  const r = resolveRawLayout(event('sched', 'sched_switch'), btf);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(
    r.layout.fields.find((f) => f.name === 'prev_state'),
    {
      name: 'prev_state',
      offset: 32,
      size: 8,
      source: {
        kind: 'switchState',
        preempt: { arg: 0, path: [], access: 'btf', signed: false },
        state: { arg: 3, path: [], access: 'btf', signed: false },
        exitState: { arg: 1, path: [{ offset: 1400, size: 4 }], access: 'btf', signed: true },
        report: 0x7f,
        idle: 0x402,
        reportIdle: 0x80,
        asUninterruptible: 0x9000,
        uninterruptible: 2,
        reportMax: 0x100,
      },
    },
  );
  // without exit_state in BTF the field is not covered, with BTF's reason
  const bare: RawBtf = { ...btf, member: (s, p) => (p[0] === 'exit_state' ? 'gone' : btf.member(s, p)) };
  const r2 = resolveRawLayout(event('sched', 'sched_switch'), bare);
  assert.ok(r2.ok);
  if (r2.ok) assert.equal(r2.layout.uncovered.find((u) => u.name === 'prev_state')?.why, 'gone');
});

test('__data_loc strings: the char array copied after the fixed record; NULL-safe loads; strings refused to filters', () => {
  const ev = event('net', 'net_dev_queue');
  const r = resolveRawLayout(ev, fakeBtf({ net_dev_queue: ['struct sk_buff *'] }));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  assert.equal(r.layout.dataStart, 24);
  assert.deepEqual(r.layout.fields.find((f) => f.name === 'name')?.source, {
    kind: 'string',
    value: {
      arg: 0,
      path: [
        { offset: 16, size: 8 },
        { offset: 296, size: 16 },
      ],
      access: 'btf',
      signed: false,
    },
    max: 16,
  });
  const named = compileRaw({ filter: 'name == "lo"', event: ev, layout: r.layout, nrCpuIds: 4 });
  assert.match(rawFallback(named) ?? '', /string fields are not covered/);
  const out = compileRaw({ filter: 'len > 1', event: ev, layout: r.layout, nrCpuIds: 4 });
  assert.ok(out.ok);
  if (out.ok && out.program.target === 'ebpf')
    assert.match(out.program.listing, /call bpf_probe_read_kernel_str#115/);
  const reset = resolveRawLayout(
    event('tcp', 'tcp_send_reset'),
    fakeBtf({
      tcp_send_reset: ['const struct sock *', 'const struct sk_buff *', 'const enum sk_rst_reason'],
    }),
  );
  assert.ok(reset.ok);
  if (!reset.ok) return;
  // `sk ? sk->sk_state : 0`
  assert.deepEqual(reset.layout.fields.find((f) => f.name === 'state')?.source, {
    kind: 'value',
    value: { arg: 0, path: [{ offset: 18, size: 1 }], access: 'btf', signed: false, orZero: true },
  });
});

test('net_dev_start_xmit: header offsets as sums and differences, skb_shinfo() members from a computed base', () => {
  const r = resolveRawLayout(
    event('net', 'net_dev_start_xmit'),
    fakeBtf({ net_dev_start_xmit: ['const struct sk_buff *', 'const struct net_device *'] }),
  );
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  const by = new Map(r.layout.fields.map((f) => [f.name, f.source]));
  const m = (offset: number, size: number) => ({
    arg: 0,
    path: [{ offset, size }],
    access: 'btf',
    signed: false,
  });
  // skb_network_offset(skb): skb->head + skb->network_header - skb->data
  assert.deepEqual(by.get('network_offset'), {
    kind: 'value',
    value: { ...m(186, 2), minus: m(208, 8), plus: m(200, 8) },
  });
  // skb_shinfo(skb)->gso_size: at skb->head + skb->end, read with probe reads
  assert.deepEqual(by.get('gso_size'), {
    kind: 'value',
    value: {
      arg: 0,
      base: { ...m(200, 8), plus: m(196, 4) },
      path: [{ offset: 4, size: 2 }],
      access: 'probe',
      signed: false,
    },
  });
  // members the fake BTF lacks stay uncovered with BTF's reason
  assert.match(r.layout.uncovered.find((u) => u.name === 'gso_segs')?.why ?? '', /no member gso_segs/);
});

test('tcp_bad_csum, tcp_hash_*: the packet 4-tuple without a socket, TCP header ports and flags through skb->data', () => {
  const members: Record<string, RawBtfMember> = {
    'tcphdr.source': { offset: 0, size: 2, signed: false },
    'tcphdr.dest': { offset: 2, size: 2, signed: false },
    'tcphdr.syn': { offset: 13, size: 1, signed: false, bit: { shift: 1, bits: 1 } },
    'sock.__sk_common.skc_net.net': { offset: 48, size: 8, signed: false, pointee: 'net' },
    'net.net_cookie': { offset: 120, size: 8, signed: false },
  };
  const btf: RawBtf = {
    ...fakeBtf({
      tcp_bad_csum: ['const struct sk_buff *'],
      tcp_hash_md5_required: ['const struct sock *', 'const struct sk_buff *'],
      tcp_ao_handshake_failure: [
        'const struct sock *',
        'const struct sk_buff *',
        'const __u8',
        'const __u8',
        'const __u8',
      ],
    }),
  };
  const view: RawBtf = {
    ...btf,
    member: (s, p) => members[`${s}.${p.join('.')}`] ?? btf.member(s, p),
  };
  const m = (arg: number, offset: number, size: number) => ({
    arg,
    path: [{ offset, size }],
    access: 'btf',
    signed: false,
    orZero: true,
  });
  const csum = resolveRawLayout(event('tcp', 'tcp_bad_csum'), view);
  assert.ok(csum.ok, csum.ok ? '' : csum.reason);
  if (!csum.ok) return;
  // TP_STORE_ADDR_PORTS_SKB(skb, th, saddr, daddr): the packet's source into saddr, no socket consulted
  const packet = { head: m(0, 200, 8), network: m(0, 186, 2), data: m(0, 208, 8) };
  assert.deepEqual(csum.layout.fields.find((f) => f.name === 'saddr')?.source, {
    kind: 'resetAddr',
    ...packet,
    side: 'source',
  });
  assert.deepEqual(csum.layout.fields.find((f) => f.name === 'daddr')?.source, {
    kind: 'resetAddr',
    ...packet,
    side: 'dest',
  });
  assert.deepEqual(
    csum.layout.uncovered.map((u) => u.name),
    ['common_flags', 'common_preempt_count'],
  );
  const hash = resolveRawLayout(event('tcp', 'tcp_hash_md5_required'), view);
  assert.ok(hash.ok, hash.ok ? '' : hash.reason);
  if (!hash.ok) return;
  const by = new Map(hash.layout.fields.map((f) => [f.name, f.source]));
  // sock_net(sk)->net_cookie: a pointer member followed
  assert.deepEqual(by.get('net_cookie'), {
    kind: 'value',
    value: {
      arg: 0,
      path: [
        { offset: 48, size: 8 },
        { offset: 120, size: 8 },
      ],
      access: 'btf',
      signed: false,
    },
  });
  // th->syn: a bit of the TCP header at skb->data (the argument is the skb, 1)
  const syn = by.get('syn');
  assert.equal(syn?.kind, 'value');
  if (syn?.kind === 'value') {
    assert.equal(syn.value.arg, 1);
    assert.deepEqual(syn.value.path.at(-1), {
      offset: 13,
      size: 1,
      signed: false,
      bit: { shift: 1, bits: 1 },
    });
  }
  assert.match(hash.layout.uncovered.find((u) => u.name === 'l3index')?.why ?? '', /inet_sdif/);
  const ao = resolveRawLayout(event('tcp', 'tcp_ao_handshake_failure'), view);
  assert.ok(ao.ok, ao.ok ? '' : ao.reason);
  if (ao.ok)
    assert.deepEqual(
      ['keyid', 'rnext', 'maclen'].map((n) => ao.layout.fields.find((f) => f.name === n)?.source),
      [2, 3, 4].map((arg) => ({ kind: 'value', value: { arg, path: [], access: 'btf', signed: false } })),
    );
  // the argument types are checked: an skb argument that changed type is refused
  const moved = resolveRawLayout(
    event('tcp', 'tcp_bad_csum'),
    fakeBtf({ tcp_bad_csum: ['const struct sock *'] }),
  );
  assert.equal(moved.ok, false);
});

test('sock_exceed_buf_limit: the arguments and socket counters covered; the protocol sysctls and name named', () => {
  const members: Record<string, RawBtfMember> = {
    'sock.sk_backlog.rmem_alloc.counter': { offset: 200, size: 4, signed: true },
    'sock.sk_wmem_alloc.refs.counter': { offset: 300, size: 4, signed: true },
    'sock.sk_wmem_queued': { offset: 304, size: 4, signed: true },
  };
  const base = fakeBtf({ sock_exceed_buf_limit: ['struct sock *', 'struct proto *', 'long int', 'int'] });
  const view: RawBtf = { ...base, member: (s, p) => members[`${s}.${p.join('.')}`] ?? base.member(s, p) };
  const r = resolveRawLayout(event('sock', 'sock_exceed_buf_limit'), view);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  const names = r.layout.fields.map((f) => f.name).filter((n) => !n.startsWith('common_'));
  assert.deepEqual(names.sort(), ['allocated', 'kind', 'rmem_alloc', 'wmem_alloc', 'wmem_queued']);
  const why = new Map(r.layout.uncovered.map((u) => [u.name, u.why]));
  assert.match(why.get('sysctl_rmem') ?? '', /sk_get_rmem0/);
  assert.match(why.get('name') ?? '', /strscpy/);
  const ok = compileRaw({
    filter: 'kind == 1 && allocated > 100',
    event: event('sock', 'sock_exceed_buf_limit'),
    layout: r.layout,
    nrCpuIds: 2,
  });
  assert.ok(ok.ok);
  assert.match(
    rawFallback(
      compileRaw({
        filter: 'sysctl_rmem > 1',
        event: event('sock', 'sock_exceed_buf_limit'),
        layout: r.layout,
        nrCpuIds: 2,
      }),
    ) ?? '',
    /sk_get_rmem0/,
  );
});
