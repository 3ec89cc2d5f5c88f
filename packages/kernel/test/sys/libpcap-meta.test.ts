// withLinuxMeta / readsLinuxMeta (libpcap-meta.ts): each ancillary load of a packet's Linux metadata — pkt_type,
// ifindex, VLAN tag presence, VLAN TCI — becomes one immediate load of the value the kernel would read, whatever the
// load size, and nothing else moves; and, as root, libpcap's compiler on a live handle (liveCompiler) is the one
// that emits the VLAN loads (a dead handle's program has none). Invariants: pure apart from the guarded step, which
// closes its handle.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DLT, loadLibpcap, readsLinuxMeta, withLinuxMeta } from '../../src/sys/index.ts';

const AD = 0xfffff000;
/** Encoded struct bpf_insn (code, jt, jf, k), little-endian. */
function prog(insns: readonly (readonly [number, number])[]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  const v = new DataView(out.buffer);
  insns.forEach(([code, k], i) => {
    v.setUint16(i * 8, code, true);
    v.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return out;
}
const rows = (p: Uint8Array) => {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  return Array.from({ length: p.length / 8 }, (_, i) => [
    v.getUint16(i * 8, true),
    v.getUint32(i * 8 + 4, true),
  ]);
};

test('withLinuxMeta makes each metadata load an immediate load of what the kernel reads', () => {
  const p = prog([
    [0x30, AD + 48], // ldb [vlanp]
    [0x30, AD + 44], // ldb [vlan_tci]
    [0x28, AD + 44], // ldh [vlan_tci]
    [0x28, AD + 4], // ldh [type]
    [0x20, AD + 8], // ld [ifidx]
    [0x28, 12], // ldh [12]
    [0x20, AD + 60], // ld [vlan_tpid]: not packet metadata tfc reads
    [0x06, 0],
  ]);
  assert.equal(readsLinuxMeta(p), true);
  assert.equal(readsLinuxMeta(prog([[0x28, 12]])), false);
  const m = withLinuxMeta(p, { pkttype: 4, ifindex: 7, vlanPresent: 1, vlanTci: 0xe064 });
  assert.deepEqual(rows(m), [
    [0, 1],
    [0, 0xe064],
    [0, 0xe064],
    [0, 4],
    [0, 7],
    [0x28, 12],
    [0x20, AD + 60],
    [0x06, 0],
  ]);
  assert.deepEqual(rows(p)[0], [0x30, AD + 48], 'the input is left alone');
  // no VLAN metadata: not present, TCI 0; any nonzero presence reads as 1 (the kernel's vlan_all != 0)
  assert.deepEqual(rows(withLinuxMeta(p, { pkttype: 0, ifindex: 1 })).slice(0, 2), [
    [0, 0],
    [0, 0],
  ]);
  assert.deepEqual(rows(withLinuxMeta(p, { pkttype: 0, ifindex: 1, vlanPresent: 5 }))[0], [0, 1]);
});

const lib = loadLibpcap();
const root = process.getuid?.() === 0;

test('liveCompiler: the live handle emits the VLAN metadata loads, a dead one does not', {
  skip: !lib.ok ? lib.reason : root ? false : 'needs root (pcap_open_live)',
}, () => {
  assert.ok(lib.ok);
  const live = lib.value.liveCompiler('lo');
  assert.ok(live.ok, live.ok ? '' : live.reason);
  try {
    const l = live.value.compile('vlan 100', { optimize: false });
    assert.ok(l.ok);
    const ks = rows(l.program).map(([, k]) => k);
    assert.ok(ks.includes(AD + 48) && ks.includes(AD + 44));
    using dead = lib.value.compiler(DLT.EN10MB);
    const d = dead.compile('vlan 100', { optimize: false });
    assert.ok(d.ok && !readsLinuxMeta(d.program));
  } finally {
    live.value.dispose();
  }
  assert.equal(lib.value.liveCompiler('nosuchdev0').ok, false);
});
