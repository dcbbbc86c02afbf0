// @rootless
// --pid/--ipc/--uts/--network container:NAME|ID and --pid/--ipc/--uts ns:PATH: the container joins the
// other container's namespaces (what each one sees: /proc/self/ns/* links, processes, hostname), the
// other one is started first when stopped, it cannot be removed while this one exists; podman 4.3's
// errors and exit statuses for a missing container or path (compared side by side, rootful).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readlinkSync } from 'node:fs';
import { containerFixture, missingFeature, podmanPeer, uniqueName, type ContainerFixture, type PodmanPeer } from '../helpers/containers.ts';

const skip = missingFeature();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);
const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const tPodman = skip || rootless ? test.skip : test;
let f: ContainerFixture;
let podman: PodmanPeer | undefined;

test.before(async () => { if (!skip) f = await containerFixture(); });
test.after(async () => {
  if (podman) await podman.cleanup();
  if (f) await f.cleanup();
});

const NS = 'for n in pid ipc uts net; do readlink /proc/self/ns/$n; done; hostname';

async function sleeper(name: string): Promise<string> {
  const r = await f.tspod(['run', '-d', '--name', name, f.image, 'sleep', '600']);
  assert.is(r.code, 0, r.stderr);
  return r.stdout.trim();
}

t('container:NAME for pid, ipc, uts and network: the same namespaces, hostname and processes', async () => {
  const a = uniqueName('ns-a');
  const id = await sleeper(a);
  const theirs = await f.tspod(['exec', a, 'sh', '-c', NS]);
  assert.is(theirs.code, 0, theirs.stderr);
  const ours = await f.tspod(['run', '--rm', '--pid', `container:${a}`, '--ipc', `container:${a}`, '--uts', `container:${id.slice(0, 12)}`,
    '--network', `container:${a}`, f.image, 'sh', '-c', `${NS}; echo HOSTNAME=$HOSTNAME; cat /proc/1/cmdline | tr '\\0' ' '`]);
  assert.is(ours.code, 0, ours.stderr);
  const lines = ours.stdout.split('\n');
  assert.is(lines.slice(0, 5).join('\n') + '\n', theirs.stdout, 'pid, ipc, uts, net and hostname');
  assert.is(lines[5], `HOSTNAME=${id.slice(0, 12)}`);
  assert.is(lines[6], 'sleep 600 ', 'pid 1 is the other container\'s process');
  // a container of its own for comparison: other namespaces
  const own = await f.tspod(['run', '--rm', f.image, 'sh', '-c', NS]);
  const diff = own.stdout.split('\n').slice(0, 4).filter((l, n) => l !== theirs.stdout.split('\n')[n]);
  assert.is(diff.length, 4, own.stdout);
  await f.tspod(['rm', '-f', '-t', '0', a]);
});

t('--network container:NAME of a container on the host network: the host\'s', async () => {
  const a = uniqueName('ns-h');
  const r = await f.tspod(['run', '-d', '--name', a, '--network', 'host', f.image, 'sleep', '600']);
  assert.is(r.code, 0, r.stderr);
  const ours = await f.tspod(['run', '--rm', '--network', `container:${a}`, f.image, 'readlink', '/proc/self/ns/net']);
  assert.is(ours.code, 0, ours.stderr);
  assert.is(ours.stdout, `${readlinkSync('/proc/self/ns/net')}\n`);
  await f.tspod(['rm', '-f', '-t', '0', a]);
});

t('--ipc container:NAME shares /dev/shm too (POSIX shared memory); nothing stays mounted after rm', async () => {
  const a = uniqueName('ns-shm');
  const id = await sleeper(a);
  assert.is((await f.tspod(['exec', a, 'sh', '-c', 'echo shared > /dev/shm/seg'])).code, 0);
  const ours = await f.tspod(['run', '--rm', '--ipc', `container:${a}`, f.image, 'cat', '/dev/shm/seg']);
  assert.is(ours.code, 0, ours.stderr);
  assert.is(ours.stdout, 'shared\n');
  const own = await f.tspod(['run', '--rm', f.image, 'sh', '-c', 'ls /dev/shm | wc -l; awk \'$2 == "/dev/shm" { print $1, $3 }\' /proc/mounts']);
  assert.is(own.stdout, '0\nshm tmpfs\n', 'a container of its own has an empty /dev/shm');
  const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(id) && l.split(' ')[4]?.endsWith('/shm'));
  assert.is(mounted().length, 1, 'the tmpfs is on the host side while it runs');
  assert.is((await f.tspod(['rm', '-f', '-t', '0', a])).code, 0);
  assert.equal(mounted(), []);
});

t('only the namespaces asked for are shared', async () => {
  const a = uniqueName('ns-b');
  await sleeper(a);
  const theirs = (await f.tspod(['exec', a, 'sh', '-c', NS])).stdout.split('\n');
  const r = await f.tspod(['run', '--rm', '--ipc', `container:${a}`, f.image, 'sh', '-c', NS]);
  assert.is(r.code, 0, r.stderr);
  const ours = r.stdout.split('\n');
  assert.is(ours[1], theirs[1], 'ipc shared');
  assert.is.not(ours[0], theirs[0], 'pid not shared');
  assert.is.not(ours[2], theirs[2], 'uts not shared');
  assert.is.not(ours[4], theirs[4], 'own hostname');
  await f.tspod(['rm', '-f', '-t', '0', a]);
});

