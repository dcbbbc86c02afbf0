// @rootless
// tspod pull / push / manifest inspect against the fixture registries, through the real CLI:
// podman's output and exit statuses, platform choice, short names, auth, errors; skopeo as a peer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureEnv, type FixtureEnv } from '../helpers/global-setup.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
const sfx = randomBytes(3).toString('hex');
const HOST_ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
const OTHER_ARCH = HOST_ARCH === 'arm64' ? 'amd64' : 'arm64';
let fx: FixtureEnv;
let dir = '';
let env: NodeJS.ProcessEnv = {};

function tspod(expect: number, args: string[], extraEnv: NodeJS.ProcessEnv = {}): { out: string; err: string } {
  const r = spawnSync(TSPOD[0], [...TSPOD.slice(1), '--root', join(dir, 'store'), '--runroot', join(dir, 'run'), ...args], {
    encoding: 'utf8', timeout: 60_000, input: '', env: { ...process.env, ...env, ...extraEnv },
  });
  assert.is(r.status, expect, `tspod ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
}
function skopeo(...args: string[]): string {
  const r = spawnSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8' });
  assert.is(r.status, 0, `skopeo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test.before(async () => {
  fx = await fixtureEnv();
  dir = mkdtempSync(join(tmpdir(), 'tspod-sys-pull-'));
  // registries.conf for the short-name test: the fixture registry is the only search registry
  writeFileSync(join(dir, 'registries.conf'), `unqualified-search-registries = ["${fx.registry}"]\nshort-name-mode = "permissive"\n[[registry]]\nlocation = "${fx.registry}"\ninsecure = true\n`);
  // a private blob-info cache and short-name alias cache
  env = { TSPOD_BLOB_INFO_CACHE: join(dir, 'blob-cache.json'), TSPOD_SHORT_NAME_ALIASES_CONF: join(dir, 'aliases.conf'), XDG_CACHE_HOME: join(dir, 'cache') };
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('pull prints podman\'s progress on stderr and the image ID on stdout', () => {
  const name = `${fx.registry}/busybox:latest`;
  const { out, err } = tspod(0, ['pull', '--tls-verify=false', name]);
  assert.match(out, /^[a-f0-9]{64}\n$/);
  assert.match(err, new RegExp(`^Trying to pull ${name}\\.\\.\\.\nGetting image source signatures\nCopying blob sha256:[a-f0-9]{64}\n`));
  assert.match(err, /Copying config sha256:[a-f0-9]{64}\nWriting manifest to image destination\nStoring signatures\n$/);
  assert.is(tspod(0, ['images', '-q', '--no-trunc', name]).out, `sha256:${out.trim()}\n`);
  const q = tspod(0, ['pull', '-q', '--tls-verify=false', `${fx.registry}/busybox:v2s2`]);
  assert.match(q.out, /^[a-f0-9]{64}\n$/);
  assert.is(q.err, '');
});

test('an unknown image: exit 125 with podman\'s message', () => {
  const name = `${fx.registry}/nosuch-${sfx}`;
  const { err } = tspod(125, ['pull', '--tls-verify=false', name]);
  assert.match(err, new RegExp(`Trying to pull ${name}:latest\\.\\.\\.\nError: initializing source docker://${name}:latest: reading manifest latest in ${name}: manifest unknown`));
  assert.match(tspod(125, ['pull', '--tls-verify=false', '127.0.0.1:1/x:1']).err, /^Trying to pull 127.0.0.1:1\/x:1\.\.\.\nError: initializing source docker:\/\/127.0.0.1:1\/x:1: .*(connection refused|ECONNREFUSED)/i);
  assert.is(tspod(125, ['pull', 'Busybox']).err, 'Error: repository name must be lowercase\n');
});

test('a multi-arch index: the host platform by default, --arch / --platform pick another', () => {
  const name = `${fx.registry}/multiarch:latest`;
  const inspectArch = (id: string) => JSON.parse(tspod(0, ['image', 'inspect', id]).out)[0].Architecture;
  const host = tspod(0, ['pull', '-q', '--tls-verify=false', name]).out.trim();
  assert.is(inspectArch(host), HOST_ARCH);
  const other = tspod(0, ['pull', '-q', '--tls-verify=false', '--arch', OTHER_ARCH, name]).out.trim();
  assert.is(inspectArch(other), OTHER_ARCH);
  assert.is(tspod(0, ['pull', '-q', '--tls-verify=false', '--platform', `linux/${OTHER_ARCH}`, name]).out.trim(), other);
  assert.match(tspod(125, ['pull', '-q', '--tls-verify=false', '--arch', 's390x', name]).err, /no image found in manifest list for architecture s390x/);
  const m = JSON.parse(tspod(0, ['manifest', 'inspect', '--tls-verify=false', name]).out);
  assert.equal(m.manifests.map((d: { platform: { architecture: string } }) => d.platform.architecture).sort(), ['amd64', 'arm64']);
});

test('short names resolve through registries.conf', () => {
  const conf = { CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf') };
  // "layered" has no alias in the system's shortnames.conf: the search registry resolves it
  const { out, err } = tspod(0, ['pull', 'layered'], conf);
  assert.match(err, new RegExp(`^Trying to pull ${fx.registry}/layered:latest\\.\\.\\.\n`));
  assert.match(out, /^[a-f0-9]{64}\n$/);
});

test('--all-tags pulls every tag; a mirror in registries.conf serves a pull', () => {
  const ids = tspod(0, ['pull', '-q', '-a', '--tls-verify=false', `${fx.registry}/busybox`]).out.trim().split('\n');
  assert.is(ids.length, 2);
  assert.ok(ids.every((id) => /^[a-f0-9]{64}$/.test(id)));
  assert.match(tspod(125, ['pull', '-a', '--tls-verify=false', `${fx.registry}/busybox:latest`]).err, /can't be used with --all-tags/);
  const conf = join(dir, 'mirror.conf');
  writeFileSync(conf, `[[registry]]\nlocation = "unreachable.invalid"\n[[registry.mirror]]\nlocation = "${fx.registry}"\ninsecure = true\n`);
  const { out, err } = tspod(0, ['pull', 'unreachable.invalid/busybox:latest'], { CONTAINERS_REGISTRIES_CONF: conf });
  assert.match(err, /^Trying to pull unreachable.invalid\/busybox:latest\.\.\.\n/);
  assert.match(out, /^[a-f0-9]{64}\n$/);
});

test('push to a new repository, skopeo reads it, pull it back; zstd with --format oci', () => {
  const src = `${fx.registry}/layered:latest`;
  const id = tspod(0, ['pull', '-q', '--tls-verify=false', src]).out.trim();
  const dest = `${fx.registry}/pushed-${sfx}:1`;
  const { out, err } = tspod(0, ['push', '--tls-verify=false', src, dest]);
  assert.is(out, '');
  assert.match(err, /^Getting image source signatures\nCopying blob sha256:/);
  assert.match(err, /Writing manifest to image destination\n/);
  const cfg = JSON.parse(skopeo('inspect', '--tls-verify=false', '--config', `docker://${dest}`));
  assert.ok(cfg.rootfs.diff_ids.length === 3);
  assert.is(tspod(0, ['pull', '-q', '--tls-verify=false', dest]).out.trim(), id);
  const z = `${fx.registry}/pushed-zstd-${sfx}:1`;
  tspod(0, ['push', '-q', '--tls-verify=false', '--format', 'oci', '--compression-format', 'zstd', src, z]);
  const raw = JSON.parse(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${z}`));
  assert.ok(raw.layers.every((l: { mediaType: string }) => l.mediaType.endsWith('+zstd')));
  skopeo('copy', '-q', '--src-tls-verify=false', `docker://${z}`, `oci:${join(dir, 'zstd-check')}`); // skopeo verifies digests
  assert.match(tspod(125, ['push', '--tls-verify=false', `nosuch-${sfx}`, `${fx.registry}/x:1`]).err, /image not known/);
});

test('auth: a 401 names tspod login; --creds works', () => {
  if (!fx.basic) return console.log('# skip: no basic-auth registry');
  const src = `${fx.registry}/busybox:latest`;
  tspod(0, ['pull', '-q', '--tls-verify=false', src]);
  const dest = `${fx.basic}/auth-${sfx}:1`;
  const noAuth = join(dir, 'empty-auth.json');
  writeFileSync(noAuth, '{}');
  const { err } = tspod(125, ['push', '--tls-verify=false', '--authfile', noAuth, src, dest]);
  assert.match(err, /login|unauthorized|authentication required/i);
  tspod(0, ['push', '-q', '--tls-verify=false', '--creds', `${fx.username}:${fx.password}`, src, dest]);
  assert.match(tspod(0, ['pull', '-q', '--tls-verify=false', '--creds', `${fx.username}:${fx.password}`, dest]).out, /^[a-f0-9]{64}\n$/);
});

test.run();
