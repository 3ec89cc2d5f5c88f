// The kernel dialect model (src/dialect): profiles are complete and documented, probe answers map back to the
// profile that produced them, and every version-dependent behaviour changes what the parser, the interpreter,
// the error_log rendering and the lowering do — each case with the kernel's own text where it was observed live
// (the trailing-operator renderings below are what Linux 6.18.44 fc-v1272 printed on 2026-12-06).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  bundledEvent,
  DIALECT_PROBES,
  dialectFromProbes,
  type EventFormat,
  evaluate,
  explainRejection,
  type FilterDialect,
  HISTORY,
  lowerFilter,
  NEWEST,
  PROFILES,
  parseErrorMessage,
  parseFilter,
  profileByName,
  recordFromJson,
  renderDialectTable,
  renderErrorLog,
  renderFilterFile,
} from '../src/index.ts';

const sw = bundledEvent('sched', 'sched_switch') as EventFormat;
const P = (name: string): FilterDialect => {
  const d = profileByName(name);
  assert.ok(d, name);
  return d;
};
const parse = (text: string, dialect: FilterDialect) => parseFilter(text, sw, { nrCpuIds: 2, dialect });
const fileText = (text: string, dialect: FilterDialect): string => {
  const r = parse(text, dialect);
  return r.ok ? `${r.filter?.text ?? 'none'}\n` : renderFilterFile(r.error);
};

test('profiles: unique names, newest first, aliases resolve, NEWEST is today’s verified build', () => {
  const names = PROFILES.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  assert.equal(PROFILES[0], NEWEST);
  assert.equal(NEWEST.basis, 'verified-live');
  assert.equal(profileByName('6.18.44-fc-v669')?.name, '6.18-v669');
  assert.equal(profileByName('6.18.44-fc-v1272')?.name, '6.18');
  assert.equal(profileByName('4.19'), undefined);
  for (const p of PROFILES) assert.deepEqual(JSON.parse(JSON.stringify(p)), p, `${p.name} is plain data`);
});

test('every field that differs between two profiles has a history entry, and the docs table is current', () => {
  const differing = new Set<string>();
  const flat = (d: FilterDialect): Record<string, string> => ({
    trailingOperator: d.trailingOperator,
    'suffixes.ustring': String(d.suffixes.ustring),
    'suffixes.function': String(d.suffixes.function),
    cpusLiterals: String(d.cpusLiterals),
    'genericFields.common_cpu': String(d.genericFields.includes('common_cpu')),
    'genericFields.stacktrace': String(d.genericFields.includes('stacktrace')),
    globBound: d.globBound,
    fullMatch: d.fullMatch,
    errorLog: JSON.stringify(d.errorLog),
    maxWriteBytes: String(d.maxWriteBytes),
  });
  const known = new Set(Object.keys(flat(NEWEST)));
  for (const a of PROFILES)
    for (const b of PROFILES)
      for (const [k, v] of Object.entries(flat(a))) if (flat(b)[k] !== v) differing.add(k);
  for (const k of differing)
    assert.ok(
      HISTORY.some((h) => h.key === k),
      `no history for ${k}`,
    );
  // Fields outside flat() must be the same everywhere (else flat() and HISTORY miss a behaviour).
  const rest = (d: FilterDialect) => {
    const {
      name,
      kernel,
      basis,
      trailingOperator,
      suffixes,
      cpusLiterals,
      genericFields,
      globBound,
      fullMatch,
      errorLog,
      maxWriteBytes,
      ...r
    } = d;
    return r;
  };
  for (const p of PROFILES) assert.deepEqual(rest(p), rest(NEWEST), p.name);
  assert.ok(known.size >= differing.size);
  const doc = readFileSync(new URL('../../../docs/trace-filters.md', import.meta.url), 'utf8');
  const m = /<!-- dialect-table:[^\n]*-->\n([\s\S]*?)\n<!-- \/dialect-table -->/.exec(doc);
  assert.ok(m, 'docs/trace-filters.md has the dialect table markers');
  assert.equal(m[1], renderDialectTable(PROFILES), 'regenerate the table: renderDialectTable(PROFILES)');
});