t('ns:/proc/PID/ns/X for pid, ipc and uts', async () => {
  const a = uniqueName('ns-c');
  await sleeper(a);
  const pid = (await f.tspod(['inspect', '--format', '{{.State.Pid}}', a])).stdout.trim();
  const theirs = (await f.tspod(['exec', a, 'sh', '-c', NS])).stdout.split('\n');
  const r = await f.tspod(['run', '--rm', '--pid', `ns:/proc/${pid}/ns/pid`, '--ipc', `ns:/proc/${pid}/ns/ipc`, '--uts', `ns:/proc/${pid}/ns/uts`,
    f.image, 'sh', '-c', NS]);
  assert.is(r.code, 0, r.stderr);
  const ours = r.stdout.split('\n');
  assert.equal(ours.slice(0, 3), theirs.slice(0, 3));
  assert.is(ours[4], theirs[4], 'the joined UTS namespace\'s hostname');
  const ins = await f.tspod(['create', '--pid', `ns:/proc/${pid}/ns/pid`, f.image, 'true']);
  const mode = await f.tspod(['inspect', '--format', '{{.HostConfig.PidMode}} {{json .Dependencies}}', ins.stdout.trim()]);
  assert.is(mode.stdout, `ns:/proc/${pid}/ns/pid []\n`);
  await f.tspod(['rm', ins.stdout.trim()]);
  await f.tspod(['rm', '-f', '-t', '0', a]);
});

t('a stopped container is started first; inspect names it; it cannot be removed before its dependent', async () => {
  const a = uniqueName('ns-d');
  const c = await f.tspod(['create', '--name', a, f.image, 'sleep', '600']);
  assert.is(c.code, 0, c.stderr);
  const id = c.stdout.trim();
  const d = uniqueName('ns-dep');
  const cr = await f.tspod(['create', '--name', d, '--pid', `container:${a}`, '--network', `container:${a}`, f.image, 'cat', '/proc/1/cmdline']);
  assert.is(cr.code, 0, cr.stderr);
  const ins = await f.tspod(['inspect', '--format', '{{.HostConfig.PidMode}} {{.HostConfig.NetworkMode}} {{.HostConfig.UTSMode}} {{json .Dependencies}}', d]);
  assert.is(ins.stdout, `container:${id} container:${id} private ["${id}"]\n`);
  const st = await f.tspod(['start', '-a', d]);
  assert.is(st.code, 0, st.stderr);
  assert.is(st.stdout.replace(/\0/g, ' '), 'sleep 600 ');
  assert.is((await f.tspod(['inspect', '--format', '{{.State.Status}}', a])).stdout, 'running\n');
  const rm = await f.tspod(['rm', '-f', '-t', '0', a]);
  assert.is(rm.code, 125);
  assert.is(rm.stderr, `Error: container ${id} has dependent containers which must be removed before it: ${cr.stdout.trim()}: container already exists\n`);
  assert.is((await f.tspod(['rm', d])).code, 0);
  assert.is((await f.tspod(['rm', '-f', '-t', '0', a])).code, 0);
});

