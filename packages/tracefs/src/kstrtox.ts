// Integer conversion with the kernel's kstrtoull/kstrtoll semantics (lib/kstrtox.c), base 0:
// `0x`/`0X` + hex digit → hex, other leading `0` → octal, else decimal; the whole string must be
// consumed (one trailing '\n' allowed); overflow is an error. kstrtoull accepts one leading '+',
// kstrtoll one leading '-' or '+'. Results are 64-bit two's complement bit patterns (bigint in
// [0, 2^64)). Invariant: pure, never throws.

const U64_MAX = (1n << 64n) - 1n;

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return 99;
}

function isXdigit(c: number | undefined): boolean {
  return c !== undefined && digitValue(c) < 16;
}

/** _kstrtoull: no sign handling. */
function parseUnsigned(s: string): bigint | undefined {
  let i = 0;
  let base = 10n;
  const c0 = s.charCodeAt(0);
  if (c0 === 0x30) {
    const c1 = s.charCodeAt(1) | 0x20;
    if (c1 === 0x78 && isXdigit(s.charCodeAt(2))) {
      base = 16n;
      i = 2;
    } else {
      base = 8n;
    }
  }
  let value = 0n;
  let consumed = 0;
  let overflow = false;
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i));
    if (BigInt(d) >= base) break;
    value = value * base + BigInt(d);
    if (value > U64_MAX) overflow = true;
    consumed++;
  }
  if (overflow || consumed === 0) return undefined;
  if (s.charCodeAt(i) === 0x0a) i++;
  if (i !== s.length) return undefined;
  return value;
}

export function kstrtoull(s: string): bigint | undefined {
  return parseUnsigned(s.startsWith('+') ? s.slice(1) : s);
}

/** Returns the s64 value as a 64-bit pattern in [0, 2^64). */
export function kstrtoll(s: string): bigint | undefined {
  if (s.startsWith('-')) {
    const t = parseUnsigned(s.slice(1));
    if (t === undefined) return undefined;
    const neg = BigInt.asUintN(64, -t);
    if (BigInt.asIntN(64, neg) > 0n) return undefined;
    return neg;
  }
  const t = kstrtoull(s);
  if (t === undefined || BigInt.asIntN(64, t) < 0n) return undefined;
  return t;
}
