// @rootless
// tspod run: what the container sees (args, env, cwd, user, hostname, mounts, caps) and exit statuses.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const { t, f } = containerTests();

t('run --rm echo: output and exit status 0', async () => {
  const r = await f.tspod(['run', '--rm', f.image, 'echo', 'hi']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(r.stdout, 'hi\n');
  const ps = await f.tspod(['ps', '-aq']);
  assert.is(ps.code, 0);
  assert.is(ps.stdout, '', 'the --rm container is gone');
});

t('exit status is the container\'s; stderr stays stderr', async () => {
  const r = await f.tspod(['run', '--rm', f.image, 'sh', '-c', 'echo out; echo err >&2; exit 42']);
  assert.is(r.code, 42);
  assert.is(r.stdout, 'out\n');
  assert.is(r.stderr, 'err\n');
});

t('127 for a missing command, 126 for a non-executable one, 125 for a missing image', async () => {
  const nf = await f.tspod(['run', '--rm', f.image, 'no-such-cmd']);
  assert.is(nf.code, 127, nf.stderr);
  assert.match(nf.stderr, /not found/);
  const ni = await f.tspod(['run', '--rm', f.image, '/etc/passwd']);
  assert.is(ni.code, 126, ni.stderr);
  const noimg = await f.tspod(['run', '--rm', '--pull', 'never', 'localhost/no-such-image', 'true']);
  assert.is(noimg.code, 125);
  const ps = await f.tspod(['ps', '-aq']);
  assert.is(ps.stdout, '', 'failed --rm runs leave no container behind');
});

t('ENTRYPOINT/CMD rules: args replace CMD, --entrypoint replaces ENTRYPOINT', async () => {
  const cmd = await f.tspod(['run', '--rm', f.image]);
  assert.is(cmd.code, 0, 'image CMD sh with no stdin exits 0');
  const ep = await f.tspod(['run', '--rm', '--entrypoint', 'echo', f.image, 'a', 'b']);
  assert.is(ep.code, 0);
  assert.is(ep.stdout, 'a b\n');
  const epJson = await f.tspod(['run', '--rm', '--entrypoint', '["sh","-c","echo $0-$1"]', f.image, 'x', 'y']);
  assert.is(epJson.stdout, 'x-y\n');
});

t('env: image env, -e, -e NAME from the caller, --env-file, HOSTNAME, container=podman', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-envf-'));
  writeFileSync(join(dir, 'env'), '# comment\nFROM_FILE=yes\nBOTH=file\n');
  const r = await f.tspod(['run', '--rm', '--hostname', 'h1', '--env-file', join(dir, 'env'), '-e', 'BOTH=flag', '-e', 'PASSED', '-e', 'A=1', f.image, 'env'], { env: { PASSED: 'through' } });
  rmSync(dir, { recursive: true });
  assert.is(r.code, 0, r.stderr);
  const env = Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.is(env.FROM_IMAGE, '1');
  assert.is(env.FROM_FILE, 'yes');
  assert.is(env.BOTH, 'flag');
  assert.is(env.PASSED, 'through');
  assert.is(env.A, '1');
  assert.is(env.HOSTNAME, 'h1');
  assert.is(env.container, 'podman');
  assert.is(env.HOME, '/root');
  assert.ok(env.PATH.includes('/bin'));
});

t('-w, -u (names and ids via the image passwd/group), --hostname', async () => {
  const r = await f.tspod(['run', '--rm', '-w', '/tmp/work', '-u', 'bb:extra', '--hostname', 'box', f.image, 'sh', '-c', 'pwd; id -u; id -g; hostname; echo $HOME']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '/tmp/work\n1000\n2000\nbox\n/home/bb\n');
  const n = await f.tspod(['run', '--rm', '-u', '4242', f.image, 'id', '-u']);
  assert.is(n.stdout, '4242\n');
  // podman finds out when it starts the container: 126, "cannot invoke"
  const bad = await f.tspod(['run', '--rm', '-u', 'nosuchuser', f.image, 'true']);
  assert.is(bad.code, 126, bad.stderr);
  assert.is(bad.stderr, 'Error: unable to find user nosuchuser: no matching entries in passwd file\n');
  assert.match(bad.stderr, /nosuchuser/);
});

