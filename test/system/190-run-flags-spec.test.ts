// @rootless
// run flags that change the runtime spec: --group-add, --shm-size, --device, --pid/--ipc/--uts host,
// --privileged's host devices; what the container sees and podman 4.3's errors and exit statuses.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { containerTests } from '../helpers/containers.ts';

const { t, f } = containerTests();
const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';

const shmLine = (mounts: string) => mounts.split('\n').find((l) => l.split(' ')[1] === '/dev/shm') ?? '';

t('--group-add: names from the image, numbers, comma lists; the primary gid too', async () => {
  const root = await f.tspod(['run', '--rm', '--group-add', 'extra', '--group-add', '42,42', f.image, 'id', '-G']);
  assert.is(root.stderr, '');
  assert.is(root.stdout, '0 42 2000\n');
  const bb = await f.tspod(['run', '--rm', '--user', 'bb', '--group-add', '42', f.image, 'id', '-G']);
  assert.is(bb.stdout, '1000 42 2000\n', bb.stderr);
  const keep = await f.tspod(['run', '--rm', '--group-add', 'keep-groups', f.image, 'id', '-G']);
  assert.is(keep.code, 0, keep.stderr);
});

t('--group-add errors: unknown name at start (126), keep-groups with others at create (125)', async () => {
  const nf = await f.tspod(['run', '--rm', '--group-add', 'nosuch', f.image, 'true']);
  assert.is(nf.code, 126);
  assert.match(nf.stderr, /^Error: looking up supplemental groups for container [0-9a-f]{64}: Unable to find group nosuch: no matching entries in group file\n$/);
  const kg = await f.tspod(['run', '--rm', '--group-add', 'keep-groups', '--group-add', '1', f.image, 'true']);
  assert.is(kg.code, 125);
  assert.is(kg.stderr, "Error: the '--group-add keep-groups' option is not allowed with any other --group-add options\n");
});

t('--shm-size: the /dev/shm tmpfs size; bad sizes are 125', async () => {
  const r = await f.tspod(['run', '--rm', '--shm-size', '1m', f.image, 'cat', '/proc/mounts']);
  assert.is(r.code, 0, r.stderr);
  assert.match(shmLine(r.stdout), /\bsize=1024k\b/);
  const def = await f.tspod(['run', '--rm', f.image, 'cat', '/proc/mounts']);
  assert.match(shmLine(def.stdout), /\bsize=64000k\b/, 'the default is podman\'s 65536000 bytes');
  const bad = await f.tspod(['run', '--rm', '--shm-size', 'abc', f.image, 'true']);
  assert.is(bad.code, 125);
  assert.is(bad.stderr, "Error: unable to translate --shm-size: invalid size: 'abc'\n");
  const neg = await f.tspod(['create', '--shm-size', '-1', f.image, 'true']);
  assert.is(neg.stderr, "Error: unable to translate --shm-size: invalid size: '-1'\n");
});

t('--device: the device works under its new name (node rootful, bind rootless)', async () => {
  const r = await f.tspod(['run', '--rm', '--device', '/dev/zero:/dev/z2:rw', '--device', '/dev/null:/dev/n',
    f.image, 'sh', '-c', 'stat -c %t:%T /dev/z2 /dev/n; head -c 5 /dev/z2 | wc -c; echo x > /dev/n && echo written']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(r.stdout, '1:5\n1:3\n5\nwritten\n');
  const plain = await f.tspod(['run', '--rm', f.image, 'ls', '/dev/z2']);
  assert.is.not(plain.code, 0, 'no device without the flag');
});

t('--device errors as podman (125 at create)', async () => {
  const cases: [string, string][] = [
    ['/dev/nosuch', 'stat /dev/nosuch: no such file or directory'],
    ['/dev/null:rel', 'invalid device mode: rel'],
    ['/dev/null:/dev/n:xyz', 'invalid device mode: xyz'],
    ['/dev/null:/dev/n:r:x', 'invalid device specification: /dev/null:/dev/n:r:x'],
    ['/dev/shm', 'no devices found in /dev/shm: invalid argument'],
  ];
  for (const [dev, msg] of cases) {
    const r = await f.tspod(['create', '--device', dev, f.image, 'true']);
    assert.is(r.code, 125, dev);
    assert.is(r.stderr, `Error: ${msg}\n`);
  }
});

t('--privileged: the host devices, --device ignored', async () => {
  const r = await f.tspod(['run', '--rm', '--privileged', '--device', '/dev/null:/dev/n', f.image, 'sh', '-c', 'ls /dev/n; head -c 3 /dev/zero | wc -c; test -e /dev/ptmx && echo ptmx']);
  assert.is(r.stdout, '3\nptmx\n', r.stderr);
  assert.match(r.stderr, /\/dev\/n: No such file or directory/);
  const dev = await f.tspod(['run', '--rm', '--privileged', f.image, 'ls', '/dev']);
  if (existsSync('/dev/full')) assert.ok(dev.stdout.split('\n').includes('full'), dev.stdout);
});

t('inspect HostConfig: GroupAdd, ShmSize, Devices, PidMode, UTSMode as podman', async () => {
  const c = await f.tspod(['create', '--group-add', 'extra', '--shm-size', '1m', '--device', '/dev/null:/dev/n:r', '--pid', 'host', '--uts', 'host', f.image, 'true']);
  assert.is(c.code, 0, c.stderr);
  const hc = JSON.parse((await f.tspod(['inspect', c.stdout.trim()])).stdout)[0].HostConfig;
  assert.equal({ g: hc.GroupAdd, s: hc.ShmSize, d: hc.Devices, p: hc.PidMode, u: hc.UTSMode }, {
    g: ['extra'], s: 1048576, d: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: '' }], p: 'host', u: 'host' });
  await f.tspod(['rm', c.stdout.trim()]);
});

