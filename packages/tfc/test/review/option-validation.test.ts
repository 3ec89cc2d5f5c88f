// Defect R6 (fixed): option validation of `tfc compile` is uneven, against its own contract "2 usage error":
//   --dev 'v0 egress' (any invalid device name) → exit 1 "codegen: invalid device name" (a usage error, not a
//     filter the target cannot express);
//   -O 7 with --target u32 / tc / p4 → accepted silently (exit 0), while with ebpf/cbpf it is exit 2;
//   --linktype nope, --flower-profile, --no-ranges, --object, --clsact with the default eBPF target → silently
//     ignored, while --emit/--ctx/--prog-type with --target u32 are refused ("does not apply to").
// Owner: packages/tfc/src/cli/commands/compile.ts (option checks before compiling).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tfc } from './helpers.ts';

const TRACE = ['family == 2', '--event', 'sock/inet_sock_set_state', '--source', 'bundled'];

test('R6 control: inapplicable options are refused for u32, -O 7 for eBPF', async () => {
  assert.equal((await tfc(['compile', ...TRACE, '--target', 'u32', '--emit', 'asm'])).code, 2);
  assert.equal((await tfc(['compile', ...TRACE, '-O', '7'])).code, 2);
});

test('R6: an invalid --dev is a usage error (exit 2)', async () => {
  const r = await tfc(['compile', ...TRACE, '--target', 'u32', '--dev', 'v0 egress']);
  assert.equal(r.code, 2, r.err);
});

test('R6: -O 7 is refused for every target', async () => {
  for (const target of ['u32', 'tc', 'p4']) {
    const r = await tfc(['compile', ...TRACE, '--target', target, '-O', '7']);
    assert.equal(r.code, 2, `--target ${target}: exit ${r.code}`);
  }
});

test('R6: options that do not apply to the eBPF and cBPF trace targets are refused, not ignored', async () => {
  for (const target of ['ebpf', 'cbpf'])
    for (const opt of [
      ['--linktype', 'nope'],
      ['--no-ranges'],
      ['--clsact'],
      ['--flower-profile', 'mlx5'],
      ['--dev', 'eth0'],
      ['--prio', '3'],
    ]) {
      const r = await tfc(['compile', ...TRACE, '--target', target, ...opt]);
      assert.equal(r.code, 2, `--target ${target} ${opt.join(' ')}: exit ${r.code}`);
      assert.match(r.err, /does not apply to --target/);
    }
  const ok = await tfc(['compile', ...TRACE, '--target', 'ebpf']);
  assert.equal(ok.code, 0, 'without them it compiles');
});
