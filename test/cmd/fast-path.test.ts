// The yargs-free parser of the hot commands must hand each handler exactly the argv yargs would, and
// must leave to yargs every command line it is not sure about (help, errors, unusual syntax).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'node:stream';
import { HOT_COMMANDS, RAW_COMMANDS, parseFast } from '../../cmd/fast-path.ts';
import { commandGroups, topLevelCommands } from '../../cmd/commands.ts';
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
  ['--root', '/r', '--runroot', '/run', 'container', 'cleanup', '--rm', '0123abcd'],
  ['container', 'cleanup', 'a', 'b'],
  ['skopeo', 'copy', 'docker://a/b:c', 'oci:/tmp/x:y'],
  ['skopeo', '--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', 'docker://r/a:1', 'docker://r/b:1'],
  ['skopeo', 'copy', '--all', '--format', 'oci', '--dest-compress-format', 'zstd', '--retry-times', '3', 'dir:/x', 'oci:/y'],
  ['skopeo', '--registries.d', '/etc/r.d', '--policy', '/p.json', 'copy', '--sign-by', 'ABC', 'a:b', 'c:d', '--override-arch', 'arm64'],
  ['skopeo', 'copy', '--additional-tag', 'x:1', '--additional-tag', 'y:2', 'oci:/a', 'docker-archive:/b'],
  ['skopeo', 'inspect', '--raw', 'docker://busybox'],
  ['skopeo', 'inspect', '--config', '-n', '--creds', 'u:p', '--tls-verify=false', 'docker://r/x'],
  ['skopeo', 'list-tags', 'docker://r/x'],
  ['skopeo', 'delete', '--tls-verify=false', 'docker://r/x:1'],
  // podman's repeatable and boolean global options, before and after the verb
  ['--storage-opt', 'overlay.mountopt=nodev', '--storage-opt=overlay.ignore_chown_errors=true', 'ps', '-a'],
  ['--runtime-flag', 'debug', 'images', '--runtime-flag', 'log-format=json'],
  ['--events-backend', 'none', '--network-cmd-path', '/usr/bin/slirp4netns', 'container', 'inspect', 'x'],
  ['--noout', 'image', 'exists', 'busybox'],
  ['ps', '--noout', '--hooks-dir', '/a', '--hooks-dir=/b', '--cgroup-manager', 'cgroupfs'],
];

// Lines left to yargs: help, errors, syntax this parser does not take, commands that are not hot.
const slow: string[][] = [
  [], ['--help'], ['images', '--help'], ['images', '-h'], ['-v'], ['--version'], ['images', '--version'],
  ['images', '--bogus'], ['images', '-z'], ['images', 'a', 'b'], ['images', '--'], ['images', '-', 'x'],
  ['images', '-a', 'true'], ['images', '--all', 'false'], ['images', '-af', 'x'], ['images', '-fx'],
  ['images', '--filter'], ['images', '--filter', '-a'], ['images', '-a', '-a'],
  ['ps', '-n', 'x'], ['ps', '--last', '-1'], ['-a', 'images'], ['--bogus', 'images'], ['image'], ['image', 'bogus'], ['image', 'bogus', 'ls'],
  ['image', 'exists'], ['image', 'inspect'], ['pull', 'busybox'], ['rmi', 'x'], ['completion'],
  ['--get-yargs-completions', 'im'], ['skopeo', 'sync', 'a', 'b'], ['image', 'ls', '--help'], ['volume', 'ls', '--filter'],
  ['skopeo', 'copy', 'a'], ['skopeo', 'copy', '--bogus', 'a', 'b'], ['skopeo', 'inspect', '--help'], ['skopeo', 'copy', '--format'],
];

for (const args of fast) {
  test(`fast path = yargs: ${args.join(' ')}`, async () => {
    const got = await parseFast(args);
    assert.ok(got, 'the fast path should take this line');
    const want = await yargsArgv(args);
    assert.type(want, 'object', String(want));
    assert.equal(got!.argv, want);
  });
}

