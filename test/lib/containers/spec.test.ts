// Docker's ENTRYPOINT/CMD rules, env merging, users from passwd/group, ulimits, capabilities, and the
// generated spec's podman defaults.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capabilities, currentHardLimits, defaultRlimits, expandEnvFlags, generateSpec, mergeEnv, parseEntrypoint, parseUlimit, processArgs, resolveUser } from '../../../lib/containers/spec.ts';
import type { ContainerConfig } from '../../../lib/containers/types.ts';

const cases: [string, { Entrypoint?: string[]; Cmd?: string[] }, string[] | undefined, string[], string[]][] = [
  ['image CMD only', { Cmd: ['sh'] }, undefined, [], ['sh']],
  ['args replace CMD', { Cmd: ['sh'] }, undefined, ['echo', 'hi'], ['echo', 'hi']],
  ['args append to ENTRYPOINT', { Entrypoint: ['/init'], Cmd: ['default'] }, undefined, ['x'], ['/init', 'x']],
  ['ENTRYPOINT with CMD', { Entrypoint: ['/init'], Cmd: ['default'] }, undefined, [], ['/init', 'default']],
  ['--entrypoint drops image CMD', { Entrypoint: ['/init'], Cmd: ['default'] }, ['echo'], [], ['echo']],
  ['--entrypoint with args', { Cmd: ['default'] }, ['echo'], ['a'], ['echo', 'a']],
  ['--entrypoint "" clears it', { Entrypoint: ['/init'], Cmd: ['c'] }, [], ['ls'], ['ls']],
];
for (const [name, image, ep, args, want] of cases) {
  test(`processArgs: ${name}`, () => {
    assert.equal(processArgs(image, ep, args).command, want);
  });
}

test('parseEntrypoint: JSON array or one plain argument', () => {
  assert.equal(parseEntrypoint('["a","b c"]'), ['a', 'b c']);
  assert.equal(parseEntrypoint('sh -c'), ['sh -c']);
  assert.equal(parseEntrypoint(''), []);
});

test('mergeEnv: later wins, first position kept; expandEnvFlags takes values from the caller', () => {
  assert.equal(mergeEnv(['A=1', 'B=2'], ['A=3', 'C=4']), ['A=3', 'B=2', 'C=4']);
  assert.equal(expandEnvFlags(['X', 'Y=1', 'MISSING', 'PRE*'], { X: 'x', PRE_A: 'a', PRE_B: 'b' }), ['X=x', 'Y=1', 'PRE_A=a', 'PRE_B=b']);
});

test('resolveUser: names, numbers, groups, supplementary groups, unknown names fail', () => {
  const root = mkdtempSync(join(tmpdir(), 'tspod-spec-'));
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nbb:x:1000:1000:bb:/home/bb:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nbb:x:1000:\nextra:x:2000:bb\n');
  assert.equal(resolveUser(root, ''), { uid: 0, gid: 0, home: '/root', additionalGids: [] });
  assert.equal(resolveUser(root, 'bb'), { uid: 1000, gid: 1000, home: '/home/bb', additionalGids: [2000] });
  assert.equal(resolveUser(root, 'bb:extra').gid, 2000);
  assert.equal(resolveUser(root, '4242:7'), { uid: 4242, gid: 7, home: '/', additionalGids: [] });
  assert.throws(() => resolveUser(root, 'nobody'), /unable to find user nobody/);
  assert.throws(() => resolveUser(root, 'bb:nogroup'), /unable to find group nogroup/);
  rmSync(root, { recursive: true });
});

