// @rootless
// run/create flags of lib/containers/run-extras.ts, each compared side by side with podman 4.3 (runc):
// --passwd/--passwd-entry/--hostuser (entries podman adds to the image's /etc/passwd and /etc/group),
// --requires, --personality, --seccomp-policy, --chrootdirs, --preserve-fds, --device-cgroup-rule,
// --cpu-rt-runtime/--cpu-rt-period (rootful, cgroup v1), --arch/--os/--variant, --rootfs DIR[:O], --mac-address.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, repoRoot, uniqueName } from '../helpers/containers.ts';

const { t, f, dir } = containerTests({ scratch: 'tspod-244-' });
const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';

const run = async (args: string[], cmd: string) => {
  const r = await f.tspod(['run', '--rm', '--net', 'none', ...args, f.image, 'sh', '-c', cmd]);
  assert.is(r.code, 0, r.stderr);
  return r.stdout;
};

t('--user UID with no entry: podman 4.3 adds "container user" to /etc/passwd and the group to /etc/group', async () => {
  assert.is(await run(['--user', '4242:4242'], 'id; tail -1 /etc/passwd; tail -1 /etc/group'),
    'uid=4242(4242) gid=4242(4242) groups=4242(4242)\n4242:*:4242:4242:container user:/:/bin/sh\n4242:x:4242:4242\n');
  // the home is the working directory, HOME follows it; without a group the gid is 0
  assert.is(await run(['--user', '4242', '-w', '/tmp'], 'echo $HOME; tail -1 /etc/passwd; tail -1 /etc/group'),
    '/tmp\n4242:*:4242:0:container user:/tmp:/bin/sh\n4242:x:4242:4242\n');
  // a group by name from the image; a known user with an unknown gid gets only the group
  assert.is(await run(['--user', '4242:bb'], 'id; tail -1 /etc/passwd'), 'uid=4242(4242) gid=1000(bb) groups=1000(bb)\n4242:*:4242:1000:container user:/:/bin/sh\n');
  assert.is(await run(['--user', '1000:4343'], 'id; tail -1 /etc/passwd; tail -1 /etc/group'),
    'uid=1000(bb) gid=4343(4343) groups=4343(4343)\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n4343:x:4343:1000\n');
  // a known user: nothing added
  assert.is(await run(['--user', 'bb'], 'wc -l < /etc/passwd; wc -l < /etc/group'), '3\n4\n');
});

t('--passwd-entry fills $USERNAME $UID $GID $NAME $HOME; --passwd=false adds nothing', async () => {
  assert.is(await run(['--user', '4242:4242', '--passwd-entry', '$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/sh'], 'tail -1 /etc/passwd'),
    '4242:x:4242:4242:container user:/:/bin/sh\n');
  assert.is(await run(['--user', '4242:4242', '--passwd=false'], 'id; wc -l < /etc/passwd; wc -l < /etc/group'), 'uid=4242 gid=4242 groups=4242\n3\n4\n');
});

t('--passwd entries are written once: a restart finds them', async () => {
  const name = uniqueName('pw');
  let r = await f.tspod(['run', '--name', name, '--net', 'none', '--user', '4242', f.image, 'true']);
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['start', '-a', name]);
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['commit', '-q', name, `localhost/${name}`]);
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['run', '--rm', '--net', 'none', `localhost/${name}`, 'grep', '-c', '^4242:', '/etc/passwd']);
  assert.is(r.stdout, '1\n', r.stderr);
  await f.tspod(['rm', '-f', name]);
  await f.tspod(['rmi', `localhost/${name}`]);
});

