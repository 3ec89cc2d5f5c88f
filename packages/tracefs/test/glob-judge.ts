// The independent judge of glob_match: a second, separately written port of lib/glob.c glob_match over a byte view
// (buf, start, len) with the 2026 bound — the one tracefs's interpreter used before @tfc/ir's globMatch became the
// language's only port. Invariants: used by tests only, never by src/; reads past buf or past start+len yield 0 (NUL);
// len 0 is the empty string, len = Infinity reads to the NUL (the unbounded glob of older kernels).
const STAR = 0x2a;
function byteAt(buf: Uint8Array, i: number): number {
  return i < buf.length && i >= 0 ? (buf[i] as number) : 0;
}
export function judgeGlobMatch(pat: Uint8Array, buf: Uint8Array, start: number, len: number): boolean {
  const strEnd = start + Math.max(len, 0);
  const s = (i: number): number => (i >= strEnd ? 0 : byteAt(buf, i));
  const p = (i: number): number => (i < pat.length && i >= 0 ? (pat[i] as number) : 0);
  let si = start;
  let pi = 0;
  let backPat = -1;
  let backStr = -1;
  for (;;) {
    const c = s(si++);
    let d = p(pi++);
    let literal = false;
    let backtrack = false;
    if (d === 0x3f) {
      if (c === 0) return false;
    } else if (d === STAR) {
      if (p(pi) === 0) return true;
      backPat = pi;
      backStr = --si;
    } else if (d === 0x5b) {
      if (c === 0) return false;
      let match = false;
      const inverted = p(pi) === 0x21;
      let cls = pi + (inverted ? 1 : 0);
      let a = p(cls++);
      let malformed = false;
      for (;;) {
        let b = a;
        if (a === 0) {
          malformed = true;
          break;
        }
        if (p(cls) === 0x2d && p(cls + 1) !== 0x5d) {
          b = p(cls + 1);
          if (b === 0) {
            malformed = true;
            break;
          }
          cls += 2;
        }
        if (a <= c && c <= b) match = true;
        a = p(cls++);
        if (a === 0x5d) break;
      }
      if (malformed) literal = true;
      else if (match === inverted) backtrack = true;
      else pi = cls;
    } else {
      if (d === 0x5c) d = p(pi++);
      literal = true;
    }
    if (literal) {
      if (c === d) {
        if (d === 0) return true;
        continue;
      }
      backtrack = true;
    }
    if (backtrack) {
      if (c === 0 || backPat < 0) return false;
      pi = backPat;
      si = ++backStr;
    }
  }
}
