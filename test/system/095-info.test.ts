// @rootless
// tspod info: podman info's shape (host, store, registries, version), side by side with podman's own
// output for what both must agree on, --format json and Go templates with Go's field names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, buildLayer, writeOciLayout } from '../helpers/images.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
// a lower-case path: `pull oci:PATH` names the image localhost/PATH:latest, which must be a valid name (as podman)
const work = join(tmpdir(), `tspod-095-${randomBytes(4).toString('hex')}`);
mkdirSync(work, { mode: 0o700 });
const store = join(work, 'store');
const registriesConf = join(work, 'registries.conf');
writeFileSync(registriesConf, `unqualified-search-registries = ["example.com", "quay.io"]
[[registry]]
prefix = "example.com/foo"
location = "127.0.0.1:5000"
insecure = true
[[registry.mirror]]
location = "mirror.local"
`);
const env = { ...process.env, CONTAINERS_REGISTRIES_CONF: registriesConf };

function tspod(expect: number, ...args: string[]): string {
  const r = spawnSync(TSPOD[0], [...TSPOD.slice(1), '--root', store, '--runroot', join(work, 'run'), ...args], { encoding: 'utf8', env, timeout: 30_000 });
  assert.is(r.status, expect, `tspod ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const hasPodman = spawnSync('podman', ['--version']).status === 0;

test('info --format json: podman info shape; host facts agree with podman', () => {
  const info = JSON.parse(tspod(0, 'info', '--format', 'json'));
  for (const k of ['host', 'store', 'registries', 'version']) assert.ok(info[k], `no ${k}`);
  const h = info.host;
  for (const k of ['arch', 'os', 'kernel', 'cgroupVersion', 'ociRuntime', 'conmon', 'slirp4netns', 'idMappings', 'security']) assert.ok(k in h, `no host.${k}`);
  assert.is(info.store.graphRoot, store);
  assert.is(info.store.runRoot, join(work, 'run'));
  assert.is(info.store.graphDriverName, 'overlay');
  assert.is(info.store.imageStore.number, 0);
  assert.is(info.store.containerStore.number, 0);
  assert.is(info.host.security.rootless, process.getuid?.() !== 0);
  assert.ok(existsSync(h.ociRuntime.path), `runtime ${h.ociRuntime.path}`);
  assert.match(h.ociRuntime.version, new RegExp(`^${h.ociRuntime.name} version`));
  if (!hasPodman) return console.log('# skip podman comparison: podman not installed');
  // podman info can fail for a moment while other tests' rootless podman sets up its pause process
  let p = spawnSync('podman', ['info', '--format', 'json'], { encoding: 'utf8', env });
  if (p.status !== 0) p = spawnSync('podman', ['info', '--format', 'json'], { encoding: 'utf8', env });
  if (p.status !== 0) return console.log(`# skip podman comparison: podman info failed: ${p.stderr.trim().split('\n').pop()}`);
  const pi = JSON.parse(p.stdout);
  for (const k of ['arch', 'os', 'kernel', 'cgroupVersion', 'hostname', 'cpus', 'memTotal']) assert.equal(h[k], pi.host[k], `host.${k}`);
  assert.equal(h.distribution, pi.host.distribution);
  assert.equal(h.idMappings, pi.host.idMappings);
  assert.is(h.security.rootless, pi.host.security.rootless);
  assert.is(h.security.capabilities, pi.host.security.capabilities);
  assert.equal(info.registries, pi.registries);
});

test('info: image count follows the store; Go templates use Go field names', async () => {
  const dir = join(work, 'layout');
  writeOciLayout(dir, [{ tag: 'latest', image: buildImage({ layers: [await buildLayer([{ name: 'f', content: 'info' }])] }) }]);
  tspod(0, 'pull', '-q', `oci:${dir}:latest`);
  assert.is(tspod(0, 'info', '--format', '{{.Store.ImageStore.Number}} {{.Store.GraphRoot}} {{.Host.Security.Rootless}}'),
    `1 ${store} ${process.getuid?.() !== 0}\n`);
  assert.match(tspod(0, 'info', '--format', '{{.Host.OCIRuntime.Name}}/{{.Version.Version}}'), /^(runc|crun)\/\d+\.\d+\.\d+\n$/);
  assert.is(tspod(0, 'info', '--format', '{{index .Registries.search 1}}'), 'quay.io\n');
  // json inside a template prints podman's keys, as Go's json tags do
  assert.is(tspod(0, 'info', '--format', '{{json .Store.ImageStore}}'), '{"number":1}\n');
  // the default output is YAML with podman's keys
  const yaml = tspod(0, 'info');
  assert.match(yaml, /^host:\n {2}arch: /);
  assert.match(yaml, /\nstore:\n(?: {2}.*\n)* {2}graphRoot: /);
  assert.match(tspod(125, 'info', '--format', '{{.Nope}}'), /^$/);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
