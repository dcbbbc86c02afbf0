// @rootless
// A podman user's storage.conf that names fuse-overlayfs as mount_program: the container's rootfs is
// a fuse-overlayfs mount (not kernel overlay); its mountopt options are on the mount; and a
// mount_program that does not exist is a clear error that leaves the container not running.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerFixture, missingFeature, uniqueName, type ContainerFixture } from '../helpers/containers.ts';

function fuseProblem(): string | undefined {
  if (!existsSync('/usr/bin/fuse-overlayfs')) return 'fuse-overlayfs not installed';
  try { accessSync('/dev/fuse', constants.R_OK | constants.W_OK); } catch { return '/dev/fuse is not usable by this user'; }
  return undefined;
}

const skip = missingFeature();
const noFuse = skip ?? fuseProblem();
const t = skip ? test.skip : test;
const tFuse = noFuse ? test.skip : test; // the fuse-overlayfs cases
if (noFuse) console.log(`# fuse-overlayfs cases skipped: ${noFuse}`);
let f: ContainerFixture;
let dir: string;

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  dir = mkdtempSync(join(tmpdir(), 'tspod-135-'));
});
test.after(async () => {
  if (f) await f.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function conf(program: string): NodeJS.ProcessEnv {
  const file = join(dir, `storage-${uniqueName('c')}.conf`);
  writeFileSync(file, `[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmount_program = "${program}"\n`);
  return { CONTAINERS_STORAGE_CONF: file };
}

tFuse('mount_program = fuse-overlayfs: the rootfs is a fuse-overlayfs mount', async () => {
  const env = conf('/usr/bin/fuse-overlayfs');
  const r = await f.tspod(['run', '--rm', f.image, 'sh', '-c', "awk '$2 == \"/\" { print $3 }' /proc/mounts"], { env });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), 'fuse.fuse-overlayfs');
  // without it, kernel overlay as before
  const k = await f.tspod(['run', '--rm', f.image, 'sh', '-c', "awk '$2 == \"/\" { print $3 }' /proc/mounts"]);
  assert.is(k.stdout.trim(), 'overlay', k.stderr);
});

t('mountopt: its options are on the rootfs mount (nodev here)', async () => {
  const file = join(dir, 'storage-mountopt.conf');
  writeFileSync(file, '[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmountopt = "nodev"\n');
  const show = "awk '$2 == \"/\" { print $3, $4 }' /proc/mounts";
  const r = await f.tspod(['run', '--rm', f.image, 'sh', '-c', show], { env: { CONTAINERS_STORAGE_CONF: file } });
  assert.is(r.code, 0, r.stderr);
  // a mount flag, given to mount(2) as such: still kernel overlay (overlayfs refuses "nodev" as an option)
  assert.match(r.stdout, /^overlay (.*,)?nodev(,|\s|$)/);
  const plain = await f.tspod(['run', '--rm', f.image, 'sh', '-c', show]);
  assert.not.match(plain.stdout, /(^|,| )nodev(,|\s|$)/, 'nodev without mountopt: the test would prove nothing');
});

t('a mount_program that does not exist: one-line error, the container not running', async () => {
  const env = conf('/nonexistent/fuse-overlayfs');
  const name = uniqueName('mp');
  const r = await f.tspod(['run', '--name', name, f.image, 'true'], { env });
  assert.is(r.code, 125, r.stderr); // podman finds out when it opens the store
  assert.is(r.stderr, 'Error: overlay: can\'t stat program "/nonexistent/fuse-overlayfs": no such file or directory\n');
  const ps = await f.tspod(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.State}}']);
  assert.not.match(ps.stdout, /running/i);
});

test.run();
