// @rootless
// run/create --cidfile, --replace, --label-file, --env-host, --expose, --platform: what the container saw,
// what was written, exit statuses, and podman 4.3's messages (compared side by side on a private store).
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const { t, f, dir } = containerTests({ scratch: 'tspod-180-' });

const inspect = async (ref: string, format: string) => (await f.tspod(['inspect', '--format', format, ref])).stdout.trim();
const count = async () => (await f.tspod(['ps', '-aq'])).stdout.split('\n').filter(Boolean).length;

t('--cidfile: the full ID without newline; an existing file or a missing directory is refused, no container left; rm leaves it', async () => {
  const cid = join(dir, 'cid1');
  const c = await f.tspod(['create', '--cidfile', cid, f.image, 'true']);
  assert.is(c.code, 0, c.stderr);
  assert.is(readFileSync(cid, 'utf8'), c.stdout.trim());
  assert.match(c.stdout, /^[0-9a-f]{64}\n$/);
  assert.is(statSync(cid).mode & 0o777, 0o666 & ~process.umask(), 'created 0666 less the umask, as podman');
  assert.is(await inspect(c.stdout.trim(), '{{.HostConfig.ContainerIDFile}}'), cid);
  const before = await count();
  const again = await f.tspod(['create', '--cidfile', cid, f.image, 'true']);
  assert.is(again.code, 125);
  assert.is(again.stderr, `Error: container id file exists. Ensure another container is not using it or delete ${cid}\n`);
  const nodir = await f.tspod(['run', '--rm', '--cidfile', join(dir, 'no/such/dir'), f.image, 'true']);
  assert.is(nodir.code, 125);
  assert.is(nodir.stderr, `Error: opening cidfile ${join(dir, 'no/such/dir')}\n`);
  assert.is(await count(), before, 'refused creates leave no container');
  assert.is((await f.tspod(['rm', c.stdout.trim()])).code, 0);
  assert.is(readFileSync(cid, 'utf8'), c.stdout.trim(), 'podman 4.3 rm leaves the cidfile');
  // run --rm writes it before the start, and it stays after the removal
  const cid2 = join(dir, 'cid2');
  const r = await f.tspod(['run', '--rm', '--cidfile', cid2, f.image, 'echo', 'ran']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'ran\n');
  assert.match(readFileSync(cid2, 'utf8'), /^[0-9a-f]{64}$/);
});

