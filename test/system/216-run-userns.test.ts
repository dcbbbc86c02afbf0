// @rootless
// User namespaces of run/create: --userns keep-id[:uid=,gid=] (rootless: the user's own ids inside, files
// on a bind mount owned by the user), nomap, auto, ns:PATH, host; --uidmap/--gidmap and --subuidname
// (rootful: root in the container is 100000 on the host, the image's files still owned by root inside);
// podman 4.3's mappings, checks and messages. Rootful with podman installed, side by side.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerFixture, missingFeature, podmanPeer, uniqueName, type ContainerFixture, type PodmanPeer } from '../helpers/containers.ts';

const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const skip = missingFeature();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);
let f: ContainerFixture;
let dir: string;

const withPodman = !skip && !rootless && process.getuid?.() === 0 && spawnSync('podman', ['--version']).status === 0;
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
let peer: PodmanPeer | undefined;

/** This process's namespace (rootless: 0 = the user, 1.. its subordinate ids): [inside, outside, size] lines. */
const ownMap = (k: 'uid' | 'gid') => readFileSync(`/proc/self/${k}_map`, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
/** How many ids it has. */
const total = (k: 'uid' | 'gid') => ownMap(k).reduce((n, [c, , s]) => Math.max(n, c + s), 0);
/** A uid_map as the kernel prints it. */
const mapText = (rows: number[][]) => rows.map((r) => r.map((n) => String(n).padStart(10)).join(' ') + '\n').join('');

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  dir = mkdtempSync(join(tmpdir(), 'tspod-userns-'));
  if (withPodman) peer = await podmanPeer(f);
});
test.after(async () => {
  if (peer) await peer.cleanup();
  if (f) await f.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

t('rootless --userns keep-id: the user\'s own uid/gid inside, its passwd entry, files on a bind mount owned by the user', async () => {
  if (!rootless) return;
  const [, hostUid] = ownMap('uid').find(([c]) => c === 0)!;
  const [, hostGid] = ownMap('gid').find(([c]) => c === 0)!;
  const name = spawnSync('getent', ['passwd', String(hostUid)], { encoding: 'utf8' }).stdout.split(':')[0] || String(hostUid);
  const vol = join(dir, 'keep');
  spawnSync('mkdir', ['-p', vol]);
  const r = await f.tspod(['run', '--rm', '--userns', 'keep-id', '-v', `${vol}:/vol`, f.image, 'sh', '-c',
    `id -u; id -g; cat /proc/self/uid_map; grep "^${name}:" /etc/passwd; echo HOME=$HOME; touch /vol/made; ls -ln / | grep " bin$"`]);
  assert.is(r.code, 0, r.stderr);
  const n = total('uid');
  const lines = r.stdout.split('\n');
  assert.is(lines[0], String(hostUid), 'id -u is the host uid');
  assert.is(lines[1], String(hostGid));
  // podman 4.3's mapping: the ids below the user's shift up by one, the user is the namespace's 0
  assert.is(lines.slice(2, 5).join('\n') + '\n', mapText([[0, 1, hostUid], [hostUid, 0, 1], [hostUid + 1, hostUid + 1, n - hostUid - 1]]));
  assert.is(lines[5], `${name}:*:${hostUid}:${hostGid}::/:/bin/sh`);
  assert.is(lines[6], 'HOME=/');
  assert.match(lines[7], /^d\S+\s+\d+\s+0\s+0\s/, 'the image\'s files are still root\'s inside');
  // the file is owned by this namespace's 0, which is the user on the host
  const st = statSync(join(vol, 'made'));
  assert.is(st.uid, 0);
  assert.is(st.gid, 0);
});

t('rootless --userns keep-id:uid=,gid=: another id inside for the user; -u wins over keep-id\'s user', async () => {
  if (!rootless) return;
  const n = total('uid');
  const r = await f.tspod(['run', '--rm', '--userns', 'keep-id:uid=1000,gid=1000', f.image, 'sh', '-c', 'id -u; id -g; id -un; cat /proc/self/uid_map']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `1000\n1000\nbb\n${mapText([[0, 1, 1000], [1000, 0, 1], [1001, 1001, n - 1001]])}`);
  const groups = await f.tspod(['run', '--rm', '--userns', 'keep-id:uid=1000,gid=1000', f.image, 'id']);
  assert.is(groups.stdout, 'uid=1000(bb) gid=1000(bb) groups=1000(bb)\n', 'its group also a supplementary one, as podman');
  const u = await f.tspod(['run', '--rm', '--userns', 'keep-id', '-u', '0', f.image, 'id', '-u']);
  assert.is(u.stdout, '0\n', u.stderr);
  const bad = await f.tspod(['create', '--userns', 'keep-id:size=1', f.image, 'true']);
  assert.is(bad.code, 125);
  assert.is(bad.stderr, 'Error: unknown option specified: "size"\n');
});

t('rootless --userns nomap, auto, --uidmap: the container\'s ids within the user\'s subordinate ones', async () => {
  if (!rootless) return;
  const n = total('uid');
  const nomap = await f.tspod(['run', '--rm', '--userns', 'nomap', f.image, 'cat', '/proc/self/uid_map']);
  assert.is(nomap.stdout, mapText([[0, 1, n - 1]]), nomap.stderr);
  const auto = await f.tspod(['run', '--rm', '--userns', 'auto:size=2000', f.image, 'sh', '-c', 'cat /proc/self/uid_map; touch /x && ls -ln /x']);
  assert.is(auto.code, 0, auto.stderr);
  assert.match(auto.stdout, new RegExp(`^${mapText([[0, 1, 2000]])}-rw-r--r--\\s+1 0\\s+0\\s`));
  // a block no other auto container has, as podman allocates them
  const holder = uniqueName('auto');
  assert.is((await f.tspod(['run', '-d', '--name', holder, '--userns', 'auto', f.image, 'sleep', '100'])).code, 0);
  const next = await f.tspod(['run', '--rm', '--userns', 'auto:size=500', f.image, 'cat', '/proc/self/uid_map']);
  assert.is(next.stdout, mapText([[0, 1025, 500]]), next.stderr);
  assert.is((await f.tspod(['exec', holder, 'cat', '/proc/self/uid_map'])).stdout, mapText([[0, 1, 1024]]));
  await f.tspod(['rm', '-f', '-t', '0', holder]);
  const m = await f.tspod(['run', '--rm', '--uidmap', '0:1:5000', '--gidmap', '0:1:5000', f.image, 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -u']);
  assert.is(m.stdout, mapText([[0, 1, 5000]]).repeat(2) + '0\n', m.stderr);
});

t('rootful --uidmap 0:100000:65536: root inside is 100000 outside; the image\'s files owned by root inside', async () => {
  if (rootless) return;
  const vol = join(dir, 'mapped');
  spawnSync('mkdir', ['-p', vol]);
  chownSync(vol, 100000, 100000);
  const show = 'id; cat /proc/self/uid_map /proc/self/gid_map; ls -ln / | grep " bin$" | cut -c1-40; touch /etc/new /vol/made && echo wrote';
  const r = await f.tspod(['run', '--rm', '--uidmap', '0:100000:65536', '-v', `${vol}:/vol`, f.image, 'sh', '-c', show]);
  assert.is(r.code, 0, r.stderr);
  const [id, um, gm, bin, wrote] = r.stdout.split('\n');
  assert.is(id, 'uid=0(root) gid=0(root)');
  assert.is(um + '\n', mapText([[0, 100000, 65536]]));
  assert.is(gm + '\n', mapText([[0, 100000, 65536]]), 'the gid map follows the uid map');
  assert.match(bin, /^d\S+\s+\d+\s+0\s+0\s/);
  assert.is(wrote, 'wrote');
  assert.is(statSync(join(vol, 'made')).uid, 100000, 'a file it writes is 100000 on the host');
  if (peer) {
    const vol2 = join(dir, 'mapped-podman');
    spawnSync('mkdir', ['-p', vol2]);
    chownSync(vol2, 100000, 100000);
    const p = await peer.run(['run', '--rm', ...ULIMITS, '--uidmap', '0:100000:65536', '-v', `${vol2}:/vol`, f.image, 'sh', '-c', show]);
    assert.is(p.stdout, r.stdout, 'podman 4.3 shows the same');
    assert.is(statSync(join(vol2, 'made')).uid, 100000);
  }
});

t('rootful --subuidname: the user\'s /etc/subuid range; --gidmap alone maps uids too', async () => {
  if (rootless) return;
  const line = readFileSync('/etc/subuid', 'utf8').split('\n').map((l) => l.split(':')).find((x) => x.length === 3 && x[0] && Number(x[2]) >= 65536);
  if (line) {
    const r = await f.tspod(['run', '--rm', '--subuidname', line[0], f.image, 'cat', '/proc/self/uid_map']);
    assert.is(r.stdout, mapText([[0, Number(line[1]), Number(line[2])]]), r.stderr);
  }
  const g = await f.tspod(['run', '--rm', '--gidmap', '0:200000:70000', f.image, 'sh', '-c', 'cat /proc/self/uid_map; ls -ln /bin/busybox | cut -c1-40']);
  assert.is(g.code, 0, g.stderr);
  assert.match(g.stdout, new RegExp(`^${mapText([[0, 200000, 70000]])}-rwxr-xr-x\\s+1 0\\s+0\\s`));
});

t('--userns ns:PATH joins another container\'s user namespace (with its mappings)', async () => {
  if (rootless) return;
  const name = uniqueName('holder');
  const h = await f.tspod(['run', '-d', '--name', name, '--uidmap', '0:100000:65536', f.image, 'sleep', '100']);
  assert.is(h.code, 0, h.stderr);
  const pid = (await f.tspod(['inspect', name, '--format', '{{.State.Pid}}'])).stdout.trim();
  const r = await f.tspod(['run', '--rm', '--network', 'none', '--userns', `ns:/proc/${pid}/ns/user`, f.image, 'readlink', '/proc/self/ns/user']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, spawnSync('readlink', [`/proc/${pid}/ns/user`], { encoding: 'utf8' }).stdout, 'the same namespace');
  await f.tspod(['rm', '-f', '-t', '0', name]);
});

t('a new named volume belongs to the container\'s user (root with --uidmap, the user with keep-id): it can write there', async () => {
  const vol = uniqueName('uvol');
  const flags = rootless ? ['--userns', 'keep-id'] : ['--uidmap', '0:100000:65536'];
  const r = await f.tspod(['run', '--rm', ...flags, '-v', `${vol}:/data`, f.image, 'sh', '-c', 'touch /data/x && stat -c %u /data/x']);
  assert.is(r.code, 0, r.stderr);
  const uid = rootless ? String(ownMap('uid').find(([c]) => c === 0)![1]) : '0';
  assert.is(r.stdout, `${uid}\n`);
  if (peer) {
    const p = await peer.run(['run', '--rm', ...ULIMITS, ...flags, '-v', `${vol}:/data`, f.image, 'sh', '-c', 'touch /data/x && stat -c %u /data/x']);
    assert.is(p.stdout, r.stdout, 'podman 4.3 too');
  }
  await f.tspod(['volume', 'rm', vol]);
});

t('cp into a container with its own user namespace: its user\'s files; out of it: ours', async () => {
  const name = uniqueName('ucp');
  const flags = rootless ? ['--userns', 'keep-id'] : ['--uidmap', '0:100000:65536'];
  assert.is((await f.tspod(['run', '-d', '--name', name, ...flags, f.image, 'sleep', '100'])).code, 0);
  const src = join(dir, 'cp-in.txt');
  writeFileSync(src, 'x');
  assert.is((await f.tspod(['cp', src, `${name}:/tmp/in.txt`])).code, 0);
  const inside = await f.tspod(['exec', name, 'stat', '-c', '%u:%g', '/tmp/in.txt']);
  const user = rootless ? `${ownMap('uid').find(([c]) => c === 0)![1]}:${ownMap('gid').find(([c]) => c === 0)![1]}` : '0:0';
  assert.is(inside.stdout, `${user}\n`, 'the container\'s user owns it');
  const out = join(dir, 'cp-out');
  assert.is((await f.tspod(['cp', `${name}:/etc/passwd`, out])).code, 0);
  assert.equal([statSync(out).uid, statSync(out).gid], [0, 0], 'copied out: ours, not the shifted ids');
  if (peer) {
    const p = uniqueName('ucp-podman');
    await peer.run(['run', '-d', '--name', p, ...ULIMITS, ...flags, f.image, 'sleep', '100']);
    await peer.run(['cp', src, `${p}:/tmp/in.txt`]);
    assert.is((await peer.run(['exec', p, 'stat', '-c', '%u:%g', '/tmp/in.txt'])).stdout, inside.stdout, 'podman 4.3 too');
    await peer.run(['rm', '-f', '-t', '0', p]);
  }
  await f.tspod(['rm', '-f', '-t', '0', name]);
});

t('commit writes the files with the ids they have inside the container, not the shifted ones on disk', async () => {
  const name = uniqueName('cm'), image = `localhost/${uniqueName('committed')}`;
  const flags = rootless ? ['--userns', 'keep-id', '-u', '0'] : ['--uidmap', '0:100000:65536'];
  const r = await f.tspod(['run', '--name', name, ...flags, f.image, 'sh', '-c', 'touch /rootown /seven && chown 7:7 /seven']);
  assert.is(r.code, 0, r.stderr);
  assert.is((await f.tspod(['commit', '-q', name, image])).code, 0);
  const ls = await f.tspod(['run', '--rm', image, 'sh', '-c', 'stat -c "%u:%g %n" /rootown /seven']);
  assert.is(ls.stdout, '0:0 /rootown\n7:7 /seven\n', ls.stderr);
  await f.tspod(['rm', name]);
  await f.tspod(['rmi', image]);
});

t('--userns host and no flag: no user namespace of its own', async () => {
  const own = readFileSync('/proc/self/uid_map', 'utf8').replace(/ +/g, ' ');
  for (const flags of [[], ['--userns', 'host']]) {
    const r = await f.tspod(['run', '--rm', ...flags, f.image, 'cat', '/proc/self/uid_map']);
    assert.is(r.stdout.replace(/ +/g, ' '), own, flags.join(' '));
  }
});

t('checks and messages as podman 4.3 (125 at create)', async () => {
  const cases: [string[], string][] = [
    [['--userns', 'bogus'], 'unrecognized namespace mode bogus passed'],
    [['--userns', 'keep-id', '--uidmap', '0:1:10'], '--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive'],
    [['--uidmap', '0:1:x'], 'initializing ID mappings: UID setting is malformed expected ["uint32:uint32:uint32"]: ["0:1:x"]'],
    [['--gidmap', '0:100000'], 'initializing ID mappings: UID setting is malformed expected ["uint32:uint32:uint32"]: ["0:100000"]'],
    [['--subuidname', 'nosuch-user'], 'no subuid ranges found for user "nosuch-user" in /etc/subuid'],
    [['--userns', 'ns:/nonexistent'], 'cannot find specified user namespace path: stat /nonexistent: no such file or directory'],
    [['--userns', 'private'], 'must provide at least one UID or GID mapping to configure a user namespace'],
  ];
  if (!rootless) {
    cases.push(
      [['--userns', 'keep-id'], 'keep-id is only supported in rootless mode'],
      [['--userns', 'nomap'], 'nomap is only supported in rootless mode'],
    );
  }
  for (const [flags, msg] of cases) {
    const r = await f.tspod(['create', ...flags, f.image, 'true']);
    assert.is(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr, `Error: ${msg}\n`);
    if (peer) {
      const p = await peer.run(['create', ...flags, f.image, 'true']);
      assert.is(p.code, 125, `podman: ${flags.join(' ')}`);
      assert.is(p.stderr, r.stderr, `podman: ${flags.join(' ')}`);
    }
  }
});

t('the network namespace belongs to the container\'s user namespace: exec joins both, sysfs is mounted, net.* sysctls apply', async () => {
  const name = uniqueName('unet');
  const flags = rootless ? ['--userns', 'keep-id'] : ['--uidmap', '0:100000:65536'];
  const r = await f.tspod(['run', '-d', '--name', name, ...flags, '--sysctl', 'net.ipv4.ip_forward=1', f.image, 'sleep', '100']);
  assert.is(r.code, 0, r.stderr);
  const e = await f.tspod(['exec', name, 'sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ping_group_range; grep " /sys " /proc/mounts | cut -d" " -f3; readlink /proc/self/ns/user']);
  assert.is(e.code, 0, e.stderr);
  const [fwd, ping, sysfs, userns] = e.stdout.split('\n');
  assert.is(fwd, '1');
  assert.is(ping.replace(/\s+/g, ' '), '0 0', 'podman\'s default ping_group_range');
  assert.is(sysfs, 'sysfs');
  assert.is.not(userns, spawnSync('readlink', ['/proc/self/ns/user'], { encoding: 'utf8' }).stdout.trim(), 'a user namespace of its own');
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
  assert.not.match(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`${r.stdout.trim()}\\.user`), 'its namespace files are gone with it');
});

test.run();
