// @rootless
// podman's global options that tspod lacked: --storage-opt (replaces storage.conf's options),
// --runtime-flag (global flags for runc), --events-backend, --network-cmd-path, --noout, --hooks-dir,
// and the remote client's options (not supported); before and after the verb, on the fast path and
// through yargs. Errors and exit statuses compared with podman 4.3 (rootful).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerFixture, missingFeature, uniqueName, type ContainerFixture } from '../helpers/containers.ts';

const skip = missingFeature();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);
const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const tPodman = skip || rootless || spawnSync('podman', ['--version']).status !== 0 ? test.skip : test;
let f: ContainerFixture;
let dir: string;

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  dir = mkdtempSync(join(tmpdir(), 'tspod-200-'));
  chmodSync(dir, 0o755);
});
test.after(async () => {
  if (f) await f.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const rootMount = "awk '$2 == \"/\" { print $3, $4 }' /proc/mounts";
const NO_FAST = { TSPOD_NO_FAST_PATH: '1' };

// the same first error line from podman, on its own private store (no container needed)
function podman(args: string[]): { code: number; stderr: string } {
  const base = join(dir, 'podman');
  const r = spawnSync('podman', ['--root', join(base, 'root'), '--runroot', join(base, 'run'), '--runtime', 'runc', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stderr: r.stderr.split('\n').filter((l) => l.startsWith('Error: ')).join('\n') + '\n' };
}

const BAD: [string[], string][] = [
  [['--events-backend', 'bogus'], 'Error: configuring runtime: "bogus" is not a valid events backend: invalid argument\n'],
  [['--events-backend='], 'Error: configuring runtime: "" is not a valid events backend: invalid argument\n'],
  [['--cgroup-manager', 'bogus'], 'Error: configuring runtime: cgroup manager must be one of cgroupfs and systemd: invalid argument\n'],
  [['--storage-opt', 'bogus'], 'Error: unable to parse key/value option: bogus\n'],
  [['--storage-opt', 'overlay.bogus=1'], 'Error: overlay: Unknown option overlay.bogus\n'],
  [['--storage-opt', 'overlay.mount_program=/nonexistent'], 'Error: overlay: can\'t stat program "/nonexistent": stat /nonexistent: no such file or directory\n'],
  [['--storage-opt', 'overlay.ignore_chown_errors=maybe'], 'Error: strconv.ParseBool: parsing "maybe": invalid syntax\n'],
];

t('bad values: podman\'s errors, 125, before and after the verb, fast path and yargs', async () => {
  for (const [flag, want] of BAD) {
    for (const [args, env] of [[[...flag, 'ps'], {}], [['ps', ...flag], {}], [[...flag, 'ps'], NO_FAST], [['run', ...flag, f.image, 'true'], {}], [['images', ...flag], NO_FAST]] as const) {
      const r = await f.tspod([...args], { env });
      assert.is(r.stderr, want, args.join(' '));
      assert.is(r.code, 125, args.join(' '));
    }
  }
  const ok = await f.tspod(['--events-backend', 'none', '--cgroup-manager', 'cgroupfs', '--storage-opt', 'overlay.ignore_chown_errors=true', 'ps', '-a', '--format', '{{.ID}}']);
  assert.is(ok.code, 0, ok.stderr);
  for (const eb of ['file', 'journald']) assert.is((await f.tspod(['--events-backend', eb, 'ps'])).code, 0);
});

t('--storage-driver: overlay (or overlay2); another driver is refused, not ignored', async () => {
  for (const d of ['overlay', 'overlay2']) assert.is((await f.tspod(['--storage-driver', d, 'ps', '-q'])).code, 0, d);
  const vfs = await f.tspod(['--storage-driver', 'vfs', 'ps']);
  assert.is(vfs.code, 125);
  assert.is(vfs.stderr, 'Error: --storage-driver vfs: not supported by tspod (overlay only)\n');
  // podman: the same words, with the graph root after the driver's name
  const bad = await f.tspod(['run', '--storage-driver', 'bogus', f.image, 'true']);
  assert.is(bad.code, 125);
  assert.is(bad.stderr, 'Error: failed to GetDriver graph bogus: driver not supported\n');
});

t('--log-level: an unknown level is refused with status 1, as podman does', async () => {
  for (const args of [['--log-level', 'bogus', 'ps'], ['images', '--log-level=bogus'], ['run', '--log-level', 'bogus', f.image, 'true']]) {
    const r = await f.tspod(args);
    assert.is(r.code, 1, args.join(' '));
    // podman prints the same words without "Error: "
    assert.is(r.stderr, 'Error: Log Level "bogus" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic\n');
  }
});

tPodman('bad values: podman 4.3 says the same', () => {
  for (const [flag, want] of BAD) {
    const p = podman([...flag, 'ps']);
    assert.is(p.stderr, want, flag.join(' '));
    assert.is(p.code, 125);
  }
});

t('info: Store.GraphOptions lists --storage-opt as given (podman 4.3 prints the same)', async () => {
  const args = ['--storage-opt', 'mountopt=nodev', '--storage-opt', ' overlay.ignore_chown_errors = true', 'info', '--format', '{{json .Store.GraphOptions}}'];
  const r = await f.tspod(args);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '{" overlay.ignore_chown_errors ":" true","mountopt":"nodev"}\n');
  if (!rootless && spawnSync('podman', ['--version']).status === 0) {
    const base = join(dir, 'podman');
    const p = spawnSync('podman', ['--root', join(base, 'root'), '--runroot', join(base, 'run'), ...args], { encoding: 'utf8' });
    assert.is(p.stdout, r.stdout);
  }
});

t('remote client options and libpod namespaces: not supported (125); --identity, --ssh, --syslog accepted', async () => {
  for (const flag of [['--remote'], ['--url', 'unix:/run/podman/podman.sock'], ['--connection', 'x']]) {
    const r = await f.tspod([...flag, 'ps']);
    assert.is(r.code, 125);
    assert.is(r.stderr, `Error: ${flag[0]}: tspod has no remote client (it runs containers only on this machine): not supported\n`);
  }
  for (const flag of ['--namespace', '--volumepath', '--network-config-dir']) {
    const r = await f.tspod([flag, '/x', 'ps']);
    assert.is(r.code, 125);
    assert.is(r.stderr, `Error: ${flag}: not supported by tspod\n`);
  }
  // podman uses these only for its remote client (or logs to syslog besides): without it, no effect
  const r = await f.tspod(['--identity', '/nonexistent', '--ssh', 'native', '--syslog', 'ps', '--format', '{{.ID}}']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
});

t('--storage-opt overlay.mountopt: on the rootfs mount; replaces storage.conf\'s options; "" means none', async () => {
  const conf = join(dir, 'storage.conf');
  writeFileSync(conf, '[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmountopt = "nosuid"\n');
  const env = { CONTAINERS_STORAGE_CONF: conf };
  const base = await f.tspod(['run', '--rm', f.image, 'sh', '-c', rootMount], { env });
  assert.is(base.code, 0, base.stderr);
  assert.match(base.stdout, /^overlay \S*\bnosuid\b/);
  assert.not.match(base.stdout, /\bnodev\b/);
  const opt = await f.tspod(['--storage-opt', 'overlay.mountopt=nodev', 'run', '--rm', f.image, 'sh', '-c', rootMount], { env });
  assert.is(opt.code, 0, opt.stderr);
  assert.match(opt.stdout, /^overlay \S*\bnodev\b/);
  assert.not.match(opt.stdout, /\bnosuid\b/, 'storage.conf\'s mountopt is replaced');
  // after the verb too
  const after = await f.tspod(['run', '--storage-opt', 'mountopt=nodev', '--rm', f.image, 'sh', '-c', rootMount], { env });
  assert.match(after.stdout, /^overlay \S*\bnodev\b/, after.stderr);
  const none = await f.tspod(['--storage-opt', '', 'run', '--rm', f.image, 'sh', '-c', rootMount], { env });
  assert.is(none.code, 0, none.stderr);
  assert.not.match(none.stdout, /\bnosuid\b|\bnodev\b/);
});

t('the options hold for the exit command too: a restart by policy mounts with the same --storage-opt', async () => {
  const out = join(dir, uniqueName('restart'));
  mkdirSync(out);
  chmodSync(out, 0o777);
  const name = uniqueName('restart');
  const r = await f.tspod(['--storage-opt', 'overlay.mountopt=nodev', 'run', '-d', '--name', name, '--restart', 'on-failure:1', '-v', `${out}:/out`,
    f.image, 'sh', '-c', `${rootMount} >> /out/mounts; exit 3`]);
  assert.is(r.code, 0, r.stderr);
  let lines: string[] = [];
  for (let i = 0; i < 100 && lines.length < 2; i++) {
    await new Promise((res) => setTimeout(res, 100));
    try { lines = readFileSync(join(out, 'mounts'), 'utf8').trim().split('\n'); } catch { /* not yet */ }
  }
  assert.is(lines.length, 2, 'the container ran twice');
  for (const l of lines) assert.match(l, /^overlay \S*\bnodev\b/);
  await f.tspod(['rm', '-f', '-t', '0', name]);
});

function fuseProblem(): string | undefined {
  if (!existsSync('/usr/bin/fuse-overlayfs')) return 'fuse-overlayfs not installed';
  try { accessSync('/dev/fuse', constants.R_OK | constants.W_OK); } catch { return '/dev/fuse is not usable'; }
  return undefined;
}
const tFuse = skip || fuseProblem() ? test.skip : test;

tFuse('--storage-opt overlay.mount_program=fuse-overlayfs: the rootfs is a fuse-overlayfs mount', async () => {
  const r = await f.tspod(['--storage-opt', 'overlay.mount_program=/usr/bin/fuse-overlayfs', 'run', '--rm', f.image, 'sh', '-c', rootMount]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^fuse\.fuse-overlayfs /);
});

t('--runtime-flag: runc gets --FLAG (a debug log in the file named by --runtime-flag log=)', async () => {
  const log = join(dir, `${uniqueName('runc')}.log`);
  const r = await f.tspod(['--runtime-flag', `log=${log}`, 'run', '--runtime-flag', 'debug', '--rm', f.image, 'echo', 'hi']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'hi\n');
  assert.match(readFileSync(log, 'utf8'), /level=debug/);
  // exec too
  const name = uniqueName('rf');
  assert.is((await f.tspod(['run', '-d', '--name', name, f.image, 'sleep', '60'])).code, 0);
  const jlog = join(dir, `${uniqueName('runc')}.json`);
  const e = await f.tspod(['--runtime-flag', `log=${jlog}`, '--runtime-flag', 'log-format=json', '--runtime-flag', 'debug', 'exec', name, 'echo', 'in']);
  assert.is(e.stdout, 'in\n', e.stderr);
  const first = readFileSync(jlog, 'utf8').split('\n')[0];
  assert.is(JSON.parse(first).level, 'debug');
  await f.tspod(['rm', '-f', '-t', '0', name]);
  // a flag runc does not know is runc's error
  const bad = await f.tspod(['--runtime-flag', 'bogus', 'run', '--rm', f.image, 'true']);
  assert.is(bad.code, 126);
  assert.match(bad.stderr, /flag provided but not defined: -bogus/);
});

t('--network-cmd-path: the slirp4netns that runs; a missing one is podman\'s error (127)', async () => {
  const marker = join(dir, `${uniqueName('slirp')}.ran`);
  const wrapper = join(dir, `${uniqueName('slirp')}.sh`);
  writeFileSync(wrapper, `#!/bin/sh\necho "$@" > ${marker}\nexec /usr/bin/slirp4netns "$@"\n`);
  chmodSync(wrapper, 0o755);
  const r = await f.tspod(['--network-cmd-path', wrapper, 'run', '--rm', '--network', 'slirp4netns', f.image, 'cat', '/proc/net/dev']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /tap0:/);
  assert.ok(existsSync(marker), 'the wrapper ran');
  const bad = await f.tspod(['run', '--network-cmd-path', '/nonexistent', '--rm', '--network', 'slirp4netns', f.image, 'true']);
  assert.is(bad.code, 127);
  assert.is(bad.stderr, 'Error: checking slirp4netns binary /nonexistent: fork/exec /nonexistent: no such file or directory\n');
  if (rootless) {
    // the rootless default network is slirp4netns: the named one must work, no quiet fallback to pasta
    const def = await f.tspod(['--network-cmd-path', '/nonexistent', 'run', '--rm', f.image, 'true']);
    assert.is(def.code, 127, def.stderr);
  }
});

t('--noout: nothing of tspod\'s own on stdout (fast path, yargs, run -d), the container\'s output of an attached run, errors on stderr', async () => {
  const ps = await f.tspod(['--noout', 'ps', '-a']);
  assert.is(ps.code, 0);
  assert.is(ps.stdout, '');
  const im = await f.tspod(['--noout', 'images'], { env: NO_FAST });
  assert.is(im.stdout, '');
  const name = uniqueName('noout');
  const d = await f.tspod(['--noout', 'run', '-d', '--name', name, f.image, 'true']);
  assert.is(d.code, 0, d.stderr);
  assert.is(d.stdout, '', 'no container ID');
  // as podman 4.3: an attached run still shows the container's output
  const attached = await f.tspod(['--noout', 'run', '--rm', f.image, 'echo', 'from the container']);
  assert.is(attached.stdout, 'from the container\n', attached.stderr);
  const attachedAfter = await f.tspod(['run', '--noout', '--rm', f.image, 'echo', 'after']);
  assert.is(attachedAfter.stdout, 'after\n', attachedAfter.stderr);
  const after = await f.tspod(['create', '--noout', f.image, 'true']);
  assert.is(after.code, 0, after.stderr);
  assert.is(after.stdout, '', 'after the verb too');
  const ins = await f.tspod(['inspect', '--format', '{{.Name}}', name]);
  assert.is(ins.stdout, `${name}\n`);
  const err = await f.tspod(['--noout', 'inspect', 'nosuch-' + name]);
  assert.is(err.code, 125);
  assert.match(err.stderr, /^Error: /);
  await f.tspod(['rm', '-f', name]);
});

t('--hooks-dir: a directory without hooks is accepted; one with OCI hooks is refused', async () => {
  const hooks = join(dir, 'hooks');
  mkdirSync(hooks, { recursive: true });
  const empty = await f.tspod(['--hooks-dir', hooks, '--hooks-dir', join(dir, 'nonexistent'), 'run', '--rm', f.image, 'true']);
  assert.is(empty.code, 0, empty.stderr);
  writeFileSync(join(hooks, 'a.json'), JSON.stringify({ version: '1.0.0', hook: { path: '/bin/true' }, when: { always: true }, stages: ['prestart'] }));
  const r = await f.tspod(['--hooks-dir', hooks, 'run', '--rm', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, `Error: --hooks-dir ${hooks}: OCI hooks (a.json) are not supported by tspod\n`);
});

test.run();
