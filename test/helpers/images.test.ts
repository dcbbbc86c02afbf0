// The fixture images: valid (digests, sizes, diff IDs) on disk and in the fixture registry, readable
// by skopeo, reproducible, and carrying the tricky entries the issue asks for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fixtureEnv } from './global-setup.ts';
import {
  buildFixtures, fixtureReader, readFixtures, registryReader, validateImage, layeredEntries, tarEntries, type ImageReader,
  randomImage, writeOciLayout, ociLayoutReader, capsEntries, CAP_NET_BIND_SERVICE,
} from './images.ts';
import * as OCI from '../../lib/oci/media-types.ts';

const run = promisify(execFile);
const env = await fixtureEnv();
const fixtures = readFixtures(env.ociDir);

test('fixture list has OCI and schema2 images, an index, a list and an uncompressed layer', () => {
  const types = new Set(fixtures.map((f) => f.mediaType));
  for (const t of [OCI.OCI_MANIFEST, OCI.OCI_INDEX, OCI.DOCKER_MANIFEST, OCI.DOCKER_MANIFEST_LIST]) assert.ok(types.has(t), t);
  assert.equal([...new Set(fixtures.map((f) => f.name))].sort(), ['busybox', 'caps', 'layered', 'multiarch', 'uncompressed']);
});

test('every fixture validates on disk and in the registry, with the same digest', async () => {
  for (const f of fixtures) {
    const { reader, ref } = fixtureReader(f);
    await validateImage(reader, ref);
    const rr = registryReader(env.registry, f.name);
    await validateImage(rr, f.tag);
    await validateImage(rr, f.digest);
  }
});

test('validateImage reports a corrupted layer, a wrong size and a wrong diff ID', async () => {
  const f = fixtures.find((x) => x.name === 'busybox' && x.tag === 'latest')!;
  const { reader, ref } = fixtureReader(f);
  const man = JSON.parse((await reader.manifest(ref)).bytes.toString());
  const layer = man.layers[0].digest;
  const corrupt: ImageReader = { ...reader, blob: async (d) => (d === layer ? Buffer.concat([await reader.blob(d), Buffer.from('x')]) : reader.blob(d)) };
  const e1 = await validateImage(corrupt, ref).then(() => undefined, (e: Error) => e);
  assert.ok(e1, 'corrupted layer accepted');
  assert.match(e1!.message, /layer 0: content hashes to/);
  assert.match(e1!.message, /layer 0: size \d+, manifest says/);
  const cfg = JSON.parse((await reader.blob(man.config.digest)).toString());
  cfg.rootfs.diff_ids[0] = 'sha256:' + '0'.repeat(64);
  const badConfig: ImageReader = { ...reader, blob: async (d) => (d === man.config.digest ? Buffer.from(JSON.stringify(cfg)) : reader.blob(d)) };
  const e2 = await validateImage(badConfig, ref).then(() => undefined, (e: Error) => e);
  assert.ok(e2, 'wrong config accepted');
  assert.match(e2!.message, /config: content hashes to/);
  assert.match(e2!.message, /diff ID sha256:[0-9a-f]+, config says sha256:0000/);
});

test('skopeo inspects the pushed images (a peer reads what we built)', async () => {
  const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${env.registry}/layered:latest`]);
  const info = JSON.parse(stdout);
  assert.is(info.Layers.length, 3);
  assert.equal(info.Labels, { 'org.tspod.test': 'layered' });
  assert.ok(info.Env.includes('FOO=bar'));
  const raw = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${env.registry}/multiarch:v2s2`]);
  const list = JSON.parse(raw.stdout);
  assert.is(list.mediaType, OCI.DOCKER_MANIFEST_LIST);
  assert.equal(list.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture).sort(), ['amd64', 'arm64']);
  for (const arch of ['amd64', 'arm64']) {
    const r = await run('skopeo', ['inspect', '--tls-verify=false', '--override-arch', arch, `docker://${env.registry}/multiarch:latest`]);
    assert.is(JSON.parse(r.stdout).Architecture, arch);
  }
  const d = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${env.registry}/uncompressed:latest`]);
  assert.is(JSON.parse(d.stdout).layers[0].mediaType, OCI.OCI_LAYER);
});

test('randomImage builds valid images with distinct layers, in both formats', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'tspod-random-'));
  try {
    const img = await randomImage(10_000, 3);
    assert.is(img.layers.length, 3);
    assert.is(new Set(img.layers.map((l) => l.digest)).size, 3);
    writeOciLayout(dir, [{ tag: 'r', image: img }]);
    await validateImage(ociLayoutReader(dir), 'r');
    const d = await randomImage(1000, 1, { format: 'docker' });
    assert.is(d.manifest.mediaType, OCI.DOCKER_MANIFEST);
    assert.is(d.layers[0].mediaType, OCI.DOCKER_LAYER_GZIP);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixtures are reproducible: a second build gives the same digests', async () => {
  const again = await buildFixtures();
  const digests = again.images.map((i) => ('index' in i.image ? i.image.index.digest : i.image.manifest.digest));
  assert.equal(digests, fixtures.map((f) => f.digest));
});

test('layered upper layers carry a whiteout, an opaque dir, a symlink, a hardlink, uid 1000 and an xattr', async () => {
  const { extract } = await import('tar-stream');
  const [l2, l3] = layeredEntries();
  const headers: Record<string, { type: string; uid: number; linkname?: string | null; pax?: Record<string, string> }> = {};
  for (const tar of [await tarEntries(l2), await tarEntries(l3)]) {
    const ex = extract();
    const done = new Promise<void>((resolve, reject) => { ex.on('finish', resolve); ex.on('error', reject); });
    ex.on('entry', (h, stream, next) => { headers[h.name] = { type: h.type!, uid: h.uid!, linkname: h.linkname, pax: (h.pax ?? undefined) as Record<string, string> | undefined }; stream.resume(); stream.on('end', next); });
    ex.end(tar);
    await done;
  }
  assert.is(headers['data/.wh.remove-me']?.type, 'file');
  assert.is(headers['data/opaque/.wh..wh..opq']?.type, 'file');
  assert.equal({ type: headers['data/link-to-a'].type, to: headers['data/link-to-a'].linkname }, { type: 'symlink', to: 'file-a' });
  assert.equal({ type: headers['data/hardlink-to-b'].type, to: headers['data/hardlink-to-b'].linkname }, { type: 'link', to: 'data/file-b' });
  assert.is(headers['data/owned-by-1000'].uid, 1000);
  assert.is(headers['data/xattr-file'].pax?.['SCHILY.xattr.user.tspod.test'], 'hello');
});

test('caps image: security.capability travels as a binary-exact PAX record', async () => {
  const { extract } = await import('tar-stream');
  const ex = extract();
  let pax: Record<string, string> | undefined;
  const done = new Promise<void>((resolve, reject) => { ex.on('finish', resolve); ex.on('error', reject); });
  ex.on('entry', (h, stream, next) => { if (h.name === 'usr/bin/cap-file') pax = h.pax as Record<string, string>; stream.resume(); stream.on('end', next); });
  ex.end(await tarEntries(capsEntries()));
  await done;
  assert.ok(Buffer.from(pax!['SCHILY.xattr.security.capability'], 'latin1').equals(CAP_NET_BIND_SERVICE));
});

test.run();