test('ulimits: parse, reject soft > hard; defaults never above the current hard limit', () => {
  assert.equal(parseUlimit('nofile=100:200'), { type: 'RLIMIT_NOFILE', soft: 100, hard: 200 });
  assert.equal(parseUlimit('nproc=5'), { type: 'RLIMIT_NPROC', soft: 5, hard: 5 });
  assert.throws(() => parseUlimit('nofile=300:200'), /soft limit/);
  assert.throws(() => parseUlimit('bogus=1'), /invalid ulimit/);
  const hard = currentHardLimits();
  for (const r of defaultRlimits([])) assert.ok(r.hard <= hard[r.type], `${r.type} ${r.hard} <= ${hard[r.type]}`);
  assert.equal(defaultRlimits([{ type: 'RLIMIT_NOFILE', soft: 1, hard: 2 }]).find((r) => r.type === 'RLIMIT_NOFILE'), { type: 'RLIMIT_NOFILE', soft: 1, hard: 2 });
});

test('capabilities: podman defaults, add/drop, ALL, unknown names fail', () => {
  const base = { privileged: false, capAdd: [] as string[], capDrop: [] as string[] };
  const def = capabilities(base);
  assert.ok(def.includes('CAP_CHOWN') && !def.includes('CAP_SYS_ADMIN'));
  assert.not.ok(capabilities({ ...base, capDrop: ['chown'] }).includes('CAP_CHOWN'));
  assert.equal(capabilities({ ...base, capDrop: ['ALL'], capAdd: ['net_raw'] }), ['CAP_NET_RAW']);
  assert.throws(() => capabilities({ ...base, capAdd: ['CAP_NOPE'] }), /unknown capability/);
});

function config(over: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    id: 'a'.repeat(64), names: ['n'], imageId: 'b'.repeat(64), imageName: 'img', created: '', command: ['sh'], entrypoint: [], cmd: ['sh'],
    env: ['FOO=1'], workingDir: '/w', user: '', hostname: 'h', tty: false, interactive: false, labels: {}, annotations: { x: 'y' },
    stopSignal: '15', stopTimeout: 10, autoRemove: false, restartPolicy: 'no', init: false, readOnly: false, privileged: false,
    capAdd: [], capDrop: [], securityOpt: [], ulimits: [], mounts: [], network: '', ports: [], logDriver: 'k8s-file', logPath: '',
    rootless: false, runtime: '', createCommand: [], layers: [], layerDirs: [], ...over,
  };
}

test('generateSpec: mounts, masked paths, namespaces, env, rootless differences', () => {
  const inputs = { rootfs: '/nonexistent', hostsPath: '/h', hostnamePath: '/hn', resolvPath: '/r', containerEnvPath: '/c', mountSources: [], imageEnv: [], cgroupV2: false };
  const s = generateSpec({ ...inputs, config: config() });
  assert.equal(s.mounts.map((m) => m.destination).slice(0, 6), ['/proc', '/dev', '/sys', '/dev/pts', '/dev/mqueue', '/dev/shm']);
  assert.ok(s.mounts.some((m) => m.destination === '/sys/fs/cgroup'));
  assert.ok(s.linux.maskedPaths!.includes('/proc/kcore'));
  assert.equal(s.linux.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);
  assert.ok(s.process.env!.includes('FOO=1') && s.process.env!.includes('HOSTNAME=h') && s.process.env!.includes('container=podman'));
  assert.is(s.process.cwd, '/w');
  assert.is(s.annotations!.x, 'y');
  assert.ok(s.linux.cgroupsPath);
  const rl = generateSpec({ ...inputs, config: config({ rootless: true, network: 'host' }), hostNetwork: true });
  assert.not.ok(rl.mounts.some((m) => m.destination === '/sys/fs/cgroup'), 'no cgroup mount rootless');
  assert.is(rl.mounts.find((m) => m.destination === '/sys')!.type, 'bind', 'rootless + host network binds /sys');
  assert.is(rl.linux.cgroupsPath, undefined, 'no cgroups rootless on v1');
  assert.not.ok(rl.linux.namespaces.some((n) => n.type === 'network'));
  const priv = generateSpec({ ...inputs, config: config({ privileged: true }) });
  assert.is(priv.linux.maskedPaths, undefined);
});

test.run();
