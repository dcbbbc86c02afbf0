// parseResourceFlags and applyResources on specs, including the cgroup v2 and rootless paths this
// cgroup v1 host cannot run (--cgroup-conf, the private cgroup namespace default, rootless limits).
import { test } from 'uvu';
import { existsSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { applyResources, hasLimits, parseCpuList, parseResourceFlags, ramInBytes, type ResourceContext } from '../../../lib/containers/resources.ts';
import type { Spec } from '../../../lib/oci/runtime-spec.ts';

const ID = 'a'.repeat(64);

function ctx(o: Partial<ResourceContext> = {}): ResourceContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { rootless: false, cgroupV2: false, network: '', warn: (l) => warnings.push(l), warnings, ...o };
}

/** A spec as generateSpec leaves it: rootful (or v2) with cgroupsPath and resources, rootless v1 without. */
function spec(withCgroups = true): Spec {
  return {
    ociVersion: '1.0.2-dev', process: { user: { uid: 0, gid: 0 }, args: ['true'], cwd: '/' }, root: { path: '/r' }, mounts: [],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'mount' }], sysctl: { 'net.ipv4.ping_group_range': '0 0' },
      ...(withCgroups ? { cgroupsPath: `/tspod_parent/tspod-${ID}`, resources: { devices: [{ allow: false, access: 'rwm' }], memory: { limit: 64 << 20 } } } : {}),
    },
  };
}

test('ramInBytes: go-units binary units and its error', () => {
  assert.is(ramInBytes('1mb'), 1 << 20);
  assert.is(ramInBytes('1.5k'), 1536);
  assert.is(ramInBytes('2GiB'), 2 * 1024 ** 3);
  assert.is(ramInBytes('512'), 512);
  assert.throws(() => ramInBytes('abc'), /invalid size: 'abc'/);
  assert.equal(parseCpuList('0-2,5'), [0, 1, 2, 5]);
  assert.is(parseCpuList('2-1'), undefined);
});

test('no flag: undefined; applyResources still gives the default pids limit and keeps --memory', async () => {
  assert.is(await parseResourceFlags({}, ctx()), undefined);
  const s = spec();
  applyResources(s, { id: ID, rootless: false }, false);
  // --memory alone: as much swap again, as podman, where the kernel accounts swap
  const swap = existsSync('/sys/fs/cgroup/cgroup.controllers') || existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
  assert.equal(s.linux.resources, { devices: [{ allow: false, access: 'rwm' }], memory: { limit: 64 << 20, ...(swap ? { swap: 128 << 20 } : {}) }, pids: { limit: 2048 } });
  assert.is(s.linux.cgroupsPath, `/tspod_parent/tspod-${ID}`);
  assert.not.ok(s.linux.namespaces.some((n) => n.type === 'cgroup'), 'v1: the host cgroup namespace');
});

test('every limit into linux.resources, the OCI field names podman writes', async () => {
  const r = await parseResourceFlags({
    cpuShares: '512', cpuPeriod: '50000', cpuQuota: '25000', cpusetCpus: '0', cpusetMems: '0', memoryReservation: '32m', memorySwap: '128m',
    memorySwappiness: '10', oomKillDisable: true, oomScoreAdj: '100', pidsLimit: '-1', sysctl: ['kernel.msgmax=8192'], cgroupParent: 'mypar',
    deviceReadBps: ['/dev/null:1mb'], deviceWriteIops: ['/dev/null:100'],
  }, ctx({ memory: 64 << 20 }));
  assert.ok(hasLimits(r));
  const s = spec();
  applyResources(s, { id: ID, rootless: false, resources: r }, false);
  assert.equal(s.linux.resources, {
    devices: [{ allow: false, access: 'rwm' }],
    memory: { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20, swappiness: 10, disableOOMKiller: true },
    cpu: { shares: 512, quota: 25000, period: 50000, cpus: '0', mems: '0' },
    pids: { limit: 0 },
    blockIO: { throttleReadBpsDevice: [{ major: 1, minor: 3, rate: 1 << 20 }], throttleWriteIOPSDevice: [{ major: 1, minor: 3, rate: 100 }] },
  });
  assert.is(s.linux.cgroupsPath, `mypar/tspod-${ID}`);
  assert.is(s.process.oomScoreAdj, 100);
  assert.equal(s.linux.sysctl, { 'net.ipv4.ping_group_range': '0 0', 'kernel.msgmax': '8192' });
});

test('cgroup v2: --cgroup-conf into resources.unified, a private cgroup namespace by default, host on request', async () => {
  const r = await parseResourceFlags({ cgroupConf: ['memory.high=1000000', 'pids.max=9'] }, ctx({ cgroupV2: true }));
  const s = spec();
  applyResources(s, { id: ID, rootless: false, resources: r }, true);
  assert.equal(s.linux.resources?.unified, { 'memory.high': '1000000', 'pids.max': '9' });
  assert.ok(s.linux.namespaces.some((n) => n.type === 'cgroup'));
  const h = spec();
  applyResources(h, { id: ID, rootless: false, resources: { cgroupns: 'host' } }, true);
  assert.not.ok(h.linux.namespaces.some((n) => n.type === 'cgroup'));
});

test('rootless: cgroup v1 keeps no cgroups (limits ignored unchecked), v2 takes the limits with no cgroupsPath of tspod\'s', async () => {
  const v1 = await parseResourceFlags({ cpuPeriod: '5', pidsLimit: '10', oomScoreAdj: '5' }, ctx({ rootless: true }));
  assert.ok(v1, 'no check of the period rootless on v1, as podman');
  const s1 = spec(false);
  applyResources(s1, { id: ID, rootless: true, resources: v1 }, false);
  assert.is(s1.linux.resources, undefined);
  assert.is(s1.process.oomScoreAdj, 5, 'the OOM score still applies');
  const s2 = spec();
  delete s2.linux.cgroupsPath;
  applyResources(s2, { id: ID, rootless: true, resources: { pidsLimit: 10 } }, true);
  assert.equal(s2.linux.resources?.pids, { limit: 10 });
  assert.is(s2.linux.cgroupsPath, undefined);
});

test('--cgroups: disabled drops cgroupsPath and resources (crun), refused for runc; split under the caller\'s cgroup', async () => {
  const r = await parseResourceFlags({ cgroups: 'disabled' }, ctx({ runtimeName: async () => 'crun' }));
  const s = spec();
  applyResources(s, { id: ID, rootless: false, resources: r }, false);
  assert.is(s.linux.cgroupsPath, undefined);
  assert.is(s.linux.resources, undefined);
  try {
    await parseResourceFlags({ cgroups: 'disabled' }, ctx({ runtimeName: async () => 'runc' }));
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).message, 'requested OCI runtime runc is not compatible with NoCgroups: invalid argument');
  }
  const split = spec();
  applyResources(split, { id: ID, rootless: false, resources: { cgroups: 'split' } }, false);
  assert.match(split.linux.cgroupsPath ?? '', new RegExp(`/tspod-${ID}$`));
  assert.not.match(split.linux.cgroupsPath ?? '', /tspod_parent/);
});

test('--blkio-weight: discarded with podman\'s warning where the kernel has no weight file', async () => {
  const c = ctx();
  const r = await parseResourceFlags({ blkioWeight: '300' }, c);
  if (c.warnings.length === 0) assert.is(r?.blkioWeight, 300);
  else {
    assert.equal(c.warnings, ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n']);
    assert.is(r?.blkioWeight, undefined);
  }
});

test.run();
