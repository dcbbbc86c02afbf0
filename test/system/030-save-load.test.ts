// @rootless
// tspod save / load through the real CLI: formats, stdout, several images in one archive, podman
// and skopeo as peers, exit statuses and messages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureEnv } from '../helpers/global-setup.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
const sfx = randomBytes(3).toString('hex');
const NAME = `localhost/save-${sfx}:1`;
const NAME2 = `localhost/save2-${sfx}:2`;
const asRoot = process.getuid?.() === 0;
let dir = '';
let ociDir = '';

function tspod(expect: number, args: string[], input?: string | Buffer): { out: string; err: string; raw: Buffer } {
  const r = spawnSync(TSPOD[0], [...TSPOD.slice(1), '--root', join(dir, 'store'), '--runroot', join(dir, 'run'), ...args], {
    timeout: 60_000, input: input ?? '', maxBuffer: 1 << 28,
  });
  const out = r.stdout?.toString() ?? '';
  const err = r.stderr?.toString() ?? '';
  assert.is(r.status, expect, `tspod ${args.join(' ')}: exit ${r.status}\n${out.slice(0, 2000)}\n${err}`);
  return { out, err, raw: r.stdout };
}
function skopeo(...args: string[]): string {
  const r = spawnSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8' });
  assert.is(r.status, 0, `skopeo ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test.before(async () => {
  ociDir = (await fixtureEnv()).ociDir;
  dir = mkdtempSync(join(tmpdir(), 'tspod-sys-save-'));
  const id = tspod(0, ['pull', '-q', `oci:${ociDir}/busybox:latest`]).out.trim();
  assert.match(id, /^[a-f0-9]{64}$/);
  tspod(0, ['tag', id, NAME]);
  const id2 = tspod(0, ['pull', '-q', `oci:${ociDir}/layered:latest`]).out.trim();
  tspod(0, ['tag', id2, NAME2]);
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('save -o writes a docker-archive skopeo reads; an existing archive is refused', () => {
  const file = join(dir, 'a.tar');
  const { err } = tspod(0, ['save', '-o', file, NAME]);
  assert.match(err, /^Copying blob sha256:[0-9a-f]{64}\n/);
  assert.not.match(err, /Getting image source signatures/);
  const manifest = JSON.parse(skopeo('inspect', '--raw', `docker-archive:${file}`));
  assert.is(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  const tags = JSON.parse(spawnSync('tar', ['xOf', file, 'manifest.json'], { encoding: 'utf8' }).stdout)[0].RepoTags;
  assert.equal(tags, [NAME]);
  assert.match(tspod(125, ['save', '-o', file, NAME]).err, /^Error: docker-archive doesn't support modifying existing images\n/);
  assert.match(tspod(125, ['save', '-o', join(dir, 'x.tar'), `nosuch-${sfx}`]).err, /image not known/);
  assert.match(tspod(125, ['save', '--format', 'bogus', '-o', join(dir, 'y.tar'), NAME]).err, /unsupported format "bogus"/);
});

test('save to stdout equals save -o; -q prints nothing on stderr', () => {
  const file = join(dir, 'b.tar');
  tspod(0, ['save', '-q', '-o', file, NAME]);
  const r = tspod(0, ['save', '-q', NAME]);
  assert.is(r.err, '');
  assert.ok(r.raw.equals(readFileSync(file)), 'same bytes');
});

test('oci-archive, oci-dir and docker-dir', () => {
  tspod(0, ['save', '-q', '--format', 'oci-archive', '-o', join(dir, 'o.tar'), NAME]);
  assert.match(skopeo('inspect', '--raw', `oci-archive:${join(dir, 'o.tar')}:${NAME}`), /"schemaVersion":2/);
  tspod(0, ['save', '-q', '--format', 'oci-dir', '-o', join(dir, 'od'), NAME]);
  assert.match(skopeo('inspect', '--raw', `oci:${join(dir, 'od')}`), /application\/vnd.oci.image.layer.v1.tar\+gzip/);
  tspod(0, ['save', '-q', '--format', 'docker-dir', '-o', join(dir, 'dd'), NAME]);
  assert.match(readFileSync(join(dir, 'dd/manifest.json'), 'utf8'), /application\/vnd.docker.distribution.manifest.v2\+json/);
  assert.is(readFileSync(join(dir, 'dd/version'), 'utf8'), 'Directory Transport Version: 1.1\n');
  assert.match(tspod(125, ['save', '--compress', '-o', join(dir, 'c.tar'), NAME]).err, /--compress can only be set/);
});

test('several images in one archive load back with their names', () => {
  const file = join(dir, 'multi.tar');
  tspod(0, ['save', '-q', '-o', file, NAME, NAME2]);
  tspod(0, ['rmi', NAME, NAME2]);
  const { out, err } = tspod(0, ['load', '-i', file]);
  assert.is(out, `Loaded image: ${NAME}\nLoaded image: ${NAME2}\n`);
  assert.match(err, /Getting image source signatures\n/);
  tspod(0, ['image', 'exists', NAME]);
  tspod(0, ['image', 'exists', NAME2]);
});

test('load from stdin, oci-archive, and the errors', () => {
  const file = join(dir, 'in.tar');
  tspod(0, ['save', '-q', '--format', 'oci-archive', '-o', file, NAME]);
  tspod(0, ['rmi', NAME]);
  assert.is(tspod(0, ['load', '-q'], readFileSync(file)).out, `Loaded image: ${NAME}\n`);
  assert.match(tspod(125, ['load', '-i', join(dir, 'nonexistent.tar')]).err, /^Error: stat .*nonexistent.tar: no such file or directory\n/);
  writeFileSync(join(dir, 'junk.tar'), 'not a tar');
  assert.match(tspod(125, ['load', '-i', join(dir, 'junk.tar')]).err, /^Error: /);
});

test('image copy between transports; errors exit 125', () => {
  const { err } = tspod(0, ['image', 'copy', `oci:${ociDir}/busybox:latest`, `dir:${join(dir, 'ic')}`]);
  assert.match(err, /^Getting image source signatures\nCopying blob sha256:/);
  assert.is(readFileSync(join(dir, 'ic/version'), 'utf8'), 'Directory Transport Version: 1.1\n');
  tspod(0, ['image', 'copy', '-q', '--format', 'v2s2', `dir:${join(dir, 'ic')}`, `docker-archive:${join(dir, 'ic.tar')}:${NAME}`]);
  assert.match(skopeo('inspect', '--raw', `docker-archive:${join(dir, 'ic.tar')}`), /manifest.v2\+json/);
  assert.match(tspod(125, ['image', 'copy', `dir:${join(dir, 'nonexistent')}`, `dir:${join(dir, 'ic3')}`]).err, /^Error: reading manifest /m);
  assert.match(tspod(125, ['image', 'copy', 'docker-daemon:x:1', `dir:${join(dir, 'ic4')}`]).err, /daemonless/);
});

test('podman loads a tspod archive, tspod loads a podman archive', () => {
  if (!asRoot || !existsSync('/usr/bin/podman')) return console.log('# skip: podman peer runs as root only');
  const file = join(dir, 'p.tar');
  tspod(0, ['save', '-q', '-o', file, NAME]);
  const pname = `localhost/tspod-peer-${sfx}:1`;
  try {
    const l = spawnSync('podman', ['load', '-i', file], { encoding: 'utf8' });
    assert.is(l.status, 0, l.stderr);
    assert.match(l.stdout, new RegExp(`Loaded image: ${NAME}`));
    assert.is(spawnSync('podman', ['tag', NAME, pname]).status, 0);
    const back = join(dir, 'from-podman.tar');
    assert.is(spawnSync('podman', ['save', '-q', '-o', back, pname]).status, 0);
    assert.is(tspod(0, ['load', '-q', '-i', back]).out, `Loaded image: ${pname}\n`);
  } finally {
    spawnSync('podman', ['rmi', '-f', NAME, pname]);
  }
});

test.run();
