// @rootless
// run/create resource limits and kernel settings: --cpu-*, --cpuset-*, --memory-*, --oom-*, --pids-limit,
// --blkio-*, --device-{read,write}-{bps,iops}, --sysctl, --cgroup-parent, --cgroupns, --cgroups,
// --cgroup-conf. What the container reads in /sys/fs/cgroup (rootful: runc applies them on this cgroup v1
// host), /proc/self/oom_score_adj and /proc/sys; podman 4.3's checks, messages and exit statuses. Rootful
// with podman installed, the same command lines run under podman side by side; rootless on cgroup v1
// prints podman's warning and the limits are ignored.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { containerFixture, missingFeature, podmanPeer, type ContainerFixture, type PodmanPeer } from '../helpers/containers.ts';

const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const skip = missingFeature();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);
let f: ContainerFixture;
const cgroupV2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
const v1 = !cgroupV2 && existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');
const WARN = 'Resource limits are not supported and ignored on cgroups V1 rootless systems\n';

// podman as a peer: rootful only; this host cannot raise hard limits, so podman's default ulimits are set low
const withPodman = !skip && !rootless && process.getuid?.() === 0 && spawnSync('podman', ['--version']).status === 0;
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
let peer: PodmanPeer | undefined;

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  if (withPodman) peer = await podmanPeer(f);
});
test.after(async () => {
  if (peer) await peer.cleanup();
  if (f) await f.cleanup();
});

/** A block device the throttle flags can name: the one under / (its major:minor as the kernel lists them). */
function blockDevice(): { path: string; id: string } | undefined {
  // a real disk (zram0 of size 0 takes no throttle)
  const r = spawnSync('lsblk', ['-dnpbo', 'NAME,MAJ:MIN,TYPE,SIZE'], { encoding: 'utf8' });
  for (const l of (r.stdout ?? '').split('\n')) {
    const [name, id, type, size] = l.trim().split(/\s+/);
    if (type === 'disk' && Number(size) > 0 && name && existsSync(name) && statSync(name).isBlockDevice()) return { path: name, id };
  }
  return undefined;
}

const CG = '/sys/fs/cgroup';
const LIMITS = ['--cpu-shares', '512', '--cpu-period', '50000', '--cpu-quota', '25000', '--cpuset-cpus', '0', '--cpuset-mems', '0',
  '--memory', '64m', '--memory-reservation', '32m', '--memory-swap', '128m', '--memory-swappiness', '10', '--oom-kill-disable', '--pids-limit', '50'];
const SHOW = `cat ${CG}/cpu/cpu.shares ${CG}/cpu/cpu.cfs_period_us ${CG}/cpu/cpu.cfs_quota_us ${CG}/cpuset/cpuset.cpus ${CG}/cpuset/cpuset.mems ` +
  `${CG}/memory/memory.limit_in_bytes ${CG}/memory/memory.soft_limit_in_bytes ${CG}/memory/memory.swappiness ${CG}/pids/pids.max; ` +
  `grep oom_kill_disable ${CG}/memory/memory.oom_control; cat ${CG}/memory/memory.memsw.limit_in_bytes 2>/dev/null || echo no-swap-accounting`;

t('cgroup v1 limits: what the container reads in /sys/fs/cgroup (rootful), ignored with podman\'s warning (rootless)', async () => {
  if (rootless || !v1) {
    const r = await f.tspod(['run', '--rm', ...LIMITS, f.image, 'true']);
    assert.is(r.code, 0, r.stderr);
    if (rootless && !cgroupV2) assert.is(r.stderr, WARN);
    return;
  }
  const r = await f.tspod(['run', '--rm', ...LIMITS, f.image, 'sh', '-c', SHOW]);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines.slice(0, 10), ['512', '50000', '25000', '0', '0', String(64 << 20), String(32 << 20), '10', '50', 'oom_kill_disable 1']);
  if (lines[10] !== 'no-swap-accounting') assert.is(lines[10], String(128 << 20));
  if (peer) {
    const p = await peer.run(['run', '--rm', ...ULIMITS, ...LIMITS, f.image, 'sh', '-c', SHOW]);
    assert.is(p.stdout, r.stdout, 'podman 4.3 sets the same values');
  }
});

