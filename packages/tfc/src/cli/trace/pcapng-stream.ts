/*
 * pcapng written as events arrive (`tfc trace -w FILE|-`): a section header and one interface (Ethernet, ns
 * timestamps, if_name = the trace interface), one Enhanced Packet Block per trace frame with the event name in
 * opt_comment (docs/trace-over-ethernet.md), and at the end an Interface Statistics Block with the frames
 * received (isb_ifrecv) and the events the kernel lost (isb_ifdrop), plus a comment with the per-CPU losses.
 * Invariants: little-endian blocks, every block length a multiple of 4 and repeated at its end; the bytes
 * written so far are always a readable capture (the statistics block is only an addition).
 */

const SHB = 0x0a0d0d0a;
const IDB = 1;
const EPB = 6;
const ISB = 5;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Options as [code, bytes] pairs, padded, ending in opt_endofopt. */
function options(opts: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  let size = 4;
  for (const [, b] of opts) size += 4 + pad4(b.length);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [code, b] of opts) {
    v.setUint16(at, code, true);
    v.setUint16(at + 2, b.length, true);
    out.set(b, at + 4);
    at += 4 + pad4(b.length);
  }
  return out;
}

function block(type: number, body: Uint8Array): Uint8Array {
  const len = 12 + body.length;
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, len, true);
  out.set(body, 8);
  v.setUint32(len - 4, len, true);
  return out;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const u64 = (n: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n), true);
  return b;
};

/** The section header and the interface description. */
export function pcapngHeader(ifName: string): Uint8Array {
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, 0x1a2b3c4d, true);
  sv.setUint16(4, 1, true);
  sv.setUint16(6, 0, true);
  sv.setBigInt64(8, -1n, true);
  const shbOpts = options([[4, utf8('tfc trace')]]);
  const idb = new Uint8Array(8);
  const iv = new DataView(idb.buffer);
  iv.setUint16(0, 1, true); // LINKTYPE_ETHERNET
  iv.setUint32(4, 0, true); // snaplen: no limit
  const idbOpts = options([
    [2, utf8(ifName)],
    [9, Uint8Array.of(9)],
  ]);
  return concat([block(SHB, concat([shb, shbOpts])), block(IDB, concat([idb, idbOpts]))]);
}

/** One frame with its timestamp (ns) and the event name as comment. */
export function pcapngPacket(frame: Uint8Array, tsNs: bigint, comment: string): Uint8Array {
  const head = new Uint8Array(20);
  const v = new DataView(head.buffer);
  const ts = BigInt.asUintN(64, tsNs);
  v.setUint32(0, 0, true);
  v.setUint32(4, Number(ts >> 32n), true);
  v.setUint32(8, Number(ts & 0xffffffffn), true);
  v.setUint32(12, frame.length, true);
  v.setUint32(16, frame.length, true);
  const data = new Uint8Array(pad4(frame.length));
  data.set(frame);
  return block(EPB, concat([head, data, options([[1, utf8(comment)]])]));
}

/** The closing statistics: frames received and events lost, with a free-text comment. */
export function pcapngStats(tsNs: bigint, received: bigint, dropped: bigint, comment: string): Uint8Array {
  const head = new Uint8Array(12);
  const v = new DataView(head.buffer);
  const ts = BigInt.asUintN(64, tsNs);
  v.setUint32(0, 0, true);
  v.setUint32(4, Number(ts >> 32n), true);
  v.setUint32(8, Number(ts & 0xffffffffn), true);
  return block(
    ISB,
    concat([
      head,
      options([
        [1, utf8(comment)],
        [4, u64(received)],
        [5, u64(dropped)],
      ]),
    ]),
  );
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
