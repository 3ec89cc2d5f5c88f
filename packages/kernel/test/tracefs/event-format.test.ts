// event-format.ts: readRawFormat finds name, ID and every field of a format file as printed (array suffixes kept
// in the type, signedness from `signed:`), and returns null for a file without a name or ID. Pure: text only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldOf, readRawFormat } from '../../src/tracefs/event-format.ts';

const TEXT = `name: task_rename
ID: 155
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:pid_t pid;\toffset:8;\tsize:4;\tsigned:1;
\tfield:char oldcomm[16];\toffset:12;\tsize:16;\tsigned:0;
\tfield:__data_loc char[] name;\toffset:28;\tsize:4;\tsigned:0;

print fmt: "pid=%d"
`;

test('readRawFormat reads name, ID and fields in file order', () => {
  const f = readRawFormat(TEXT);
  assert.ok(f);
  assert.equal(f.name, 'task_rename');
  assert.equal(f.id, 155);
  assert.deepEqual(
    f.fields.map((x) => [x.type, x.name, x.offset, x.size, x.signed]),
    [
      ['unsigned short', 'common_type', 0, 2, false],
      ['int', 'common_pid', 4, 4, true],
      ['pid_t', 'pid', 8, 4, true],
      ['char[16]', 'oldcomm', 12, 16, false],
      ['__data_loc char[]', 'name', 28, 4, false],
    ],
  );
  assert.equal(fieldOf(f, 'oldcomm')?.offset, 12);
  assert.equal(fieldOf(f, 'nope'), undefined);
});

test('readRawFormat is null without a name or an ID', () => {
  assert.equal(readRawFormat(TEXT.replace('name: task_rename\n', '')), null);
  assert.equal(readRawFormat(TEXT.replace('ID: 155\n', '')), null);
  assert.equal(readRawFormat(''), null);
});
