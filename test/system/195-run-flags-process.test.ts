// @rootless
// run/create flags about the process and its monitor, as podman 4.3 behaves side by side (compared on a
// private store): -a, --http-proxy, --umask, --tz, --unsetenv(-all), --env-merge, --pidfile,
// --conmon-pidfile, --timeout, --log-opt, -P, --rmi, --read-only-tmpfs, --init-path, --pod.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const { t, f, dir } = containerTests({ scratch: 'tspod-195-' });

const run = (args: string[], cmd: string[], opts?: { env?: NodeJS.ProcessEnv }) => f.tspod(['run', '--rm', ...args, f.image, ...cmd], opts);
const inspect = async (ref: string, format: string) => (await f.tspod(['inspect', '--format', format, ref])).stdout.trim();

t('-a: only the streams named are shown (any case); stdin still follows -i; a bad name is refused', async () => {
  const both = ['sh', '-c', 'echo out; echo err >&2'];
  let r = await run(['-a', 'stdout'], both);
  assert.equal([r.code, r.stdout, r.stderr], [0, 'out\n', '']);
  r = await run(['-a', 'STDERR'], both);
  assert.equal([r.code, r.stdout, r.stderr], [0, '', 'err\n']);
  r = await f.tspod(['run', '--rm', '-i', '-a', 'stdout', f.image, 'cat'], { input: 'hello\n' });
  assert.equal([r.code, r.stdout], [0, 'hello\n']);
  r = await run(['-a', 'bogus'], ['true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'Error: invalid stream "bogus" for --attach - must be one of stdin, stdout, or stderr: invalid argument\n');
});

t('--http-proxy (on by default): the host proxy variables come in, -e wins, =false keeps them out', async () => {
  const env = { http_proxy: 'http://proxy.example:3128', NO_PROXY: 'localhost', HTTPS_PROXY: 'http://p2.example:1' };
  let r = await run([], ['env'], { env });
  assert.is(r.code, 0, r.stderr);
  for (const [k, v] of Object.entries(env)) assert.ok(r.stdout.includes(`\n${k}=${v}\n`) || r.stdout.startsWith(`${k}=${v}\n`), `${k} missing:\n${r.stdout}`);
  r = await run(['-e', 'http_proxy=mine'], ['sh', '-c', 'echo $http_proxy'], { env });
  assert.is(r.stdout, 'mine\n');
  r = await run(['--http-proxy=false'], ['env'], { env });
  assert.not.match(r.stdout, /proxy/i);
});

t('--umask sets the process umask; a bad one is refused with podman\'s message', async () => {
  assert.is((await run(['--umask', '0077'], ['sh', '-c', 'umask'])).stdout, '0077\n');
  assert.is((await run([], ['sh', '-c', 'umask'])).stdout, '0022\n');
  const r = await run(['--umask', '999'], ['true']);
  assert.equal([r.code, r.stderr], [125, 'Error: running container create option: invalid umask string 999: invalid argument\n']);
});

t('--tz: the zone\'s file is /etc/localtime (a copy owned by the container\'s root); an unknown zone is refused', async () => {
  const r = await run(['--tz', 'Asia/Tokyo'], ['sh', '-c', 'date +%Z; stat -c %u /etc/localtime']);
  assert.equal([r.code, r.stdout], [0, 'JST\n0\n'], r.stderr);
  const name = uniqueName('tz');
  assert.is((await f.tspod(['create', '--name', name, '--tz', 'Asia/Tokyo', f.image, 'true'])).code, 0);
  assert.is(await inspect(name, '{{.Config.Timezone}}'), 'Asia/Tokyo');
  await f.tspod(['rm', name]);
  const bad = await run(['--tz', 'Nowhere/X'], ['true']);
  assert.equal([bad.code, bad.stderr], [125, 'Error: running container create option: stat /usr/share/zoneinfo/Nowhere/X: no such file or directory\n']);
});

t('--unsetenv drops default and image variables (not -e ones); --unsetenv-all drops them all; --env-merge builds on the image\'s', async () => {
  let r = await run(['--unsetenv', 'TERM', '--unsetenv', 'container'], ['env']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, /^(TERM|container)=/m);
  assert.match(r.stdout, /^PATH=/m);
  r = await run(['--unsetenv-all', '-e', 'PATH=/bin'], ['env']);
  assert.equal(r.stdout.split('\n').filter(Boolean).map((l) => l.split('=')[0]).sort(), ['HOME', 'HOSTNAME', 'PATH']);
  assert.match(r.stdout, /^PATH=\/bin$/m);
  r = await run(['--env-merge', 'PATH=/opt/x:${PATH}', '--env-merge', 'NEW=a${NOPE}b'], ['sh', '-c', 'echo "$PATH [$NEW]"']);
  assert.match(r.stdout, /^\/opt\/x:\/usr\/local\/sbin:.*:\/bin \[\]\n$/);
});

t('--pidfile and --conmon-pidfile hold the pids inspect shows, and stay after rm', async () => {
  const name = uniqueName('pids');
  const pidfile = join(dir, 'ctr.pid'), conmonfile = join(dir, 'conmon.pid');
  const d = await f.tspod(['run', '-d', '--name', name, '--pidfile', pidfile, '--conmon-pidfile', conmonfile, f.image, 'sleep', '100']);
  assert.is(d.code, 0, d.stderr);
  assert.is(await inspect(name, '{{.PidFile}} {{.ConmonPidFile}}'), `${pidfile} ${conmonfile}`);
  assert.is(await inspect(name, '{{.State.Pid}} {{.State.ConmonPid}}'), `${readFileSync(pidfile, 'utf8').trim()} ${readFileSync(conmonfile, 'utf8').trim()}`);
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
  assert.ok(existsSync(pidfile) && existsSync(conmonfile));
});

t('--timeout: the container is killed when the time is up, and run exits 255', async () => {
  const r = await run(['--timeout', '1'], ['sleep', '30']);
  assert.is(r.code, 255, r.stderr);
});

t('--log-opt: path= moves the log (logs reads it), max-size= and tag= as inspect shows them', async () => {
  const name = uniqueName('log');
  const log = join(dir, 'ctr.log');
  const r = await f.tspod(['run', '--name', name, '--log-opt', `path=${log}`, '--log-opt', 'max-size=10m', f.image, 'echo', 'logged']);
  assert.is(r.code, 0, r.stderr);
  assert.match(readFileSync(log, 'utf8'), / stdout F logged\n$/);
  assert.is((await f.tspod(['logs', name])).stdout, 'logged\n');
  assert.is(await inspect(name, '{{json .HostConfig.LogConfig}}'), JSON.stringify({ Type: 'k8s-file', Config: null, Path: log, Tag: '', Size: '10MB' }));
  await f.tspod(['rm', name]);
  const bad = await run(['--log-opt', 'max-size=abc'], ['true']);
  assert.equal([bad.code, bad.stderr], [125, "Error: invalid size: 'abc'\n"]);
});

t('-P publishes each exposed port not published by -p on a free host port, chosen at create', async () => {
  const name = uniqueName('pub');
  const c = await f.tspod(['create', '--name', name, '--expose', '80', '--expose', '53/udp', '-p', '81', '-P', f.image, 'true']);
  assert.is(c.code, 0, c.stderr);
  const b = JSON.parse(await inspect(name, '{{json .HostConfig.PortBindings}}'));
  assert.equal(Object.keys(b).sort(), ['53/udp', '80/tcp', '81/tcp']);
  for (const k of Object.keys(b)) assert.ok(Number(b[k][0].HostPort) > 0, `${k} has no host port: ${JSON.stringify(b)}`);
  await f.tspod(['rm', name]);
});

t('--rmi: the image name goes after the container; an image another container uses stays, with an error line', async () => {
  const tag = `localhost/rmi-${uniqueName('t')}:1`;
  assert.is((await f.tspod(['tag', f.image, tag])).code, 0);
  let r = await f.tspod(['run', '--rmi', tag, 'echo', 'hi']);
  assert.equal([r.code, r.stdout], [0, 'hi\n'], r.stderr);
  assert.is((await f.tspod(['image', 'exists', tag])).code, 1, 'the name was not removed');
  assert.is((await f.tspod(['image', 'exists', f.image])).code, 0, 'the image\'s other name went too');
  // an image of its own (commit), used by a second container
  const base = uniqueName('base'), solo = `localhost/solo-${uniqueName('t')}:1`, keep = uniqueName('keep');
  assert.is((await f.tspod(['create', '--name', base, f.image, 'true'])).code, 0);
  assert.is((await f.tspod(['commit', '-q', base, solo])).code, 0);
  assert.is((await f.tspod(['create', '--name', keep, solo, 'true'])).code, 0);
  r = await f.tspod(['run', '--rmi', solo, 'sh', '-c', 'exit 3']);
  assert.is(r.code, 3);
  assert.match(r.stderr, /^ERRO\[0000\] .*in use/);
  assert.is((await f.tspod(['image', 'exists', solo])).code, 0);
  await f.tspod(['rm', keep, base]);
  await f.tspod(['rmi', solo]);
});

t('--read-only: /tmp, /var/tmp and /run writable tmpfs unless --read-only-tmpfs=false; /dev is noexec', async () => {
  let r = await run(['--read-only'], ['sh', '-c', 'touch /tmp/x /run/x /var/tmp/x && echo ok']);
  assert.is(r.stdout, 'ok\n', r.stderr);
  r = await run(['--read-only', '--read-only-tmpfs=false'], ['sh', '-c', 'touch /tmp/x 2>/dev/null || echo refused']);
  assert.is(r.stdout, 'refused\n');
  r = await run([], ['grep', ' /dev ', '/proc/mounts']);
  assert.match(r.stdout, /^tmpfs \/dev tmpfs rw,nosuid,noexec,/);
});

t('--init-path: that init runs as PID 1; a missing one is refused; --pod is refused (no pods)', async () => {
  let r = await run(['--init', '--init-path', '/usr/bin/catatonit'], ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']);
  assert.equal([r.code, r.stdout], [0, '/run/podman-init -- sh -c cat /proc/1/cmdline | tr "\\0" " " '], r.stderr);
  r = await run(['--init', '--init-path', '/nonexistent/init'], ['true']);
  assert.not.equal(r.code, 0);
  assert.match(r.stderr, /container-init binary not found on the host: stat \/nonexistent\/init: no such file or directory/);
  r = await run(['--pod', 'mypod'], ['true']);
  assert.equal([r.code, r.stderr], [125, 'Error: no pod with name or ID mypod found: no such pod\n']);
});

test.run();
