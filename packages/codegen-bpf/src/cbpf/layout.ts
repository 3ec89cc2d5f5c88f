// Layout of the classic generator's item list into instructions: jumps to the next instruction dropped, far
// conditional targets (past 255) reached through shared `ja` islands or trampolines, offsets resolved.
// Invariants: forward jumps only in and out; islands are jumps, never copies of a `ret` (the kernel's scratch-memory
// check carries what a `ret` had into the next instruction but starts afresh after a `ja`); iterated to a fixpoint,
// each jump expanded at most once.
import { type RawInsn, toRaw } from '@tfc/bpf/cbpf';
import type { Item } from '../cbpf-opt.ts';

/** Conditional jumps farther than 255 instructions reach an island instead: a `ja` to their target put where
 *  control cannot fall in (right after a `ja` or a `ret`, before the labels there; where there is no such place in
 *  reach, behind a `ja` over it), shared by every later jump to that target within reach, and as far ahead as reach
 *  allows so that few serve many (one trampoline per far jump cost `host-or` over 800 scattered addresses 2,861 of
 *  its 6,040 instructions). Islands are jumps, never copies of a `ret`: the kernel's scratch-memory check carries
 *  what is known valid past a `ret` into the next instruction but starts afresh after a `ja`. What is left gets
 *  trampolines. */
function jumpIslands(input: readonly Item[]): Item[] {
  const items = [...input];
  let made = 0;
  const islandOf = new Map<string, string>();
  for (let guard = 0; guard < 4096; guard++) {
    // positions, and the places an island may go (item index before which nothing falls through)
    const pos: number[] = [];
    const at = new Map<string, number>();
    const places: { index: number; pos: number }[] = [];
    let n = 0;
    let barrier = false;
    let labelsFrom = -1;
    items.forEach((it, i) => {
      pos.push(n);
      if (it.op === 'label') {
        at.set(it.name, n);
        if (labelsFrom < 0) labelsFrom = i;
        return;
      }
      // before the labels of this instruction: what jumps there still lands on it
      if (barrier) places.push({ index: labelsFrom < 0 ? i : labelsFrom, pos: n });
      labelsFrom = -1;
      barrier =
        it.op === 'ja' || (it.op === 'insn' && (it.insn.kind === 'ret_k' || it.insn.kind === 'ret_a'));
      n++;
    });
    let fixed = false;
    for (let i = 0; i < items.length && !fixed; i++) {
      const it = items[i]!;
      if (it.op !== 'jmp') continue;
      const here = pos[i]!;
      for (const side of ['jt', 'jf'] as const) {
        const target = it[side];
        if (at.get(target)! - (here + 1) <= 255) continue;
        let best: string | undefined;
        for (const [name, w] of islandOf) {
          const p = at.get(name)!;
          if (w === target && p > here && p - (here + 1) <= 255 && (best === undefined || p > at.get(best)!))
            best = name;
        }
        if (best === undefined) {
          // the farthest place in reach (an island shifts what follows by one: keep a margin)
          let place: { index: number; pos: number } | undefined;
          for (const pl of places) if (pl.pos > here && pl.pos - (here + 1) <= 250) place = pl;
          best = `isl${made++}`;
          const island: Item[] = [
            { op: 'label', name: best },
            { op: 'ja', target },
          ];
          if (place !== undefined) items.splice(place.index, 0, ...island);
          else {
            // no such place in reach: make one, jumping over the island (two instructions, still shared)
            let k = -1;
            for (let j = i + 1; j < items.length; j++) {
              if (items[j]!.op === 'label') continue;
              if (pos[j]! - (here + 1) > 249) break;
              k = j;
            }
            if (k < 0) continue;
            while (k > 0 && items[k - 1]!.op === 'label') k--;
            const over = `${best}o`;
            items.splice(k, 0, { op: 'ja', target: over }, ...island, { op: 'label', name: over });
          }
          islandOf.set(best, target);
        }
        items[i] = { ...it, [side]: best };
        fixed = true;
        break;
      }
    }
    if (!fixed) break;
  }
  return items;
}

/** Drops jumps to the next instruction, inserts trampolines for far targets, resolves offsets. */
export function layout(input: readonly Item[]): RawInsn[] {
  let items = [...input];
  // A `ja` directly followed (through labels only) by its target label is a fall-through.
  const peep: Item[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.op === 'ja') {
      let j = i + 1;
      let fall = false;
      while (j < items.length && items[j]!.op === 'label') {
        if ((items[j] as { name: string }).name === it.target) fall = true;
        j++;
      }
      if (fall) continue;
    }
    peep.push(it);
  }
  items = peep;
  items = jumpIslands(items);
  let tramp = 0;
  for (;;) {
    const pos = new Map<string, number>();
    let n = 0;
    for (const it of items) {
      if (it.op === 'label') pos.set(it.name, n);
      else n++;
    }
    let changed = false;
    const out: Item[] = [];
    let at = 0;
    for (const it of items) {
      if (it.op === 'jmp') {
        const dt = pos.get(it.jt)! - (at + 1);
        const df = pos.get(it.jf)! - (at + 1);
        if (dt > 255 || df > 255) {
          changed = true;
          const extra: Item[] = [];
          const copy = { ...it };
          if (dt > 255) {
            const l = `t${tramp++}`;
            extra.push({ op: 'label', name: l }, { op: 'ja', target: it.jt });
            copy.jt = l;
          }
          if (df > 255) {
            const l = `t${tramp++}`;
            extra.push({ op: 'label', name: l }, { op: 'ja', target: it.jf });
            copy.jf = l;
          }
          out.push(copy, ...extra);
          at += 1 + extra.filter((e) => e.op !== 'label').length;
          continue;
        }
      }
      out.push(it);
      if (it.op !== 'label') at++;
    }
    items = out;
    if (!changed) break;
  }
  const pos = new Map<string, number>();
  let n = 0;
  for (const it of items) {
    if (it.op === 'label') pos.set(it.name, n);
    else n++;
  }
  const prog: RawInsn[] = [];
  for (const it of items) {
    const here = prog.length;
    if (it.op === 'label') continue;
    if (it.op === 'insn') prog.push(toRaw(it.insn));
    else if (it.op === 'ja') prog.push(toRaw({ kind: 'ja', offset: pos.get(it.target)! - (here + 1) }));
    else {
      const jt = pos.get(it.jt)! - (here + 1);
      const jf = pos.get(it.jf)! - (here + 1);
      prog.push(
        toRaw(
          it.src === 'k'
            ? { kind: 'jmp_k', cond: it.cond, value: it.k, jt, jf }
            : { kind: 'jmp_x', cond: it.cond, jt, jf },
        ),
      );
    }
  }
  return prog;
}