t('--replace: needs --name; removes a running container of that name (its name printed first), else a plain create', async () => {
  const noName = await f.tspod(['create', '--replace', f.image, 'true']);
  assert.is(noName.code, 125);
  assert.is(noName.stderr, 'Error: cannot replace container without --name being set\n');
  const name = uniqueName('repl');
  const fresh = await f.tspod(['create', '--replace', '--name', name, f.image, 'true']);
  assert.is(fresh.code, 0, fresh.stderr);
  assert.match(fresh.stdout, /^[0-9a-f]{64}\n$/, 'nothing replaced: only the ID');
  const old = await f.tspod(['run', '-d', '--replace', '--name', name, f.image, 'sh', '-c', 'trap "exit 0" TERM; sleep 100 & wait']);
  assert.is(old.code, 0, old.stderr);
  assert.is(old.stdout.split('\n')[0], name, 'the created one was replaced');
  const oldId = old.stdout.split('\n')[1];
  assert.is(await inspect(name, '{{.State.Status}}'), 'running');
  const r = await f.tspod(['run', '--replace', '--name', name, f.image, 'echo', 'second']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${name}\nsecond\n`);
  const ids = (await f.tspod(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}}'])).stdout;
  assert.not.match(ids, oldId);
  assert.match(ids, new RegExp(`^[0-9a-f]{64} ${name}$`, 'm'));
  // without --replace the name stays taken
  const taken = await f.tspod(['create', '--name', name, f.image, 'true']);
  assert.is(taken.code, 125);
  assert.match(taken.stderr, /already in use/);
});

t('--label-file: KEY=VALUE lines as written, comments and bare keys skipped, later files and --label win; podman\'s errors', async () => {
  const a = join(dir, 'labels-a'), b = join(dir, 'labels-b');
  writeFileSync(a, 'a=1\n# comment\n\nb=two words\n  c=3 \nnoval\nd="q"\ne=x=y\n');
  writeFileSync(b, 'a=2\n');
  const name = uniqueName('lf');
  const c = await f.tspod(['create', '--name', name, '--label-file', a, '--label-file', b, '--label', 'b=over', f.image, 'true']);
  assert.is(c.code, 0, c.stderr);
  assert.equal(JSON.parse(await inspect(name, '{{json .Config.Labels}}')),
    { 'tspod.fixture': 'busybox', a: '2', b: 'over', c: '3 ', d: '"q"', e: 'x=y' });
  const bad = async (text: string) => {
    const p = join(dir, uniqueName('bad'));
    writeFileSync(p, text);
    const r = await f.tspod(['create', '--label-file', p, f.image, 'true']);
    assert.is(r.code, 125);
    return r.stderr;
  };
  assert.is(await bad(' c = 3\n'), 'Error: unable to process labels: name "c " has white spaces, poorly formatted name\n');
  assert.is(await bad('=foo\n'), 'Error: unable to process labels: invalid environment variable: "=foo"\n');
  const missing = await f.tspod(['create', '--label-file', join(dir, 'nope'), f.image, 'true']);
  assert.is(missing.code, 125);
  assert.is(missing.stderr, `Error: unable to process labels: open ${join(dir, 'nope')}: no such file or directory\n`);
});

t('--env-host: the caller\'s environment over the image\'s, -e over it; HOSTNAME from it or -e is kept', async () => {
  const env = { FOO180: 'host', FROM_IMAGE: 'host', HOSTNAME: 'hh180', BAR180: 'b' };
  const r = await f.tspod(['run', '--rm', '--network', 'none', '--env-host', '-e', 'FOO180=flag', f.image, 'env'], { env });
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  for (const l of ['FOO180=flag', 'FROM_IMAGE=host', 'HOSTNAME=hh180', 'BAR180=b', 'container=podman']) assert.ok(lines.includes(l), `${l} in\n${r.stdout}`);
  assert.not.ok(lines.some((l) => l.startsWith('_TSPOD_')), 'no launcher variables');
  const plain = await f.tspod(['run', '--rm', '--network', 'none', '-e', 'HOSTNAME=set180', f.image, 'env'], { env });
  assert.ok(plain.stdout.split('\n').includes('HOSTNAME=set180'), plain.stdout);
  assert.not.match(plain.stdout, /BAR180/, 'without --env-host the caller\'s variables stay out');
});

t('--expose: in inspect Ports/PortBindings with no binding (sorted, as podman 4.3); podman\'s parse errors', async () => {
  const name = uniqueName('exp');
  const c = await f.tspod(['create', '--name', name, '--expose', '80', '--expose', '53/udp', '--expose', '8000-8002', '-p', '9090:90', f.image, 'true']);
  assert.is(c.code, 0, c.stderr);
  const want = '{"53/udp":null,"80/tcp":null,"8000/tcp":null,"8001/tcp":null,"8002/tcp":null,"90/tcp":[{"HostIp":"","HostPort":"9090"}]}';
  assert.is(await inspect(name, '{{json .NetworkSettings.Ports}}'), want);
  assert.is(await inspect(name, '{{json .HostConfig.PortBindings}}'), want);
  // commit keeps them exposed (published ones too), as podman; the container was never started
  const img = `localhost/${uniqueName('exp180')}:1`;
  const cm = await f.tspod(['commit', '-q', name, img]);
  assert.is(cm.code, 0, cm.stderr);
  assert.is((await f.tspod(['image', 'inspect', '--format', '{{json .Config.ExposedPorts}}', img])).stdout,
    '{"53/udp":{},"80/tcp":{},"8000/tcp":{},"8001/tcp":{},"8002/tcp":{},"90/tcp":{}}\n');
  await f.tspod(['rm', '-f', name]);
  assert.is((await f.tspod(['rmi', img])).code, 0);
  const cases: [string, string][] = [
    ['0', 'port numbers must be between 1 and 65535 (inclusive), got 0'],
    ['abc', 'invalid range format for --expose: abc: strconv.ParseUint: parsing "abc": invalid syntax'],
    ['70000', 'invalid range format for --expose: 70000: strconv.ParseUint: parsing "70000": value out of range'],
    ['90-80', 'invalid range format for --expose: 90-80: Invalid range specified for the Port: 90-80'],
    ['80-80', 'the end port of a range must be higher than the start port - 80 is not higher than 80'],
    ['80/tcp/udp', 'invalid expose format - protocol can only be specified once'],
    ['80/sctp', 'validating protocols for exposed port 80: protocol SCTP is not allowed for exposed ports'],
    ['80/xyz', 'validating protocols for exposed port 80: unrecognized protocol "xyz" in port mapping'],
    ['80/tcp,udp', 'invalid range format for --expose: udp: strconv.ParseUint: parsing "udp": invalid syntax'],
  ];
  const before = await count();
  for (const [e, msg] of cases) {
    const r = await f.tspod(['create', `--expose=${e}`, f.image, 'true']);
    assert.is(r.code, 125, e);
    assert.is(r.stderr, `Error: ${msg}\n`);
  }
  assert.is(await count(), before);
});

t('--platform: the host\'s platform runs, another is a missing image (--pull never), a bad specifier podman\'s error', async () => {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const other = arch === 'amd64' ? 'arm64' : 'amd64';
  const ok = await f.tspod(['run', '--rm', '--pull', 'never', '--platform', `linux/${arch}`, f.image, 'echo', 'ok']);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stdout, 'ok\n');
  const osOnly = await f.tspod(['run', '--rm', '--pull', 'never', '--platform', 'linux', f.image, 'true']);
  assert.is(osOnly.code, 0, osOnly.stderr);
  const wrong = await f.tspod(['create', '--pull', 'never', '--platform', `linux/${other}`, f.image, 'true']);
  assert.is(wrong.code, 125);
  assert.is(wrong.stderr, `Error: ${f.image}: image not known\n`);
  const bad = await f.tspod(['create', '--pull', 'never', '--platform', 'a/b/c/d', f.image, 'true']);
  assert.is(bad.code, 125);
  assert.is(bad.stderr, `Error: checking platform of image ${f.image}: parsing host platform: "a/b/c/d": cannot parse platform specifier: invalid argument\n`);
});

t('--platform: an image pulled for another platform runs, with podman\'s warning (no image ID printed)', async () => {
  const { fixtureEnv } = await import('../helpers/global-setup.ts');
  const fx = await fixtureEnv();
  const ref = `${fx.registry}/${uniqueName('plat180')}:1`;
  const push = await f.tspod(['push', '-q', '--tls-verify=false', f.image, `docker://${ref}`]);
  assert.is(push.code, 0, push.stderr);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const other = arch === 'amd64' ? 'arm64' : 'amd64';
  const r = await f.tspod(['run', '--rm', '-q', '--tls-verify=false', '--platform', `linux/${other}`, ref, 'echo', 'hi']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'hi\n');
  // with -q podman logs it (a warning log line) instead of printing it with the pull progress
  assert.is(r.stderr, `WARN[0000] image platform ({${arch} linux  [] }) does not match the expected platform ({${other} linux  [] })\n`);
  const never = await f.tspod(['run', '--rm', '--pull', 'never', '--platform', `linux/${other}`, ref, 'true']);
  assert.is(never.code, 125);
  assert.is(never.stderr, `Error: ${ref}: image not known\n`);
});

test.run();
