// @rootless
// mount / umount (unmount), top level and under container, as podman 4.3 (compared side by side,
// rootless inside `podman unshare`, runc): the mount point printed and kept by a counter, the list of
// mounted containers (--notruncate, --format json), umount printing the name also when not mounted,
// and rootless refusal when the launcher itself entered the namespace (_TSPOD_NS_ENTERED).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, repoRoot, uniqueName } from '../helpers/containers.ts';

const { t, f } = containerTests();
const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';

const mounted = (path: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);

t('mount prints the rootfs and keeps it mounted; umount counts down', async () => {
  const name = uniqueName('mnt');
  const id = (await f.tspod(['create', '--name', name, f.image])).stdout.trim();
  const merged = join(f.root, 'containers', id, 'overlay/merged');
  let r = await f.tspod(['mount', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${merged}\n`);
  assert.ok(mounted(merged));
  assert.ok(existsSync(join(merged, 'bin/busybox')));
  r = await f.tspod(['container', 'mount', name]);
  assert.is(r.stdout, `${merged}\n`);
  r = await f.tspod(['mount']);
  assert.is(r.stdout, `${id.slice(0, 12)}  ${merged}\n`);
  r = await f.tspod(['mount', '--notruncate']);
  assert.is(r.stdout, `${id}  ${merged}\n`);
  r = await f.tspod(['mount', '--format', 'json']);
  assert.is(r.stdout, `[\n {\n  "id": "${id}",\n  "Names": [\n   "${name}"\n  ],\n  "mountpoint": "${merged}"\n }\n]\n`);
  r = await f.tspod(['mount', '--format', '{{.ID}}']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: unknown --format argument: "{{.ID}}"\n');
  // start and stop keep the mount of `tspod mount`
  r = await f.tspod(['start', name]);
  assert.is(r.code, 0, r.stderr);
  await f.tspod(['wait', name]);
  assert.ok(mounted(merged), 'still mounted after the container exited');
  r = await f.tspod(['umount', name]);
  assert.is(r.stdout, `${name}\n`);
  assert.ok(mounted(merged), 'one mount left');
  r = await f.tspod(['unmount', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${name}\n`);
  assert.not.ok(mounted(merged));
  assert.is((await f.tspod(['mount'])).stdout, '');
  r = await f.tspod(['container', 'umount', name]);
  assert.is(r.code, 0, 'not mounted: still 0');
  assert.is(r.stdout, `${name}\n`);
  await f.tspod(['rm', name]);
});

t('umount -a and -f; unknown names', async () => {
  const a = uniqueName('mnt-a'), b = uniqueName('mnt-b');
  const ida = (await f.tspod(['create', '--name', a, f.image])).stdout.trim();
  const idb = (await f.tspod(['create', '--name', b, f.image])).stdout.trim();
  await f.tspod(['mount', a]);
  await f.tspod(['mount', a]);
  await f.tspod(['mount', b]);
  let r = await f.tspod(['umount', '-f', a]);
  assert.is(r.stdout, `${a}\n`);
  assert.not.ok(mounted(join(f.root, 'containers', ida, 'overlay/merged')), '-f drops all mounts');
  r = await f.tspod(['umount', '-a']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${idb}\n`);
  // -l: the newest, its mount point only (podman 4.3)
  r = await f.tspod(['mount', '-l']);
  assert.is(r.stdout, `${join(f.root, 'containers', idb, 'overlay/merged')}\n`);
  await f.tspod(['umount', '-a']);
  assert.not.ok(mounted(join(f.root, 'containers', idb, 'overlay/merged')));
  for (const verb of ['mount', 'umount']) {
    r = await f.tspod([verb, 'no-such-ctr']);
    assert.is(r.code, 125);
    assert.is(r.stderr, 'Error: no container with name or ID "no-such-ctr" found: no such container\n');
  }
  r = await f.tspod(['umount']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: you must provide at least one name or id\n');
  await f.tspod(['rm', a, b]);
});

t('rootless: refused when the launcher entered the namespace itself, as podman outside unshare', async () => {
  const name = uniqueName('mnt-ns');
  await f.tspod(['create', '--name', name, f.image]);
  const r = await f.tspod(['mount', name], { env: { _TSPOD_NS_ENTERED: '1' } });
  if (rootless) {
    assert.is(r.code, 125);
    assert.is(r.stderr, 'Error: cannot run command "tspod mount" in rootless mode, must execute `tspod unshare` first\n');
  } else {
    assert.is(r.code, 0, 'root: no namespace to be in');
    await f.tspod(['umount', name]);
  }
  await f.tspod(['rm', name]);
});

// The launcher end to end: run as root, this drives bin/tspod as the unprivileged test user, outside
// any namespace (as a user's shell), then inside `tspod unshare`.
const user = spawnSync('id', ['-u', 'tspodtest'], { encoding: 'utf8' });
const asUser = !rootless && process.getuid?.() === 0 && user.status === 0 && existsSync(join(repoRoot, 'bin/tspod'));
t('launcher: rootless mount refused when it entered the namespace itself, works inside tspod unshare', async () => {
  if (!asUser) { console.log('# skipped: needs root, the tspodtest user and bin/tspod'); return; }
  const uid = Number(user.stdout.trim());
  const base = mkdtempSync(join(tmpdir(), 'tspod-232-'));
  chmodSync(base, 0o755);
  const rootfs = join(base, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  symlinkSync('busybox', join(rootfs, 'bin/sh'));
  spawnSync('tar', ['-C', rootfs, '-cf', join(base, 'bb.tar'), '.']);
  chownSync(base, uid, uid);
  const bin = join(repoRoot, 'bin/tspod');
  const store = ['--root', join(base, 'root'), '--runroot', join(base, 'run')];
  const run = (args: string[]) => spawnSync('runuser', ['-u', 'tspodtest', '--', 'env', `XDG_RUNTIME_DIR=/run/user/${uid}`, 'HOME=/tmp', ...args],
    { encoding: 'utf8', cwd: base });
  try {
    let r = run([bin, ...store, 'import', '-q', join(base, 'bb.tar'), 'localhost/bb232']);
    assert.is(r.status, 0, r.stderr);
    r = run([bin, ...store, 'create', '--name', 'm232', 'localhost/bb232', 'sh']);
    assert.is(r.status, 0, r.stderr);
    r = run([bin, ...store, 'mount', 'm232']);
    assert.is(r.status, 125);
    assert.is(r.stderr, 'Error: cannot run command "tspod mount" in rootless mode, must execute `tspod unshare` first\n');
    r = run([bin, ...store, 'unshare', 'sh', '-c', `"$0" "$@" mount m232 && "$0" "$@" mount && "$0" "$@" umount m232`, bin, ...store]);
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /\/containers\/[0-9a-f]{64}\/overlay\/merged$/);
    assert.match(lines[1], /^[0-9a-f]{12}  \//);
    assert.is(lines[2], 'm232');
  } finally {
    run([bin, ...store, 'rm', '-f', 'm232']);
    run([bin, ...store, 'unshare', 'rm', '-rf', join(base, 'root'), join(base, 'run')]);
    rmSync(base, { recursive: true, force: true });
  }
});

test.run();
