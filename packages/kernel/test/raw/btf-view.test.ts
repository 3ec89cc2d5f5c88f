// The raw resolver's view of the running kernel's BTF (raw/btf-view.ts), when /sys/kernel/btf/vmlinux is readable:
// raw tracepoint argument types as BTF spells them, attach ids, members through anonymous structs and pointers
// (offset, size, sign, the struct a pointer points to), and the sentences for what is missing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { rawBtfView } from '../../src/raw/btf-view.ts';
import { parseBtf } from '../../src/sys/btf.ts';

function vmlinux(): Uint8Array | undefined {
  try {
    return new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux'));
  } catch {
    return undefined;
  }
}
const bytes = vmlinux();

test('the running kernel through the raw view', {
  skip: bytes === undefined ? 'no kernel BTF' : false,
}, () => {
  const t = parseBtf(bytes as Uint8Array);
  assert.ok(t.ok);
  if (!t.ok) return;
  const v = rawBtfView(t.table, 'the running kernel');
  assert.deepEqual(v.args('sys_enter'), ['struct pt_regs *', 'long int']);
  assert.deepEqual(v.args('sched_switch')?.slice(1, 3), ['struct task_struct *', 'struct task_struct *']);
  assert.equal(v.args('no_such_tracepoint'), undefined);
  assert.ok((v.btfId('sys_enter') ?? 0) > 0);
  const di = v.member('pt_regs', ['di']);
  assert.ok(typeof di !== 'string' && di.size === 8 && !di.signed, JSON.stringify(di));
  // through the anonymous struct sock_common: __sk_common.skc_family is an unsigned short
  const fam = v.member('sock', ['__sk_common', 'skc_family']);
  assert.ok(typeof fam !== 'string' && fam.size === 2 && !fam.signed, JSON.stringify(fam));
  const pid = v.member('task_struct', ['pid']);
  assert.ok(typeof pid !== 'string' && pid.size === 4 && pid.signed, JSON.stringify(pid));
  const dev = v.member('sk_buff', ['dev']);
  assert.ok(typeof dev !== 'string' && dev.size === 8 && dev.pointee === 'net_device', JSON.stringify(dev));
  assert.match(String(v.member('pt_regs', ['nope'])), /^BTF: no member nope in pt_regs/);
  assert.match(String(v.member('no_such_struct', ['x'])), /^BTF: no struct no_such_struct/);
});