test('trailing operators: refused by today’s build (caret one past the end), ignored by the earlier one', () => {
  const today = P('6.18');
  const early = P('6.18-v669');
  for (const [f, caret] of [
    ['prev_pid == 1 &&', 16],
    ['prev_pid == 1 ||', 16],
    ['prev_pid == 1 || !', 18],
    ['prev_pid == 1 && !!', 19],
    ['prev_pid == 1 &&!', 17],
    ['(prev_pid == 1) &&', 18],
    ['!(prev_pid == 1) &&', 19],
    ['prev_pid == 1 || prev_pid == 2 &&', 33],
    ['prev_pid == 1 && (prev_pid == 2) ||', 35],
    ['prev_pid==1&&   ', 13],
  ] as const) {
    const r = parse(f, today);
    assert.ok(!r.ok, f);
    assert.equal(r.error.errno, 'EINVAL', f);
    assert.equal(
      renderFilterFile(r.error),
      `${f.trimEnd()}\n${' '.repeat(caret)}^\nparse_error: Meaningless filter expression\n\n`,
      f,
    );
    assert.equal(r.error.kernelUndefined, undefined);
    assert.match(renderErrorLog(r.error, today), new RegExp(`\\n {${11 + caret}}\\^\\n$`));
    if (!f.includes('||') || !f.includes('&&')) assert.ok(parse(f, early).ok, `early build ignores: ${f}`);
  }
  // Inside parentheses the missing operand is found first, on both builds: EPERM, bare.
  for (const f of ['(prev_pid == 1 &&)', 'prev_pid == 1 && (prev_pid == 2 &&)', '((prev_pid == 1) &&)']) {
    for (const d of [today, early]) {
      const r = parse(f, d);
      assert.ok(!r.ok && r.error.bare && r.error.errno === 'EPERM', `${d.name}: ${f}`);
    }
  }
  const none = parse('!', today);
  assert.ok(!none.ok && none.error.message === 'No filter found');
});

test('features by profile: .ustring, .function, CPUS{}, common_cpu, stacktrace', () => {
  const cases: [string, string, string | null][] = [
    // [filter, profile, message when rejected (null: accepted)]
    ['prev_comm.ustring == "x"', '5.15', null],
    ['prev_comm.ustring == "x"', '5.15.0', 'Invalid operator'],
    ['prev_comm.ustring == "x"', '5.10.0', 'Invalid operator'],
    ['prev_pid.function == 1', '6.6', 'Illegal operation for field type'],
    ['prev_pid.function == 1', '6.1', 'Invalid operator'],
    ['cpu & CPUS{0}', '6.6', null],
    ['cpu & CPUS{0}', '6.1', 'Invalid value (did you forget quotes)?'],
    ['prev_pid == CPUS{0-1}', '6.1.0', 'Invalid value (did you forget quotes)?'],
    ['common_cpu == 1', '6.1.0', null],
    ['common_cpu == 1', '5.15.0', 'Field not found'],
    ['common_cpu == 1', '5.10', null],
    ['stacktrace == 1', '6.6', null],
    ['STACKTRACE == 1', '6.1', 'Field not found'],
  ];
  for (const [f, name, message] of cases) {
    const r = parse(f, P(name));
    if (message === null) assert.ok(r.ok, `${name}: ${f}: ${r.ok ? '' : r.error.message}`);
    else assert.equal(r.ok ? 'accepted' : r.error.message, message, `${name}: ${f}`);
  }
  // The caret on a missing suffix lands one past the dot, as on any unknown operator.
  assert.equal(
    fileText('prev_comm.ustring == "x"', P('5.15.0')),
    'prev_comm.ustring == "x"\n          ^\nparse_error: Invalid operator\n\n',
  );
});