t('rm --depend removes the dependents first, each printed by its ID (podman)', async () => {
  const ids: string[] = [];
  const x1 = uniqueName('dep1');
  for (const flags of [['--name', x1], ['--pid', `container:${x1}`]]) {
    const c = await f.tspod(['create', ...flags, f.image, 'true']);
    assert.is(c.code, 0, c.stderr);
    ids.push(c.stdout.trim());
  }
  const c3 = await f.tspod(['create', '--ipc', `container:${ids[1]}`, f.image, 'true']);
  ids.push(c3.stdout.trim());
  const r = await f.tspod(['rm', '--depend', x1]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${ids[2]}\n${ids[1]}\n${ids[0]}\n`);
  assert.is((await f.tspod(['ps', '-aq'])).stdout, '');
});

t('rm -a removes a dependent before the container it depends on', async () => {
  const a = uniqueName('ns-e');
  await sleeper(a);
  assert.is((await f.tspod(['create', '--ipc', `container:${a}`, f.image, 'true'])).code, 0);
  const r = await f.tspod(['rm', '-af', '-t', '0']);
  assert.is(r.code, 0, r.stderr);
  assert.is((await f.tspod(['ps', '-aq'])).stdout, '');
});

t('--network container:NAME: that container\'s resolv.conf and a copy of its hosts with this one\'s names', async () => {
  const a = uniqueName('ns-g');
  const r = await f.tspod(['run', '-d', '--name', a, '--add-host', 'foo.example:192.0.2.7', '--dns', '192.0.2.53', f.image, 'sleep', '600']);
  assert.is(r.code, 0, r.stderr);
  const theirs = await f.tspod(['exec', a, 'sh', '-c', 'cat /etc/hosts; echo --; cat /etc/resolv.conf']);
  const b = uniqueName('ns-gb');
  const ours = await f.tspod(['run', '--rm', '--name', b, '--network', `container:${a}`, f.image, 'sh', '-c', 'cat /etc/hosts; echo --; cat /etc/resolv.conf; echo --; hostname']);
  assert.is(ours.code, 0, ours.stderr);
  const [hosts, resolv, host] = ours.stdout.split('--\n');
  const [theirHosts, theirResolv] = theirs.stdout.split('--\n');
  assert.is(hosts, `${theirHosts}127.0.0.1\t${host.trim()} ${b}\n`);
  assert.is(resolv, theirResolv);
  assert.match(resolv, /^nameserver 192\.0\.2\.53$/m);
  // podman's conflicts with the flags of a network of its own
  const conflicts: [string[], string][] = [
    [['--dns', '192.0.2.1'], 'Error: conflicting options: dns and the network mode: container\n'],
    [['--dns-search', 'example.com'], 'Error: conflicting options: dns and the network mode: container\n'],
    [['--add-host', 'x:192.0.2.1'], 'Error: invalid config provided: cannot set extra host entries when the container is joined to another containers network namespace: invalid configuration\n'],
    [['--network-alias', 'x'], 'Error: --network-alias can only be set when the network mode is bridge: invalid argument\n'],
  ];
  for (const [flags, want] of conflicts) {
    const c = await f.tspod(['create', '--network', `container:${a}`, ...flags, f.image, 'true']);
    assert.is(c.stderr, want, flags.join(' '));
    assert.is(c.code, 125);
  }
  await f.tspod(['rm', '-f', '-t', '0', a]);
});

t('-p with --network host, none or container:NAME: podman\'s warning, and no ports', async () => {
  const a = uniqueName('ns-p');
  assert.is((await f.tspod(['create', '--name', a, f.image, 'true'])).code, 0);
  for (const mode of ['host', 'none', `container:${a}`]) {
    const c = await f.tspod(['create', '--network', mode, '-p', '8080:80', f.image, 'true']);
    assert.is(c.code, 0, c.stderr);
    assert.is(c.stderr, 'Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use\n', mode);
    const ports = await f.tspod(['inspect', '--format', '{{json .NetworkSettings.Ports}} {{json .HostConfig.PortBindings}}', c.stdout.trim()]);
    assert.is(ports.stdout, '{} {}\n', mode);
    await f.tspod(['rm', c.stdout.trim()]);
  }
  await f.tspod(['rm', a]);
});

const ERRORS: [string[], string][] = [
  [['--pid', 'container:nosuch-ns'], 'Error: looking up container to share pid namespace with: no container with name or ID "nosuch-ns" found: no such container\n'],
  [['--ipc', 'container:nosuch-ns'], 'Error: looking up container to share ipc namespace with: no container with name or ID "nosuch-ns" found: no such container\n'],
  [['--uts', 'container:nosuch-ns'], 'Error: looking up container to share uts namespace with: no container with name or ID "nosuch-ns" found: no such container\n'],
  [['--network', 'container:nosuch-ns'], 'Error: looking up container to share net namespace with: no container with name or ID "nosuch-ns" found: no such container\n'],
  [['--pid', 'container:'], 'Error: invalid config provided: namespace mode container requires a value\n'],
  [['--pid', 'ns:/nonexistent'], 'Error: cannot find specified PID namespace path: stat /nonexistent: no such file or directory\n'],
  [['--ipc', 'ns:/nonexistent'], 'Error: cannot find specified IPC namespace path: stat /nonexistent: no such file or directory\n'],
  [['--uts', 'ns:/nonexistent'], 'Error: cannot find specified UTS namespace path: stat /nonexistent: no such file or directory\n'],
  [['--network', 'ns:/nonexistent'], 'Error: cannot find specified network namespace path: stat /nonexistent: no such file or directory\n'],
];

t('a missing container or path: podman\'s errors, 125, nothing created', async () => {
  for (const [flags, want] of ERRORS) {
    const r = await f.tspod(['run', '--rm', ...flags, f.image, 'true']);
    assert.is(r.stderr, want, flags.join(' '));
    assert.is(r.code, 125);
  }
  const a = uniqueName('ns-f');
  await f.tspod(['create', '--name', a, f.image, 'true']);
  const h = await f.tspod(['create', '--uts', `container:${a}`, '--hostname', 'x', f.image, 'true']);
  assert.is(h.code, 125);
  assert.is(h.stderr, 'Error: invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration\n');
  await f.tspod(['rm', a]);
  assert.is((await f.tspod(['ps', '-aq'])).stdout, '');
});

tPodman('podman 4.3 gives the same errors', async () => {
  podman = await podmanPeer(f);
  for (const [flags, want] of ERRORS) {
    const r = await podman.run(['create', ...flags, f.image, 'true']);
    assert.is(r.stderr, want, flags.join(' '));
    assert.is(r.code, 125);
  }
});

test.run();