t('default hostname is the short ID; /etc/hosts and resolv.conf are generated', async () => {
  const name = uniqueName('host');
  const r = await f.tspod(['run', '--name', name, f.image, 'sh', '-c', 'hostname; cat /etc/hosts; test -f /etc/resolv.conf && echo resolv; test -f /run/.containerenv && echo cenv']);
  assert.is(r.code, 0, r.stderr);
  const id = (await f.tspod(['inspect', '--format', '{{.Id}}', name])).stdout.trim();
  assert.is(r.stdout.split('\n')[0], id.slice(0, 12));
  assert.match(r.stdout, new RegExp(`${id.slice(0, 12)} ${name}`));
  assert.match(r.stdout, /resolv\ncenv\n/);
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('-v bind (created when missing), ro, --mount bind (must exist), --tmpfs, --read-only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-vol-'));
  writeFileSync(join(dir, 'in.txt'), 'from host\n');
  const r = await f.tspod(['run', '--rm', '-v', `${dir}:/data`, '-v', `${dir}/made:/made`, '--mount', `type=bind,source=${dir},target=/ro,readonly`,
    '--tmpfs', '/scratch', f.image, 'sh', '-c', 'cat /data/in.txt; echo c > /data/out.txt; touch /ro/x 2>/dev/null || echo ro-refused; grep -q " /scratch tmpfs" /proc/mounts && echo tmpfs; test -d /made && echo made']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'from host\nro-refused\ntmpfs\nmade\n');
  assert.is(readFileSync(join(dir, 'out.txt'), 'utf8'), 'c\n');
  const missing = await f.tspod(['run', '--rm', '--mount', `type=bind,source=${dir}/nope,target=/x`, f.image, 'true']);
  assert.is(missing.code, 125);
  assert.match(missing.stderr, /no such file or directory/);
  const ro = await f.tspod(['run', '--rm', '--read-only', f.image, 'sh', '-c', 'touch /x 2>/dev/null || echo refused; touch /tmp/ok && echo tmp-ok']);
  assert.is(ro.stdout, 'refused\ntmp-ok\n');
  rmSync(dir, { recursive: true, force: true });
});

t('named volumes persist across containers; ro; anonymous volumes go with run --rm', async () => {
  const vol = uniqueName('vol');
  const w = await f.tspod(['run', '--rm', '-v', `${vol}:/data`, f.image, 'sh', '-c', 'echo kept > /data/f']);
  assert.is(w.code, 0, w.stderr);
  const r = await f.tspod(['run', '--rm', '--mount', `type=volume,source=${vol},target=/v,ro`, f.image, 'sh', '-c', 'cat /v/f; touch /v/x 2>/dev/null || echo ro']);
  assert.is(r.stdout, 'kept\nro\n');
  const before = (await f.tspod(['volume', 'ls', '-q'])).stdout;
  assert.match(before, new RegExp(`^${vol}$`, 'm'));
  assert.is((await f.tspod(['run', '--rm', '-v', '/anon', f.image, 'true'])).code, 0);
  assert.is((await f.tspod(['volume', 'ls', '-q'])).stdout, before, 'the anonymous volume was removed');
  assert.is((await f.tspod(['volume', 'rm', vol])).code, 0);
});

t('capabilities: defaults, --cap-drop, --cap-add, --privileged', async () => {
  const capEff = async (args: string[]) => {
    const r = await f.tspod(['run', '--rm', ...args, f.image, 'grep', 'CapEff', '/proc/self/status']);
    assert.is(r.code, 0, r.stderr);
    return BigInt('0x' + r.stdout.trim().split(/\s+/)[1]);
  };
  const def = await capEff([]);
  assert.is(def & (1n << 0n), 1n, 'CAP_CHOWN by default');
  assert.is(def & (1n << 21n), 0n, 'no CAP_SYS_ADMIN by default');
  assert.is((await capEff(['--cap-drop', 'chown'])) & 1n, 0n);
  assert.is((await capEff(['--cap-add', 'SYS_ADMIN'])) & (1n << 21n), 1n << 21n);
  assert.is((await capEff(['--privileged'])) & (1n << 21n), 1n << 21n);
});