test('explainRejection names the missing feature and the version that brought it', () => {
  const env = (d: string) => ({ nrCpuIds: 2, dialect: P(d) });
  assert.deepEqual(explainRejection('cpu & CPUS{1}', sw, env('5.15')), [
    'CPUS{...} cpumask literals are not in this kernel; they arrived in Linux 6.6 (kernel: 5.15)',
  ]);
  assert.match(
    explainRejection('prev_pid == 1 &&', sw, env('6.18'))[0] ?? '',
    /refuses a filter that ends in an operator/,
  );
  assert.deepEqual(explainRejection('prev_pid == 1 &&', sw, env('6.12')), []);
  assert.deepEqual(explainRejection('nosuchfield == 1', sw, env('5.10.0')), []);
  assert.match(explainRejection('common_cpu == 0', sw, env('5.15.0'))[0] ?? '', /common_cpu .* Linux 6\.0/);
});

/** sched_switch record with prev_comm set to `comm` bytes (no NUL added). */
function swRecord(comm: Uint8Array): { record: Uint8Array; ctx: { cpu: number; comm: Uint8Array } } {
  const r = recordFromJson(sw, { prev_pid: 1 });
  assert.ok(r.ok);
  const rec = new Uint8Array(r.record);
  const f = sw.fields.find((x) => x.name === 'prev_comm');
  assert.ok(f && f.size === 16);
  rec.fill(0, f.offset, f.offset + 16);
  rec.set(comm.subarray(0, 16), f.offset);
  // next_pid right after prev_comm… the bytes after the field matter to an unbounded glob.
  return { record: rec, ctx: { cpu: 0, comm: new Uint8Array(16) } };
}

test('glob bound: kernels before the 2026 fix read a full char[16] past its end; the lowering refuses them', () => {
  const full = new TextEncoder().encode('abcdefghijklmnop');
  const { record, ctx } = swRecord(full);
  // prev_pid (right after prev_comm) is 1: bytes 01 00 00 00 follow the 16 letters, then NUL.
  const glob = 'prev_comm ~ "abcdefghijklmnop?"';
  const bounded = parse(glob, P('6.12'));
  const unbounded = parse(glob, P('6.12.0'));
  assert.ok(bounded.ok && unbounded.ok);
  assert.equal(evaluate(bounded.filter, record, ctx), false, 'bounded: the string ends after 16 bytes');
  assert.equal(evaluate(unbounded.filter, record, ctx), true, 'unbounded: reads the 17th byte (prev_pid)');
  const low = lowerFilter(unbounded.filter, sw, { ctx: 'record', nrCpuIds: 2 });
  assert.ok(!low.ok);
  assert.match(low.diagnostics[0]?.message ?? '', /before the 2026 glob fix/);
  assert.ok(lowerFilter(bounded.filter, sw, { ctx: 'record', nrCpuIds: 2 }).ok);
  // A non-glob pattern or comm is the same on both: no refusal.
  const prefix = parse('prev_comm ~ "abc*"', P('6.12.0'));
  assert.ok(prefix.ok && lowerFilter(prefix.filter, sw, { ctx: 'record', nrCpuIds: 2 }).ok);
});

test('== on a string shorter than the pattern: strncmp before the regex_match_full() fix, false after', () => {
  const { record, ctx } = swRecord(new TextEncoder().encode('abcdefghijklmnop'));
  const f = 'prev_comm == "abcdefghijklmnopq"';
  for (const [name, want] of [
    ['6.12', true],
    ['6.18', false],
    ['5.10', false],
    ['5.15', true],
  ] as const) {
    const r = parse(f, P(name));
    assert.ok(r.ok);
    assert.equal(evaluate(r.filter, record, ctx), want, name);
    const neg = parse(f.replace('==', '!='), P(name));
    assert.ok(neg.ok);
    assert.equal(evaluate(neg.filter, record, ctx), !want, `${name} !=`);
  }
  // The lowering of today's dialect folds the fixed field's case to a constant.
  const r = parse(f, P('6.18'));
  assert.ok(r.ok);
  const low = lowerFilter(r.filter, sw, { ctx: 'record', nrCpuIds: 2 });
  assert.ok(low.ok);
});

