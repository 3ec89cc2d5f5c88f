// Numeric literals and addresses as libpcap 1.10 reads them: NUM (decimal, 0x hex, leading-0 octal,
// at most 32 bits), IPv4 dotted quads with 1-4 parts (each part a NUM ≤ 255, like __pcap_atoin),
// IPv6 addresses (RFC 4291 text forms, optional trailing dotted IPv4) and MAC addresses.
// Invariants: pure functions; failures are `undefined` or a message string, never a throw.

/** NUM text → u32, or an error message with libpcap's wording. */
export function parseNum(text: string): number | string {
  let v = 0n;
  if (/^0[xX]/.test(text)) {
    for (const c of text.slice(2)) v = v * 16n + BigInt(Number.parseInt(c, 16));
  } else if (text.length > 1 && text.startsWith('0')) {
    for (const c of text.slice(1)) {
      if (c > '7') return `number ${text} contains non-octal digit`;
      v = v * 8n + BigInt(c);
    }
  } else {
    for (const c of text) v = v * 10n + BigInt(c);
  }
  if (v > 0xffffffffn) return `number ${text} overflows 32 bits`;
  return Number(v);
}

/** IPv4 with 1-4 dotted parts → { value (left-aligned by the caller), bits = 8·parts }. */
export function parseIPv4(text: string): { readonly value: number; readonly bits: number } | undefined {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9]+$/.test(p)) return undefined;
    const n = Number.parseInt(p, 10);
    if (n > 255) return undefined;
    v = ((v << 8) | n) >>> 0;
  }
  return { value: v, bits: parts.length * 8 };
}

/** IPv6 text → 16 bytes, or undefined (inet_pton rules). */
export function parseIPv6(text: string): Uint8Array | undefined {
  let s = text;
  const out = new Uint8Array(16);
  let tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const q = v4[2]!.split('.').map((x) => Number.parseInt(x, 10));
    if (q.some((x) => x > 255) || v4[2]!.split('.').some((x) => x.length > 3)) return undefined;
    tail = q;
    s = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  let words: number[];
  const tailWords = tail.length === 4 ? [(tail[0]! << 8) | tail[1]!, (tail[2]! << 8) | tail[3]!] : [];
  if (dbl >= 0) {
    const a = groups(s.slice(0, dbl));
    const b = groups(s.slice(dbl + 2));
    if (!a || !b) return undefined;
    const fill = 8 - a.length - b.length - tailWords.length;
    if (fill < 1) return undefined;
    words = [...a, ...new Array<number>(fill).fill(0), ...b, ...tailWords];
  } else {
    const a = groups(s);
    if (!a) return undefined;
    words = [...a, ...tailWords];
    if (words.length !== 8) return undefined;
  }
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** MAC address in any of libpcap's five forms → 6 bytes. */
export function parseMac(text: string): Uint8Array | undefined {
  let hex: string[];
  if (/^[0-9A-Fa-f]{12}$/.test(text)) hex = text.match(/../g) ?? [];
  else if (/^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}$/.test(text))
    hex = text.replace(/\./g, '').match(/../g) ?? [];
  else {
    hex = text.split(/[:.-]/);
    if (hex.length !== 6 || hex.some((h) => !/^[0-9A-Fa-f]{1,2}$/.test(h))) return undefined;
  }
  return Uint8Array.from(hex.map((h) => Number.parseInt(h, 16)));
}
