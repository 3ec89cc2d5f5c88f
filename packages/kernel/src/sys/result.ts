// The error values of this package: failures a caller can cause or the machine can lack are
// returned, never thrown. Invariants: every SysError names the operation and errno symbolically;
// `log` carries the verifier log for BPF_PROG_LOAD failures (possibly truncated, then `logTruncated`).
import { errnoName } from './errno.ts';

export interface SysError {
  readonly op: string;
  readonly errno: number;
  readonly errnoName: string;
  readonly message: string;
  readonly log?: string;
  readonly logTruncated?: boolean;
}

export type Result<T, E = SysError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };

export function sysError(op: string, errno: number, detail?: string): SysError {
  const name = errnoName(errno);
  return { op, errno, errnoName: name, message: `${op} failed: ${name}${detail ? ` (${detail})` : ''}` };
}

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