t('seccomp: podman\'s default profile, off with seccomp=unconfined and --privileged', async () => {
  const mode = async (args: string[]) => (await f.tspod(['run', '--rm', ...args, f.image, 'grep', 'Seccomp:', '/proc/self/status'])).stdout.trim().split(/\s+/)[1];
  assert.is(await mode([]), '2');
  assert.is(await mode(['--security-opt', 'seccomp=unconfined']), '0');
  assert.is(await mode(['--privileged']), '0');
});

t('--label, --annotation, --stop-signal, --stop-timeout, --restart land in inspect', async () => {
  const name = uniqueName('meta');
  const c = await f.tspod(['create', '--name', name, '--label', 'a=b', '--annotation', 'x=y', '--stop-signal', 'SIGUSR1', '--stop-timeout', '7', '--restart', 'on-failure:3', f.image, 'true']);
  assert.is(c.code, 0, c.stderr);
  assert.match(c.stdout, /^[0-9a-f]{64}\n$/);
  const r = await f.tspod(['inspect', '--format', '{{.Config.Labels.a}} {{.Config.Annotations.x}} {{.Config.StopSignal}} {{.Config.StopTimeout}} {{.HostConfig.RestartPolicy.Name}} {{.State.Status}}', name]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'b y 10 7 on-failure created\n');
  assert.is((await f.tspod(['rm', name])).code, 0);
});


t('--ulimit nofile within the hard limit; above it is refused', async () => {
  const r = await f.tspod(['run', '--rm', '--ulimit', 'nofile=100:200', f.image, 'sh', '-c', 'ulimit -n; ulimit -Hn']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '100\n200\n');
  // above fs.nr_open no one may set it: the runtime refuses, podman's message and exit 126
  const over = await f.tspod(['run', '--rm', '--ulimit', 'nofile=99999999:99999999', f.image, 'true']);
  assert.is(over.code, 126, over.stderr);
  assert.match(over.stderr, /^Error: (runc|crun): .*operation not permitted.*: OCI permission denied\n$/i);
});

t('--pull missing pulls from a registry once; --pull never refuses a missing image', async () => {
  const { fixtureEnv } = await import('../helpers/global-setup.ts');
  const fx = await fixtureEnv();
  const ref = `${fx.registry}/busybox:latest`;
  const never = await f.tspod(['run', '--rm', '--pull', 'never', ref, 'true']);
  assert.is(never.code, 125);
  const r = await f.tspod(['run', '--rm', '-q', '--tls-verify=false', ref, 'echo', 'pulled']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'pulled\n');
  const again = await f.tspod(['run', '--rm', '--pull', 'never', ref, 'echo', 'cached']);
  assert.is(again.stdout, 'cached\n', again.stderr);
});

t('-i passes stdin; without -i the container gets none', async () => {
  const r = await f.tspod(['run', '--rm', '-i', f.image, 'sh', '-c', 'cat; echo end'], { input: 'line1\nline2\n' });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'line1\nline2\nend\n');
  const n = await f.tspod(['run', '--rm', f.image, 'sh', '-c', 'cat; echo end'], { input: 'ignored\n' });
  assert.is(n.stdout, 'end\n');
});

t('a reader that goes away (run ... | head -1) ends tspod as SIGPIPE ends podman: 141, no stack trace', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const cli = fileURLToPath(new URL('../../dist/tspod.js', import.meta.url));
  const line = [process.execPath, cli, '--root', f.root, '--runroot', f.runroot, 'run', '--rm', f.image, 'sh', '-c', "'seq 1 200000'"].join(' ');
  const r = spawnSync('bash', ['-c', `${line} | head -1; echo "status \${PIPESTATUS[0]}"`], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.stdout, '1\nstatus 141\n', r.stderr);
  assert.not.match(r.stderr, /Error|EPIPE|at /);
});

test.run();
