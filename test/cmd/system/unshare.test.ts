import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseUnshareArgs } from '../../../cmd/system/unshare.ts';
import { TspodError } from '../../../lib/errors.ts';

const cases: [string[], { help: boolean; rootlessNetns: boolean; command: string[] }][] = [
  [[], { help: false, rootlessNetns: false, command: [] }],
  [['id'], { help: false, rootlessNetns: false, command: ['id'] }],
  [['sh', '-c', 'id -u'], { help: false, rootlessNetns: false, command: ['sh', '-c', 'id -u'] }],
  [['du', '-h', '--help'], { help: false, rootlessNetns: false, command: ['du', '-h', '--help'] }],
  [['--help'], { help: true, rootlessNetns: false, command: [] }],
  [['-h', 'id'], { help: true, rootlessNetns: false, command: ['id'] }],
  [['--rootless-netns', 'ip', 'a'], { help: false, rootlessNetns: true, command: ['ip', 'a'] }],
  [['--', '-weird-name', 'x'], { help: false, rootlessNetns: false, command: ['-weird-name', 'x'] }],
];

for (const [words, want] of cases) {
  test(`parseUnshareArgs ${JSON.stringify(words)}`, () => {
    assert.equal(parseUnshareArgs(words), want);
  });
}

test('parseUnshareArgs: unknown flag before COMMAND is a usage error', () => {
  try {
    parseUnshareArgs(['--bogus', 'id']);
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, TspodError);
    assert.is((e as TspodError).code, 'USAGE');
  }
});

test.run();