t('--hostuser: the host\'s entry, home the working directory; one the image has is left alone', async () => {
  const daemon = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('daemon:'))!.split(':');
  assert.is(await run(['--hostuser', 'daemon', '--hostuser', 'nobody', '-w', '/tmp'], 'tail -2 /etc/passwd'),
    `nobody:x:65534:65534:nobody:/nonexistent:/bin/false\ndaemon:*:${daemon[2]}:${daemon[3]}:${daemon[4]}:/tmp:/bin/sh\n`);
  const r = await f.tspod(['create', '--hostuser', 'no-such-user-244', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: user: unknown user no-such-user-244\n');
});

t('--requires: started first, a dependency for rm and inspect; an unknown one refused', async () => {
  const dep = uniqueName('dep'), main = uniqueName('main');
  let r = await f.tspod(['create', '--net', 'none', '--name', dep, f.image, 'sleep', '100']);
  const depId = r.stdout.trim();
  r = await f.tspod(['run', '--net', 'none', '--name', main, '--requires', dep, f.image, 'echo', 'hi']);
  assert.is(r.stdout, 'hi\n', r.stderr);
  r = await f.tspod(['inspect', '--format', '{{.State.Status}}', dep]);
  assert.is(r.stdout, 'running\n');
  r = await f.tspod(['inspect', '--format', '{{.Dependencies}}', main]);
  assert.is(r.stdout, `[${depId}]\n`);
  r = await f.tspod(['rm', '-f', dep]);
  assert.is(r.code, 125);
  assert.match(r.stderr, `Error: container ${depId} has dependent containers which must be removed before it: `);
  await f.tspod(['rm', '-f', '-t', '0', main, dep]);
  r = await f.tspod(['create', '--requires', 'nonesuch-244', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: "nonesuch-244" is not a valid container, cannot be used as a dependency: no container with name or ID "nonesuch-244" found: no such container\n');
});

t('--personality: linux.personality of the spec (runc 1.1 does not apply it, as with podman)', async () => {
  const name = uniqueName('pers');
  const id = (await f.tspod(['create', '--net', 'none', '--name', name, '--personality', 'LINUX32', f.image, 'true'])).stdout.trim();
  const r = await f.tspod(['init', name]);
  assert.is(r.code, 0, r.stderr);
  const spec = JSON.parse(readFileSync(join(f.root, 'containers', id, 'userdata/config.json'), 'utf8'));
  assert.equal(spec.linux.personality, { domain: 'LINUX32' });
  await f.tspod(['rm', '-f', '-t', '0', name]);
});

t('--seccomp-policy: podman\'s errors; image takes the profile of the image\'s label', async () => {
  let r = await f.tspod(['create', '--seccomp-policy', 'foo', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: invalid seccomp policy "foo": valid policies are ["default" "image"]\n');
  r = await f.tspod(['create', '--seccomp-policy', 'image', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: no seccomp policy defined by image\n');
  // an image whose label forbids mkdir: the fixture saved, its config given the label, loaded back
  const img = join(dir, 'seclabel');
  mkdirSync(img);
  r = await f.tspod(['save', '-q', '-o', join(img, 'a.tar'), f.image]);
  assert.is(r.code, 0, r.stderr);
  spawnSync('tar', ['-xf', 'a.tar'], { cwd: img });
  const manifest = JSON.parse(readFileSync(join(img, 'manifest.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(img, manifest[0].Config), 'utf8'));
  const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] };
  config.config.Labels['io.containers.seccomp.profile'] = JSON.stringify(profile);
  const text = JSON.stringify(config);
  manifest[0].Config = `${createHash('sha256').update(text).digest('hex')}.json`;
  manifest[0].RepoTags = ['localhost/tspod-seclabel:244'];
  writeFileSync(join(img, manifest[0].Config), text);
  writeFileSync(join(img, 'manifest.json'), JSON.stringify(manifest));
  spawnSync('tar', ['-cf', '../b.tar', '--exclude', 'a.tar', '.'], { cwd: img });
  r = await f.tspod(['load', '-q', '-i', join(dir, 'b.tar')]);
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['run', '--rm', '--net', 'none', '--seccomp-policy', 'image', 'localhost/tspod-seclabel:244', 'mkdir', '/x']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /Operation not permitted/);
  r = await f.tspod(['run', '--rm', '--net', 'none', 'localhost/tspod-seclabel:244', 'mkdir', '/x']);
  assert.is(r.code, 0, r.stderr);
  await f.tspod(['rmi', 'localhost/tspod-seclabel:244']);
});

t('--chrootdirs: /etc/hosts and /etc/resolv.conf bound below each chroot directory too', async () => {
  const out = await run(['--chrootdirs', '/jail', '--hostname', 'h244'], 'grep -c h244 /jail/etc/hosts; grep -o " /jail/etc/[a-z.]*" /proc/mounts');
  assert.is(out, '1\n /jail/etc/hosts\n');
});

t('--preserve-fds N: fds 3..N+2 reach the container; one not passed is podman\'s error; run only', async () => {
  const file = join(dir, 'fd3');
  writeFileSync(file, 'through fd 3\n');
  const fd = openSync(file, 'r');
  try {
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist/tspod.js'), '--root', f.root, '--runroot', f.runroot, 'run', '--rm', '--net', 'none',
      '--preserve-fds', '1', f.image, 'sh', '-c', 'cat <&3; ls /proc/self/fd'], { stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, 'through fd 3\n0\n1\n2\n3\n4\n');
  } finally { closeSync(fd); }
  let r = await f.tspod(['run', '--rm', '--preserve-fds', '1', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: file descriptor 3 is not available - the preserve-fds option requires that file descriptors must be passed\n');
  r = await f.tspod(['create', '--preserve-fds', '1', f.image, 'true']);
  assert.is(r.code, 125);
  assert.match(r.stderr, /^Error: unknown flag: --preserve-fds/);
});

t('--device-cgroup-rule: added to the devices cgroup (rootful); podman\'s error for a bad type', async () => {
  let r = await f.tspod(['create', '--device-cgroup-rule', 'x 1:3 mr', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: invalid device type in device-access-add: x\n');
  if (rootless) return; // no cgroups rootless on cgroup v1
  const out = await run(['--device-cgroup-rule', 'c 42:* rwm', '--device-cgroup-rule', 'b 7:9 r'], 'cat /sys/fs/cgroup/devices/devices.list');
  assert.match(out, /^c 42:\* rwm$/m);
  assert.match(out, /^b 7:9 r$/m);
});

t('--cpu-rt-runtime/--cpu-rt-period: written to the cpu cgroup (rootful; here the parent has no real-time budget, as podman)', async () => {
  let r = await f.tspod(['create', '--cpu-rt-runtime', 'abc', f.image, 'true']);
  assert.is(r.code, 125);
  assert.match(r.stderr, /invalid argument "abc" for "--cpu-rt-runtime" flag/);
  if (rootless || !readdirSync('/sys/fs/cgroup').includes('cpu')) return;
  r = await f.tspod(['run', '--rm', '--net', 'none', '--cpu-rt-runtime', '10000', '--cpu-rt-period', '100000', f.image, 'true']);
  // podman 4.3 on this host: runc fails writing cpu.rt_runtime_us below its parent cgroup (126)
  assert.is(r.code, 126);
  assert.match(r.stderr, /cpu\.rt_runtime_us: invalid argument/);
});

t('--arch/--os/--variant choose the platform: another one is not known locally (--pull never)', async () => {
  const r = await f.tspod(['run', '--rm', '--pull', 'never', '--arch', 'arm', '--variant', 'v7', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, `Error: ${f.image}: image not known\n`);
  const ok = await f.tspod(['run', '--rm', '--pull', 'never', '--net', 'none', '--os', 'linux', f.image, 'echo', 'ok']);
  assert.is(ok.stdout, 'ok\n', ok.stderr);
});

t('--rootfs DIR: the directory is the root (written into); DIR:O an overlay over it (changes dropped); podman\'s errors', async () => {
  // an exploded copy of the fixture: exported from a container
  const rootfs = join(dir, 'rootfs');
  mkdirSync(rootfs);
  const name = uniqueName('rfsrc');
  await f.tspod(['create', '--name', name, f.image, 'true']);
  let r = await f.tspod(['export', '-o', join(dir, 'rootfs.tar'), name]);
  assert.is(r.code, 0, r.stderr);
  await f.tspod(['rm', name]);
  assert.is(spawnSync('tar', ['-xf', join(dir, 'rootfs.tar'), '-C', rootfs]).status, 0);
  r = await f.tspod(['run', '--rm', '--net', 'none', '--rootfs', rootfs, 'sh', '-c', 'echo kept > /written; cat /etc/passwd | head -1; hostname | wc -c']);
  assert.is(r.stdout, 'root:x:0:0:root:/root:/bin/sh\n13\n', r.stderr);
  assert.is(readFileSync(join(rootfs, 'written'), 'utf8'), 'kept\n');
  r = await f.tspod(['run', '--rm', '--net', 'none', '--rootfs', `${rootfs}:O`, 'sh', '-c', 'echo gone > /written2; cat /written /written2']);
  assert.is(r.stdout, 'kept\ngone\n', r.stderr);
  assert.not.ok(readdirSync(rootfs).includes('written2'), 'the overlay\'s changes stay out of the directory');
  const c = uniqueName('rf');
  r = await f.tspod(['create', '--net', 'none', '--name', c, '--rootfs', rootfs, 'sh']);
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['inspect', '--format', '{{.ImageName}}|{{.Rootfs}}|{{.Config.Cmd}}', c]);
  assert.is(r.stdout, `|${rootfs}|[sh]\n`);
  await f.tspod(['rm', c]);
  r = await f.tspod(['run', '--rm', '--rootfs', join(dir, 'nonexist'), 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, `Error: running container create option: stat ${join(dir, 'nonexist')}: no such file or directory\n`);
  r = await f.tspod(['run', '--rm', '--rootfs', rootfs]);
  assert.is(r.stderr, 'Error: no command or entrypoint provided, and no CMD or ENTRYPOINT from image\n');
});

t('--mac-address: the interface of the bridge network has it (rootful default); podman\'s errors', async () => {
  let r = await f.tspod(['create', '--mac-address', 'xx', f.image, 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: address xx: invalid MAC address\n');
  r = await f.tspod(['create', '--net', 'none', '--mac-address', '92:d0:c6:0a:29:33', f.image, 'true']);
  assert.is(r.stderr, 'Error: --mac-address can only be set when the network mode is bridge: invalid argument\n');
  if (rootless) {
    // the rootless default is slirp4netns, not a bridge (podman's rule)
    r = await f.tspod(['create', '--mac-address', '92:d0:c6:0a:29:33', f.image, 'true']);
    assert.is(r.code, 125);
    return;
  }
  const name = uniqueName('mac');
  r = await f.tspod(['run', '-d', '--name', name, '--mac-address', '92:D0:C6:0A:29:33', f.image, 'sleep', '30']);
  assert.is(r.code, 0, r.stderr);
  r = await f.tspod(['exec', name, 'cat', '/sys/class/net/eth0/address']);
  assert.is(r.stdout, '92:d0:c6:0a:29:33\n', r.stderr);
  r = await f.tspod(['inspect', '--format', '{{.NetworkSettings.MacAddress}}', name]);
  assert.is(r.stdout, '92:d0:c6:0a:29:33\n');
  await f.tspod(['rm', '-f', '-t', '0', name]);
});

test.run();