test('error_log before 5.18: u8 caret position and a 256-byte command buffer', () => {
  const long = `prev_pid == 1 && ${'prev_pid == 1 && '.repeat(16)}nosuch == 1`;
  const r = parse(long, P('5.15'));
  assert.ok(!r.ok);
  assert.ok(r.error.position > 256);
  const old = renderErrorLog(r.error, P('5.15'));
  const now = renderErrorLog(r.error, P('6.18'));
  assert.ok(now.includes(`  Command: ${long}\n`));
  assert.ok(!old.includes(long), 'the command is cut');
  // The cut command loses its newline too: the caret's blanks follow the command's last byte on one line.
  const tail = `${' '.repeat(11 + (r.error.position % 256))}^\n`;
  assert.ok(old.endsWith(tail) && !old.endsWith(`\n${tail}`), JSON.stringify(old.slice(-80)));
  assert.equal(Buffer.byteLength(old.slice(old.indexOf('\n'), old.length - tail.length)), 255);
  assert.ok(now.endsWith(`\n${' '.repeat(11 + r.error.position)}^\n`));
});

test('probe answers produced by a profile map back to a profile with the same probed behaviours', () => {
  for (const profile of PROFILES) {
    const answers = DIALECT_PROBES.map((pr) => {
      const r = parse(pr.filter, profile);
      return {
        filter: pr.filter,
        accepted: r.ok,
        message: r.ok ? '' : r.error.tooLong ? '' : parseErrorMessage(renderFilterFile(r.error)),
      };
    });
    const got = dialectFromProbes(answers, `${profile.name}.99`);
    assert.ok(got.matched !== null, `${profile.name}: ${got.notes.join('; ')}`);
    const m = P(got.matched);
    for (const k of [
      'trailingOperator',
      'suffixes',
      'cpusLiterals',
      'genericFields',
      'maxWriteBytes',
    ] as const)
      assert.deepEqual(m[k], profile[k], `${profile.name} → ${m.name}: ${k}`);
    if (PROFILES.filter((p) => p.name === profile.name).length === 1 && profile.name.includes('.'))
      assert.ok(
        got.dialect.name === profile.name ||
          got.dialect.name.startsWith(profile.name.split('.').slice(0, 2).join('.')),
      );
  }
});

test('an unknown build: answers that match no profile give a note and a dialect that follows them', () => {
  const answers = DIALECT_PROBES.map((pr) => {
    // 6.1's answers, but with a trailing operator refused: no profile has that combination.
    const r = parse(pr.filter, P('6.1'));
    const trailing = pr.behaviour === 'trailingOperator';
    return {
      filter: pr.filter,
      accepted: trailing ? false : r.ok,
      message: trailing
        ? 'Meaningless filter expression'
        : r.ok
          ? ''
          : parseErrorMessage(renderFilterFile(r.error)),
    };
  });
  const got = dialectFromProbes(answers, '6.1.200-custom');
  assert.equal(got.matched, null);
  assert.equal(got.dialect.name, 'live:6.1.200-custom');
  assert.equal(got.dialect.basis, 'probed');
  assert.equal(got.dialect.trailingOperator, 'rejected');
  assert.equal(got.dialect.cpusLiterals, false);
  assert.match(got.notes[0] ?? '', /unknown kernel build: .* nearest is 6\.1, .*trailingOperator/);
  const odd = dialectFromProbes(
    [{ filter: DIALECT_PROBES[0]?.filter ?? '', accepted: false, message: 'Something new' }],
    'x',
  );
  assert.ok(odd.notes.some((n) => n.includes('unexpected answer')));
});
