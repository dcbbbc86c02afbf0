// parseUsernsFlags (podman 4.3's mappings and messages) and applyUserns on a spec: the user namespace with
// or without the network namespace made in it; the owner shift of a layer copy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyUserns, mappedLayerDirs, parseUsernsFlags, toHost } from '../../../lib/containers/userns.ts';
import type { Spec } from '../../../lib/oci/runtime-spec.ts';

const root = process.getuid?.() === 0;

function spec(): Spec {
  return {
    ociVersion: '1.0.2-dev', process: { user: { uid: 1000, gid: 1000 }, args: ['true'], cwd: '/' }, root: { path: '/r' },
    mounts: [{ destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro'] }, { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['gid=5'] }],
    linux: { namespaces: [{ type: 'pid' }, { type: 'network', path: '/run/netns/x' }], sysctl: { 'net.ipv4.ping_group_range': '0 0', 'kernel.msgmax': '1' } },
  };
}

const fail = (f: () => unknown): string => {
  try { f(); } catch (err) { return (err as Error).message; }
  return '';
};

test('--uidmap/--gidmap: one stands for both; podman\'s messages', () => {
  const u = parseUsernsFlags({ gidmap: ['0:100000:65536'] }, { rootless: false });
  assert.equal(u?.uidMappings, [{ containerID: 0, hostID: 100000, size: 65536 }]);
  assert.equal(u?.gidMappings, u?.uidMappings);
  const two = parseUsernsFlags({ uidmap: ['0:1:10', '10:20:5'] }, { rootless: false });
  assert.is(toHost(two!.uidMappings, 12), 22);
  assert.is(toHost(two!.uidMappings, 15), undefined);
  assert.is(fail(() => parseUsernsFlags({ uidmap: ['0:1'] }, { rootless: false })), 'initializing ID mappings: UID setting is malformed expected ["uint32:uint32:uint32"]: ["0:1"]');
  assert.is(fail(() => parseUsernsFlags({ userns: 'auto', uidmap: ['0:1:1'] }, { rootless: false })), '--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive');
  assert.is(parseUsernsFlags({ userns: 'host' }, { rootless: true }), undefined);
  assert.is(fail(() => parseUsernsFlags({ userns: 'keep-id' }, { rootless: false })), 'keep-id is only supported in rootless mode');
  assert.is(fail(() => parseUsernsFlags({ userns: 'x' }, { rootless: true })), 'unrecognized namespace mode x passed');
});

test('keep-id:uid=,gid=: the id is the namespace\'s 0, the ids below shift up by one', () => {
  const u = parseUsernsFlags({ userns: 'keep-id:uid=1000,gid=1000' }, { rootless: true })!;
  assert.equal(u.uidMappings.slice(0, 2), [{ containerID: 0, hostID: 1, size: 1000 }, { containerID: 1000, hostID: 0, size: 1 }]);
  assert.is(u.keepId?.uid, 1000);
  assert.is(toHost(u.uidMappings, 1000), 0);
  assert.is(toHost(u.uidMappings, 0), 1);
});

test('applyUserns: with the netns made in it, its path and sysfs kept; a joined one binds /sys and drops net.* sysctls', () => {
  const u = parseUsernsFlags({ uidmap: ['0:100000:65536'] }, { rootless: false })!;
  const joined = spec();
  applyUserns(joined, u, { netnsPath: '/nonexistent/netns', hostNet: false });
  assert.equal(joined.linux.namespaces.at(-1), { type: 'user' });
  assert.equal(joined.linux.uidMappings, u.uidMappings);
  assert.is(joined.mounts[0].type, 'bind');
  assert.equal(joined.linux.sysctl, { 'kernel.msgmax': '1' });
  const dir = mkdtempSync(join(tmpdir(), 'tspod-userns-unit-'));
  writeFileSync(join(dir, 'netns.user'), '');
  const made = spec();
  applyUserns(made, u, { netnsPath: join(dir, 'netns'), hostNet: false });
  assert.equal(made.linux.namespaces.at(-1), { type: 'user', path: join(dir, 'netns.user') });
  assert.is(made.mounts[0].type, 'sysfs');
  assert.is(made.linux.sysctl?.['net.ipv4.ping_group_range'], '0 0');
  rmSync(dir, { recursive: true });
  const keep = spec();
  applyUserns(keep, parseUsernsFlags({ userns: 'keep-id:uid=1000,gid=1000' }, { rootless: true }), { hostNet: false });
  assert.equal(keep.process.user.additionalGids, [1000], 'keep-id\'s group as a supplementary one');
});

test('mappedLayerDirs: a copy with owners shifted (set-id bits kept), made once per mapping', () => {
  if (!root) return;
  const base = mkdtempSync(join(tmpdir(), 'tspod-userns-unit-'));
  const layer = join(base, 'layers', 'L1', 'diff');
  mkdirSync(join(layer, 'bin'), { recursive: true });
  writeFileSync(join(layer, 'bin', 'su'), '', { mode: 0o4755 });
  chownSync(join(layer, 'bin', 'su'), 0, 0);
  chmodSync(join(layer, 'bin', 'su'), 0o4755); // chown cleared it (root too, since Linux 2.2.13)
  symlinkSync('su', join(layer, 'bin', 'link'));
  writeFileSync(join(layer, 'owned'), '');
  chownSync(join(layer, 'owned'), 1000, 1000);
  const u = parseUsernsFlags({ uidmap: ['0:100000:65536'] }, { rootless: false });
  const [out] = mappedLayerDirs([layer], u, join(base, 'graph'));
  assert.is.not(out, layer);
  const su = lstatSync(join(out, 'bin', 'su'));
  assert.equal([su.uid, su.gid, su.mode & 0o7777], [100000, 100000, 0o4755]);
  assert.is(lstatSync(join(out, 'bin', 'link')).uid, 100000);
  assert.is(lstatSync(join(out, 'owned')).uid, 101000);
  assert.is(lstatSync(layer).uid, lstatSync(base).uid, 'the image layer itself is untouched');
  assert.equal(mappedLayerDirs([layer], u, join(base, 'graph')), [out], 'reused');
  rmSync(base, { recursive: true, force: true });
});

test.run();
