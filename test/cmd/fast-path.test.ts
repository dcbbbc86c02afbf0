// The yargs-free parser of the hot commands must hand each handler exactly the argv yargs would, and
// must leave to yargs every command line it is not sure about (help, errors, unusual syntax).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { parseFast } from '../../cmd/fast-path.ts';
import { createCli } from '../../cmd/main.ts';
import type { Io } from '../../cmd/types.ts';

/** What yargs (the real CLI tree) passes to the handler of `args`, or 'error: ...'. */
async function yargsArgv(args: string[]): Promise<Record<string, unknown> | string> {
  const out = new PassThrough(), err = new PassThrough();
  const io: Io = { stdout: out, stderr: err, stdin: new PassThrough(), env: process.env };
  const cli = createCli(args, io, () => {});
  let got: Record<string, unknown> | undefined;
  const stop = new Error('stop before the handler');
  cli.middleware((argv) => {
    got = { ...argv };
    throw stop;
  });
  try {
    await cli.parseAsync(args);
  } catch (e) {
    if (e !== stop) return `error: ${(e as Error).message}`;
  }
  return got ?? 'no handler ran';
}

// Lines the fast path must take, each checked against yargs.
const fast: string[][] = [
  ['images'],
  ['images', 'busybox'],
  ['images', '-a', '--filter', 'dangling=true', '-f', 'label=a=b', '--sort=id'],
  ['images', '-aq', '--no-trunc', '--digests', '--noheading'],
  ['images', '--format', '{{.ID}} {{.Repository}}', '-n'],
  ['images', '--format=json', '--all=false', '--filter=reference=x*'],
  ['images', '--quiet', '--history', '123'],
  ['images', '--noTrunc', '--log-level=info'],
  ['--root', '/tmp/r', '--runroot=/tmp/run', 'images', '--log-level', 'debug'],
  ['image', 'ls', '-q'],
  ['image', 'list', '--sort', 'size', 'busybox'],
  ['--storage-driver', 'overlay', 'image', 'ls', '--root', '/x'],
  ['ps'],
  ['ps', '-a', '--no-trunc', '-q'],
  ['ps', '-n', '3', '--format', '{{.ID}}', '--filter', 'status=running'],
  ['ps', '--last=2', '-s', '--no-heading', '-l'],
  ['container', 'ps', '-a'],
  ['container', 'ls', '--filter', 'name=x', '--filter', 'id=1'],
  ['container', 'list'],
  ['inspect', 'a', 'b', '--format', '{{.Id}}'],
  ['inspect', '-t', 'image', '-s', 'busybox'],
  ['inspect', '--type=container', '-l'],
  ['image', 'inspect', 'busybox', '-f', '{{.Id}}'],
  ['image', 'inspect', 'a', 'b', 'c'],
  ['image', 'exists', 'busybox'],
  ['container', 'exists', 'web'],
  ['container', 'inspect', 'web', '--format', 'json'],
  ['volume', 'ls', '-q', '--filter', 'name=a'],
  ['volume', 'list', '--format', '{{.Name}}', '-n'],
  ['network', 'ls', '--no-trunc', '-f', 'driver=bridge', '-f', 'name=x'],
];

// Lines left to yargs: help, errors, syntax this parser does not take, commands that are not hot.
const slow: string[][] = [
  [], ['--help'], ['images', '--help'], ['images', '-h'], ['-v'], ['--version'], ['images', '--version'],
  ['images', '--bogus'], ['images', '-z'], ['images', 'a', 'b'], ['images', '--'], ['images', '-', 'x'],
  ['images', '-a', 'true'], ['images', '--all', 'false'], ['images', '-af', 'x'], ['images', '-fx'],
  ['images', '--filter'], ['images', '--filter', '-a'], ['images', '-a', '-a'],
  ['ps', '-n', 'x'], ['ps', '--last', '-1'], ['-a', 'images'], ['--bogus', 'images'], ['image'], ['image', 'bogus'], ['image', 'bogus', 'ls'],
  ['image', 'exists'], ['image', 'inspect'], ['pull', 'busybox'], ['rmi', 'x'], ['run', 'busybox'], ['completion'],
  ['--get-yargs-completions', 'im'], ['skopeo', 'inspect', 'docker://x'], ['image', 'ls', '--help'], ['volume', 'ls', '--filter'],
];

for (const args of fast) {
  test(`fast path = yargs: ${args.join(' ')}`, async () => {
    const got = parseFast(args);
    assert.ok(got, 'the fast path should take this line');
    const want = await yargsArgv(args);
    assert.type(want, 'object', String(want));
    assert.equal(got!.argv, want);
  });
}

for (const args of slow) {
  test(`left to yargs: ${JSON.stringify(args)}`, () => {
    assert.is(parseFast(args), undefined);
  });
}

test('the command found is the one yargs runs', () => {
  assert.is(parseFast(['images'])!.mod.describe, 'List images in local storage');
  assert.is(parseFast(['image', 'list'])!.mod.describe, 'List images in local storage');
  assert.is(parseFast(['container', 'ls'])!.mod.describe, parseFast(['ps'])!.mod.describe);
  assert.is.not(parseFast(['image', 'inspect', 'x'])!.mod, parseFast(['container', 'inspect', 'x'])!.mod);
});

test.run();