t('--pid host: ps sees the host processes; --uts host: the host name', async () => {
  const pid = await f.tspod(['run', '--rm', '--pid', 'host', f.image, 'ps']);
  assert.is(pid.code, 0, pid.stderr);
  const pids = pid.stdout.split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
  assert.ok(pids.includes(process.pid), 'this test process is listed');
  const own = await f.tspod(['run', '--rm', f.image, 'ps']);
  assert.not.ok(own.stdout.split('\n').slice(1).some((l) => Number(l.trim().split(/\s+/)[0]) === process.pid));
  const uts = await f.tspod(['run', '--rm', '--uts', 'host', f.image, 'sh', '-c', 'hostname; echo $HOSTNAME']);
  assert.is(uts.stdout, `${hostname()}\n${hostname()}\n`, uts.stderr);
  const env = await f.tspod(['run', '--rm', '--uts', 'host', '-e', 'HOSTNAME=x', f.image, 'sh', '-c', 'echo $HOSTNAME']);
  assert.is(env.stdout, 'x\n', 'an explicit HOSTNAME wins');
});

t('--ipc host: the host /dev/shm (rootless needs the host /dev/mqueue, as podman); --ipc none: no /dev/shm', async () => {
  const r = await f.tspod(['run', '--rm', '--ipc', 'host', f.image, 'cat', '/proc/mounts']);
  if (rootless && !existsSync('/dev/mqueue')) {
    assert.is(r.code, 125);
    assert.is(r.stderr, 'Error: statfs /dev/mqueue: no such file or directory\n');
  } else {
    assert.is(r.code, 0, r.stderr);
    const hostSize = /size=\d+k/.exec(shmLine(readFileSync('/proc/self/mounts', 'utf8')))?.[0];
    if (hostSize) assert.ok(shmLine(r.stdout).includes(hostSize), shmLine(r.stdout));
  }
  const none = await f.tspod(['run', '--rm', '--ipc', 'none', f.image, 'cat', '/proc/mounts']);
  assert.is(none.code, 0, none.stderr);
  assert.is(shmLine(none.stdout), '');
});

t('namespace flag errors and conflicts as podman (125)', async () => {
  const cases: [string[], string][] = [
    [['--pid', 'bogus'], 'unrecognized namespace mode bogus passed'],
    [['--uts', 'bogus'], 'unrecognized namespace mode bogus passed'],
    [['--uts', 'host', '--hostname', 'foo'], 'invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration'],
    [['--ipc', 'host', '--shm-size', '1m'], 'invalid config provided: cannot set shmsize when running in the {host } IPC Namespace'],
  ];
  for (const [flags, msg] of cases) {
    const r = await f.tspod(['run', '--rm', ...flags, f.image, 'true']);
    assert.is(r.code, 125, flags.join(' '));
    assert.is(r.stderr, `Error: ${msg}\n`);
  }
  const ok = await f.tspod(['run', '--rm', '--pid', 'private', '--ipc', 'private', '--uts', 'private', f.image, 'sh', '-c', 'echo $$']);
  assert.is(ok.stdout, '1\n', ok.stderr);
});

test.run();
