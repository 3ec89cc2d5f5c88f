/*
 * tc verdict codes (uapi linux/pkt_cls.h) and what cls_bpf does with a program's return value in each mode.
 * Invariants: the table is the uapi's; `classicReturn` and `daReturn` restate net/sched/cls_bpf.c's rules
 * (classic: 0 = no match, -1 = match with the filter's classid, any other value = match with that classid;
 * direct-action: OK, SHOT, STOLEN, REDIRECT and TRAP are the verdict, anything else — RECLASSIFY, PIPE, QUEUED and
 * REPEAT included — is TC_ACT_UNSPEC = "continue with the next filter").
 */

export const TC_ACT = {
  unspec: -1,
  ok: 0,
  reclassify: 1,
  shot: 2,
  pipe: 3,
  stolen: 4,
  queued: 5,
  repeat: 6,
  redirect: 7,
  trap: 8,
} as const;

export type TcActName = keyof typeof TC_ACT;

export const TC_ACT_NAMES: readonly TcActName[] = Object.keys(TC_ACT) as TcActName[];

/** u32 form of a TC_ACT code as a BPF program returns it (TC_ACT_UNSPEC = 0xffffffff). */
export function actReturn(name: TcActName): number {
  return TC_ACT[name] >>> 0;
}

/** How cls_bpf reads a classic-mode (non-da) return value. */
export function classicReturn(
  r: number,
): { readonly match: false } | { readonly match: true; readonly classid: 'filter' | number } {
  const u = r >>> 0;
  if (u === 0) return { match: false };
  if (u === 0xffffffff) return { match: true, classid: 'filter' };
  return { match: true, classid: u };
}

/** The codes cls_bpf passes through in direct-action mode (net/sched/cls_bpf.c cls_bpf_exec_opcode). */
export const DA_VERDICTS: readonly TcActName[] = ['ok', 'shot', 'stolen', 'redirect', 'trap'];

/** How cls_bpf reads a direct-action return value: the TC_ACT it stands for ('unspec' = continue). */
export function daReturn(r: number): TcActName {
  const s = r | 0;
  return DA_VERDICTS.find((n) => TC_ACT[n] === s) ?? 'unspec';
}