// run/create/exec read their own words: the fast path hands over the same raw line and global options
const raw: string[][] = [
  ['run', '--rm', 'img', 'true'],
  ['--root', '/x', 'run', '-it', '--root', '/y', 'img', 'sh', '-c', 'x'],
  ['container', 'run', '-d', '--name', 'web', 'img'],
  ['--log-level', 'debug', 'create', '--name', 'a', 'img', '--', 'x'],
  ['container', 'create', 'img'],
  ['exec', '-it', 'c', 'sh'],
  ['--runroot=/r', 'container', 'exec', '-e', 'A=1', 'c', 'env'],
  ['--storage-opt', 'a=1', '--storage-opt', 'b=2', '--noout', 'run', '--storage-opt', 'c=3', 'img'],
  ['--runtime-flag=debug', 'create', '--runtime-flag', 'log-format=json', 'img'],
];
for (const args of raw) {
  test(`fast path = yargs (raw words): ${args.join(' ')}`, async () => {
    const got = await parseFast(args);
    assert.ok(got, 'the fast path should take this line');
    const want = await yargsArgv(args);
    assert.type(want, 'object', String(want));
    for (const [k, v] of Object.entries(got!.argv)) assert.equal(v, (want as Record<string, unknown>)[k], k);
    assert.ok(Array.isArray(got!.argv['--']));
  });
}
for (const args of [['run'], ['run', '--help'], ['run', '-h', 'x', 'img'], ['exec', '-it'], ['run', '--rm', '-ith', 'img'], ['--bogus', 'run', 'img']]) {
  test(`left to yargs (raw words): ${JSON.stringify(args)}`, async () => {
    assert.is(await parseFast(args), undefined);
  });
}

test('RAW_COMMANDS load the modules commands.ts has for those words', async () => {
  for (const [words, load] of Object.entries(RAW_COMMANDS)) {
    const [group, verb] = words.includes(' ') ? words.split(' ') : [undefined, words];
    const list = group ? commandGroups().find((g) => g.command === group)!.subcommands() : topLevelCommands();
    const real = list.filter((m) => ([] as string[]).concat(m.command)[0].split(/\s+/)[0] === verb || m.aliases?.includes(verb));
    assert.is(real.length, 1, words);
    assert.is((await load()).describe, real[0].describe, words);
  }
});

for (const args of slow) {
  test(`left to yargs: ${JSON.stringify(args)}`, async () => {
    assert.is(await parseFast(args), undefined);
  });
}

test('the command found is the one yargs runs', async () => {
  const mod = async (args: string[]) => (await parseFast(args))!.mod;
  assert.is((await mod(['images'])).describe, 'List images in local storage');
  assert.is((await mod(['image', 'list'])).describe, 'List images in local storage');
  assert.is((await mod(['container', 'ls'])).describe, (await mod(['ps'])).describe);
  assert.is.not((await mod(['image', 'inspect', 'x'])).describe, (await mod(['container', 'inspect', 'x'])).describe);
});

// The hot commands and every word that names them, derived from commands.ts as yargs sees it: a
// word naming two commands is left out (yargs would pick one; the fast path must not guess).
const HOT = ['images', 'ps', 'inspect', 'image ls', 'image exists', 'image inspect', 'container ps', 'container exists',
  'container inspect', 'volume ls', 'network ls', 'container cleanup', 'skopeo copy', 'skopeo inspect', 'skopeo list-tags', 'skopeo delete'];
function hotWords(): Map<string, string> {
  const names = (c: { command: string | string[]; aliases?: string[] }) =>
    [...([] as string[]).concat(c.command).map((x) => x.trim().split(/\s+/)[0]), ...(c.aliases ?? [])];
  const out = new Map<string, string>();
  const add = (list: { command: string | string[]; aliases?: string[] }[], prefix: string) => {
    const count = new Map<string, number>();
    for (const m of list) for (const n of names(m)) count.set(n, (count.get(n) ?? 0) + 1);
    for (const m of list) {
      const canonical = prefix + names(m)[0];
      if (HOT.includes(canonical)) for (const n of names(m)) if (count.get(n) === 1) out.set(prefix + n, canonical);
    }
  };
  add([...topLevelCommands(), ...commandGroups()], '');
  for (const g of commandGroups()) add(g.subcommands(), `${names(g)[0]} `);
  return out;
}

test('HOT_COMMANDS names exactly the hot commands of commands.ts, each loading its module', async () => {
  const want = hotWords();
  assert.equal(Object.keys(HOT_COMMANDS).sort(), [...want.keys()].sort());
  for (const [words, canonical] of want) {
    const mod = await HOT_COMMANDS[words]();
    const [group, verb] = canonical.includes(' ') ? canonical.split(' ') : [undefined, canonical];
    const list = group ? commandGroups().find((g) => g.command === group)!.subcommands() : topLevelCommands();
    const real = list.find((m) => ([] as string[]).concat(m.command)[0].split(/\s+/)[0] === verb)!;
    assert.is(mod.describe, real.describe, words);
    assert.equal(mod.command, real.command, words);
  }
});

test.run();
