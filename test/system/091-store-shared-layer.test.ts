// @rootless
// One image stored twice with different manifests: pulled with a gzip layer, then loaded from a
// docker-archive (uncompressed layer, same config, same image ID). The store keeps one extracted layer;
// copying the image out of containers-storage must still give the uncompressed tar with the digest the
// second manifest names (the kept gzip blob, decompressed), not a regenerated tar that does not match.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { buildImage, buildLayer, readFixtures, writeOciLayout } from '../helpers/images.ts';
import { fixtureEnv } from '../helpers/global-setup.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
// a lower-case path: `pull oci:PATH` names the image localhost/PATH:latest, which must be a valid name (as podman)
const work = join(tmpdir(), `tspod-091-${randomBytes(4).toString('hex')}`);
mkdirSync(work, { mode: 0o700 });
const store = join(work, 'store');
const sfx = randomBytes(3).toString('hex');

function run(cmd: string, args: string[], expect = 0): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, expect, `${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const tspod = (...args: string[]) => run(TSPOD[0], [...TSPOD.slice(1), '--root', store, '--runroot', join(work, 'run'), ...args]);
const sha = (p: string) => 'sha256:' + createHash('sha256').update(readFileSync(p)).digest('hex');

test('an image loaded again from a docker-archive copies out of containers-storage', async () => {
  const layout = join(work, 'layout');
  const layer = await buildLayer([{ name: 'etc/', type: 'directory' }, { name: 'etc/shared', content: `shared ${sfx}\n`.repeat(100) }]);
  const img = buildImage({ layers: [layer] });
  writeOciLayout(layout, [{ tag: 'latest', image: img }]);
  const archive = join(work, 'd.tar');
  run('skopeo', ['copy', '-q', `oci:${layout}:latest`, `docker-archive:${archive}:localhost/shared-${sfx}:2`]);

  tspod('pull', '-q', `oci:${layout}:latest`);
  tspod('tag', img.config.digest.slice(7), `localhost/shared-${sfx}:1`);
  tspod('load', '-q', '-i', archive);
  assert.is(tspod('images', '-q', '--no-trunc', `localhost/shared-${sfx}`).trim().split('\n').length, 1, 'one image ID for both');

  const cs = `containers-storage:[${store}+${join(work, 'run')}]localhost/shared-${sfx}:2`;
  const raw = JSON.parse(tspod('skopeo', 'inspect', '--raw', cs));
  assert.is(raw.layers[0].digest, layer.diffID, 'the docker-archive manifest names the uncompressed layer');
  for (const [name, dest] of [['oci', `oci:${join(work, 'out')}:t`], ['dir', `dir:${join(work, 'dir')}`]]) {
    tspod('skopeo', 'copy', '-q', cs, dest);
    const blob = name === 'oci' ? join(work, 'out', 'blobs', 'sha256', layer.diffID.slice(7)) : join(work, 'dir', layer.diffID.slice(7));
    assert.is(sha(blob), layer.diffID, `${name}: the layer blob has the digest its manifest names`);
  }
  // and the gzip one still reads back byte for byte
  tspod('skopeo', 'copy', '-q', `containers-storage:[${store}+${join(work, 'run')}]localhost/shared-${sfx}:1@${img.manifest.digest}`, `dir:${join(work, 'dir1')}`);
  assert.is(sha(join(work, 'dir1', layer.digest.slice(7))), layer.digest);
});

test('tspod --root R skopeo copy ... containers-storage:NAME stores into R', async () => {
  const layout = join(work, 'layout2');
  writeOciLayout(layout, [{ tag: 'latest', image: buildImage({ layers: [await buildLayer([{ name: 'r', content: sfx }])] }) }]);
  tspod('skopeo', 'copy', '-q', `oci:${layout}:latest`, `containers-storage:localhost/rootflag-${sfx}:1`);
  assert.is(tspod('images', '--format', '{{.Repository}}:{{.Tag}}', `rootflag-${sfx}`), `localhost/rootflag-${sfx}:1\n`);
  assert.match(tspod('skopeo', 'inspect', `containers-storage:localhost/rootflag-${sfx}:1`), /"Layers"/);
});

test('pulled by a manifest list digest: NAME@LISTDIGEST finds the image afterwards', async () => {
  const { registry } = await fixtureEnv();
  const list = readFixtures().find((f) => f.name === 'multiarch' && f.tag === 'latest')!;
  const ref = `${registry}/multiarch@${list.digest}`;
  const run = (expect: number, ...args: string[]) => spawnSync(TSPOD[0], [...TSPOD.slice(1), '--root', store, '--runroot', join(work, 'run'), ...args], { encoding: 'utf8' }).status === expect;
  assert.ok(run(1, 'image', 'exists', ref), 'not there before the pull');
  tspod('pull', '-q', '--tls-verify=false', '--arch', 'arm64', ref);
  assert.ok(run(0, 'image', 'exists', ref), 'image exists NAME@LISTDIGEST after pulling it');
  assert.ok(tspod('image', 'inspect', '--format', '{{json .RepoDigests}}', ref).includes(ref));
  tspod('skopeo', 'copy', '-q', `containers-storage:${ref}`, `dir:${join(work, 'fromlist')}`);
  tspod('rmi', ref);
  assert.ok(run(1, 'image', 'exists', ref));
});

test('pulled by tag from a manifest list: known by the list digest too, as podman records it', async () => {
  const { registry } = await fixtureEnv();
  const list = readFixtures().find((f) => f.name === 'multiarch' && f.tag === 'latest')!;
  const byDigest = `${registry}/multiarch@${list.digest}`;
  const run = (expect: number, ...args: string[]) => spawnSync(TSPOD[0], [...TSPOD.slice(1), '--root', store, '--runroot', join(work, 'run'), ...args], { encoding: 'utf8' }).status === expect;
  tspod('pull', '-q', '--tls-verify=false', '--arch', 'arm64', `${registry}/multiarch:latest`);
  assert.ok(run(0, 'image', 'exists', byDigest), 'image exists NAME@LISTDIGEST after pulling NAME:latest');
  assert.ok(tspod('image', 'inspect', '--format', '{{json .RepoDigests}}', `${registry}/multiarch:latest`).includes(byDigest));
  tspod('rmi', `${registry}/multiarch:latest`);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
test.run();
