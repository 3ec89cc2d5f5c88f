// The test tiers (docs/testing.md): every test file is in exactly one of `kernel`, `property`, `unit`, decided from
// its path, its name and the laboratory it imports — never from a list. Invariants: pure (a path and the file's text
// in, a tier out); the first rule that matches wins, in the order kernel, property, unit; paths are relative to the
// repository root with '/' separators. scripts/run-tests.mjs (--tier) and packages/testkit/test/tiers.test.ts use it.

export const TIERS = /** @type {const} */ (['unit', 'property', 'kernel']);

const KERNEL_PACKAGES = ['packages/kernel/', 'packages/tc-test/', 'packages/tracepoint-test/'];
// Import statements only (a line that starts with `import` or `} from`), so a string in a test is not an import.
const LAB_RE = /^(?:import\b[^;]*?|\}\s*)from '(@tfc\/tc-test|@tfc\/iproute2|@tfc\/kernel)'/m;
const PROPERTY_RE = /^(properties|differential|robustness)\.test\.ts$|-(properties|diff)\.test\.ts$/;
const CONTACT_RE =
  /^(?:import\b[^;]*?|\}\s*)from '(@tfc\/kernel\/sys|@tfc\/kernel\/tracefs|@tfc\/iproute2|koffi)'|getuid/m;

/**
 * Why a test file is in the kernel tier, or null: a `test/kernel/` folder, a kernel-side package, `kernel` in its
 * name, or an import of a laboratory that drives the running kernel (`@tfc/tc-test`, `@tfc/iproute2`: tc and ip in
 * network namespaces; `@tfc/kernel`'s root entry: tracepoints and the firer).
 */
export function kernelReason(path, text) {
  if (path.includes('/test/kernel/')) return 'in a test/kernel/ folder';
  const pkg = KERNEL_PACKAGES.find((p) => path.startsWith(p));
  if (pkg) return `a test of ${pkg.slice(0, -1)}`;
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base.includes('kernel')) return "'kernel' in its name";
  const lab = LAB_RE.exec(text);
  if (lab) return `imports ${lab[1]}`;
  return null;
}

/** The file's tier. */
export function tierOf(path, text) {
  if (kernelReason(path, text) !== null) return 'kernel';
  if (PROPERTY_RE.test(path.slice(path.lastIndexOf('/') + 1))) return 'property';
  return 'unit';
}

/**
 * A unit or property file with a guarded step that reaches the kernel, libpcap or tc when they are there (an import
 * of @tfc/kernel/sys, @tfc/kernel/tracefs, @tfc/iproute2 or koffi, or a root check): docs/testing.md lists them.
 */
export function hasGuardedSystemStep(text) {
  return CONTACT_RE.test(text);
}