t('defaults: pids.max 2048 where cgroups are used (containers.conf pids_limit); -1 and 0 are unlimited', async () => {
  if (rootless || !v1) return;
  const def = await f.tspod(['run', '--rm', f.image, 'cat', `${CG}/pids/pids.max`]);
  assert.is(def.stdout, '2048\n', def.stderr);
  for (const v of ['-1', '0']) {
    const r = await f.tspod(['run', '--rm', '--pids-limit', v, f.image, 'cat', `${CG}/pids/pids.max`]);
    assert.is(r.stdout, 'max\n', r.stderr);
  }
  // the limit is felt: a shell that may have 3 processes cannot start 5 more at once
  const few = await f.tspod(['run', '--rm', '--pids-limit', '3', f.image, 'sh', '-c', 'for i in 1 2 3 4 5; do sleep 1 & done; wait']);
  assert.match(few.stderr, /can't fork|Resource temporarily unavailable/);
});

t('--device-read-bps / --device-write-iops: the blkio throttle files (rootful)', async () => {
  const dev = blockDevice();
  if (rootless || !v1 || !dev) return;
  const args = ['--device-read-bps', `${dev.path}:1mb`, '--device-write-iops', `${dev.path}:100`, '--device-read-iops', `${dev.path}:7`, '--device-write-bps', `${dev.path}:2048`];
  const show = `cat ${CG}/blkio/blkio.throttle.read_bps_device ${CG}/blkio/blkio.throttle.write_iops_device ${CG}/blkio/blkio.throttle.read_iops_device ${CG}/blkio/blkio.throttle.write_bps_device`;
  const r = await f.tspod(['run', '--rm', ...args, f.image, 'sh', '-c', show]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${dev.id} 1048576\n${dev.id} 100\n${dev.id} 7\n${dev.id} 2048\n`);
  if (peer) assert.is((await peer.run(['run', '--rm', ...ULIMITS, ...args, f.image, 'sh', '-c', show])).stdout, r.stdout);
});

t('--oom-score-adj: /proc/self/oom_score_adj; --sysctl: the values under /proc/sys', async () => {
  const args = ['--oom-score-adj', '100', '--sysctl', 'kernel.msgmax=8192', '--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'fs.mqueue.msg_max=20'];
  const show = 'cat /proc/self/oom_score_adj /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_forward /proc/sys/fs/mqueue/msg_max';
  const r = await f.tspod(['run', '--rm', ...args, f.image, 'sh', '-c', show]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '100\n8192\n1\n20\n');
  assert.is(r.stderr, '', 'no resource limit: no warning');
  if (peer) assert.is((await peer.run(['run', '--rm', ...ULIMITS, ...args, f.image, 'sh', '-c', show])).stdout, r.stdout);
});

t('--cgroupns private: the container sees its cgroup as /; host (the v1 default): the full path; --cgroup-parent', async () => {
  const priv = await f.tspod(['run', '--rm', '--cgroupns', 'private', f.image, 'cat', '/proc/self/cgroup']);
  assert.is(priv.code, 0, priv.stderr);
  assert.ok(priv.stdout.trim().split('\n').every((l) => l.endsWith(':/')), priv.stdout);
  if (rootless || !v1) return;
  const host = await f.tspod(['run', '--rm', '--cgroupns', 'host', f.image, 'cat', '/proc/self/cgroup']);
  assert.match(host.stdout, /^\d+:cpu:\/tspod_parent\/tspod-[0-9a-f]{64}$/m);
  const parent = await f.tspod(['run', '--rm', '--cgroup-parent', '/tspod-test-parent', f.image, 'cat', '/proc/self/cgroup']);
  assert.match(parent.stdout, /^\d+:memory:\/tspod-test-parent\/tspod-[0-9a-f]{64}$/m, parent.stderr);
  spawnSync('sh', ['-c', 'for d in /sys/fs/cgroup/*/tspod-test-parent; do rmdir "$d"; done 2>/dev/null']);
  if (peer) {
    const p = await peer.run(['run', '--rm', ...ULIMITS, '--cgroupns', 'private', f.image, 'cat', '/proc/self/cgroup']);
    assert.is(p.stdout, priv.stdout);
  }
});

t('--cgroups: enabled and no-conmon as the default; disabled refused with runc as podman; --cgroup-conf needs v2', async () => {
  for (const mode of ['enabled', 'no-conmon']) {
    const r = await f.tspod(['run', '--rm', '--cgroups', mode, f.image, 'true']);
    assert.is(r.code, 0, `${mode}: ${r.stderr}`);
  }
  const cases: [string[], string][] = [
    [['--cgroups', 'bogus'], 'running container create option: invalid cgroup mode "bogus": invalid argument'],
    [['--cgroups', 'disabled', '--cgroup-parent', '/x'], 'cannot set cgroup parent if not creating cgroups: invalid argument'],
    [['--cgroupns', 'bogus'], 'unrecognized namespace mode bogus passed'],
    [['--cgroup-conf', 'bad'], '--cgroup-conf must be formatted KEY=VALUE'],
  ];
  if (!cgroupV2) cases.push([['--cgroup-conf', 'memory.high=1000000'], 'cannot use --cgroup-conf without cgroup v2']);
  if (!cgroupV2) cases.push([['--runtime', 'runc', '--cgroups', 'disabled'], 'requested OCI runtime runc is not compatible with NoCgroups: invalid argument']);
  for (const [flags, msg] of cases) {
    const r = await f.tspod(['create', ...flags, f.image, 'true']);
    assert.is(r.code, 125, flags.join(' '));
    assert.is(r.stderr, `Error: ${msg}\n`);
    if (peer && flags[0] !== '--runtime') {
      const p = await peer.run(['create', ...flags, f.image, 'true']);
      assert.is(p.stderr, r.stderr, `podman: ${flags.join(' ')}`);
    }
  }
});

t('checks and messages as podman 4.3 (125 at create)', async () => {
  const dev = blockDevice();
  const cases: [string[], string][] = [
    [['--sysctl', 'vm.swappiness=1'], "sysctl 'vm.swappiness' is not allowed"],
    [['--sysctl', 'kernel.hostname=x'], "sysctl 'kernel.hostname' is not allowed"],
    [['--sysctl', 'net.ipv4.ip_forward'], 'net.ipv4.ip_forward is invalid, sysctl values must be in the form of KEY=VALUE'],
    [['--sysctl', 'net.ipv4.ip_forward=1', '--network', 'host'], "sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host: invalid argument"],
    [['--cpu-shares', 'abc'], 'invalid argument "abc" for "-c, --cpu-shares" flag: strconv.ParseUint: parsing "abc": invalid syntax'],
    [['--pids-limit', 'abc'], 'invalid argument "abc" for "--pids-limit" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['--oom-score-adj', 'x'], 'invalid argument "x" for "--oom-score-adj" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['--memory-reservation', 'abc'], "invalid value for memory: invalid size: 'abc'"],
    [['--blkio-weight', 'abc'], 'invalid value for blkio-weight: strconv.ParseUint: parsing "abc": invalid syntax'],
    [['--device-read-bps', '/dev/nosuch:1mb'], 'could not parse throttle device at /dev/nosuch: no such file or directory'],
    [['--device-read-bps', '/dev/null'], 'bad format: /dev/null'],
    [['--blkio-weight-device', 'vda:200'], 'bad format for device path: vda:200'],
    [['--blkio-weight-device', '/dev/nosuch:200'], "failed to inspect '/dev/nosuch' in --blkio-weight-device: no such file or directory"],
  ];
  // (rootless without a host /dev/mqueue, --ipc host fails on that first)
  if (!rootless || existsSync('/dev/mqueue')) cases.push([['--sysctl', 'fs.mqueue.msg_max=20', '--ipc', 'host'], "sysctl fs.mqueue.msg_max=20 can't be set since IPC Namespace set to host: invalid argument"]);
  if (dev) {
    cases.push([['--device-read-bps', `${dev.path}:abc`], `invalid rate for device: ${dev.path}:abc. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`]);
    cases.push([['--device-write-iops', `${dev.path}:1k`], `invalid rate for device: ${dev.path}:1k. The correct format is <device-path>:<number>. Number must be a positive integer`]);
    cases.push([['--blkio-weight-device', `${dev.path}:5`], `invalid weight for device: ${dev.path}:5`]);
  }
  // the limits' own checks: rootless cgroup v1 ignores the limits before checking them, as podman
  if (!rootless || cgroupV2) {
    cases.push(
      [['--cpu-period', '500'], 'CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)'],
      [['--cpu-quota', '500'], 'CPU cfs quota cannot be less than 1ms (i.e. 1000)'],
      [['--cpus', '1', '--cpu-quota', '5000'], '--cpu-quota and --cpus cannot be set together'],
      [['--cpus', '1', '--cpu-period', '5000'], '--cpu-period and --cpus cannot be set together'],
      [['--cpuset-cpus', 'abc'], 'invalid value abc for cpuset cpus'],
      [['--cpuset-cpus', '999'], /^requested CPUs are not available - requested 999, available: [\d,-]+$/ as unknown as string],
      [['--memory-swap', '32m', '--memory', '64m'], 'minimum memoryswap limit should be larger than memory limit, see usage'],
      [['--memory-swap', '64m'], 'you should always set a memory limit when using a memoryswap limit, see usage'],
      [['--memory-swappiness', '101'], 'invalid value: 101, valid memory swappiness range is 0-100'],
    );
  }
  for (const [flags, msg] of cases) {
    const r = await f.tspod(['create', ...flags, f.image, 'true']);
    assert.is(r.code, 125, `${flags.join(' ')}: ${r.stderr}`);
    const text = r.stderr.split('\n').filter((l) => l !== WARN.trim()).join('\n');
    if (typeof msg === 'string') assert.is(text, `Error: ${msg}\n`);
    else assert.match(text.slice(7).trim(), msg as RegExp);
    if (peer) {
      const p = await peer.run(['create', ...flags, f.image, 'true']);
      assert.is(p.code, 125, `podman: ${flags.join(' ')}`);
      assert.is(p.stderr.split('\n')[0], r.stderr.split('\n')[0], `podman: ${flags.join(' ')}`);
    }
  }
});

const HOSTCONFIG = '{{.HostConfig.CpuShares}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.CpusetCpus}} {{.HostConfig.CpusetMems}} ' +
  '{{.HostConfig.MemoryReservation}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemorySwappiness}} {{.HostConfig.OomKillDisable}} {{.HostConfig.OomScoreAdj}} ' +
  '{{.HostConfig.PidsLimit}} {{json .HostConfig.BlkioDeviceReadBps}} {{json .HostConfig.BlkioDeviceWriteIOps}} {{.HostConfig.CgroupParent}} ' +
  '{{.HostConfig.CgroupMode}} {{.HostConfig.Cgroups}}';

t('inspect HostConfig: the values podman 4.3 shows (--memory alone gets as much swap again, in the container too)', async () => {
  const dev = blockDevice();
  const all = ['--cpu-shares', '512', '--cpu-period', '50000', '--cpu-quota', '25000', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--memory', '64m',
    '--memory-reservation', '32m', '--memory-swap', '128m', '--memory-swappiness', '10', '--oom-kill-disable', '--oom-score-adj', '100', '--pids-limit', '50',
    ...(dev ? ['--device-read-bps', `${dev.path}:1mb`, '--device-write-iops', `${dev.path}:100`] : []), '--cgroup-parent', '/mypar', '--cgroupns', 'private', '--cgroups', 'no-conmon'];
  const cases: [string[], string][] = [
    [all, `512 50000 25000 0 0 ${32 << 20} ${128 << 20} 10 true 100 50 ${dev ? `[{"Path":"${dev.path}","Rate":1048576}] [{"Path":"${dev.path}","Rate":100}]` : 'null null'} /mypar private default`],
    [['--pids-limit', '-1', '--memory', '64m', '--memory-swap', '-1'], '0 0 0   0 0 -1 false 0 0 null null  host default'],
    [['--memory-reservation', '10m'], `0 0 0   ${10 << 20} 0 -1 false 0 2048 null null  host default`],
  ];
  for (const [flags, want] of cases) {
    const c = await f.tspod(['create', ...flags, f.image, 'true']);
    assert.is(c.code, 0, c.stderr);
    const got = (await f.tspod(['inspect', '--format', HOSTCONFIG, c.stdout.trim()])).stdout.trim();
    if (!rootless && v1) assert.is(got, want, flags.join(' '));
    if (peer) {
      const p = await peer.run(['create', ...flags, f.image, 'true']);
      assert.is((await peer.run(['inspect', '--format', HOSTCONFIG, p.stdout.trim()])).stdout.trim(), got, `podman: ${flags.join(' ')}`);
    }
    await f.tspod(['rm', c.stdout.trim()]);
  }
  if (rootless || !v1 || !existsSync(`${CG}/memory/memory.memsw.limit_in_bytes`)) return;
  const r = await f.tspod(['run', '--rm', '--memory', '64m', f.image, 'cat', `${CG}/memory/memory.memsw.limit_in_bytes`]);
  assert.is(r.stdout, `${128 << 20}\n`, r.stderr);
});

t('accepted values as podman: --memory-swap -1, --memory-swappiness -1, --blkio-weight without kernel support warns', async () => {
  for (const flags of [['--memory', '64m', '--memory-swap', '-1'], ['--memory-swappiness', '-1'], ['--oom-score-adj', '-1000'], ['--cgroupns', 'private', '--cgroupns', 'host']]) {
    const r = await f.tspod(['create', ...flags, f.image, 'true']);
    assert.is(r.code, 0, `${flags.join(' ')}: ${r.stderr}`);
    await f.tspod(['rm', r.stdout.trim()]);
  }
  const weighted = existsSync('/sys/fs/cgroup/blkio/blkio.weight') || existsSync('/sys/fs/cgroup/blkio/blkio.bfq.weight');
  if (rootless || !v1 || weighted) return;
  const r = await f.tspod(['create', '--blkio-weight', '300', f.image, 'true']);
  assert.is(r.code, 0);
  assert.is(r.stderr, 'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n');
  if (peer) assert.is((await peer.run(['create', '--blkio-weight', '300', f.image, 'true'])).stderr, r.stderr);
  await f.tspod(['rm', r.stdout.trim()]);
});

test.run();
