/*
 * The device names the tc batches accept: what a `tc -b` line can carry as `dev NAME` without quoting (letters,
 * digits, `_ . @ -`; 1..15 bytes, IFNAMSIZ − 1). Invariant: one predicate for every tc back end and the CLI.
 */
const DEV_RE = /^[A-Za-z0-9_.@-]{1,15}$/;

export function isTcDevName(dev: string): boolean {
  return DEV_RE.test(dev);
}
