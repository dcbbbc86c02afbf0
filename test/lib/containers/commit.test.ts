// lib/containers/commit.ts: --format values, the message rule, and the manifest storeImage writes
// (OCI or Docker schema2, each layer's type from its real compression).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commitContainer, commitName, imageFormat, storeImage } from '../../../lib/containers/commit.ts';
import { TspodError } from '../../../lib/errors.ts';
import type { ImageConfig } from '../../../lib/oci/types.ts';

const PLAIN = 'sha256:' + 'a'.repeat(64);
const GZ_DIFF = 'sha256:' + 'b'.repeat(64), GZ_BLOB = 'sha256:' + 'c'.repeat(64);

/** A store that knows two layers and records the image it is given; any other call fails. */
function fakeStore() {
  const added: { manifest: Buffer; manifestMediaType: string; config: Buffer; names: string[] }[] = [];
  const layers: Record<string, { compressedDigest: string; compressedSize: number; compressedMediaType?: string }> = {
    // a plain tar that came from a docker-archive, labelled gzip there
    [PLAIN]: { compressedDigest: PLAIN, compressedSize: 10, compressedMediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' },
    [GZ_DIFF]: { compressedDigest: GZ_BLOB, compressedSize: 5 },
  };
  return {
    added,
    layerInfo: (d: string) => layers[d],
    addImage: async (o: (typeof added)[0]) => { added.push(o); return { id: 'img' }; },
    putLayerFromDirectory: async () => ({ diffID: GZ_DIFF }),
    putLayer: async () => { throw new Error('unexpected call: putLayer'); },
  };
}

const base: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [PLAIN] } };

test('imageFormat: oci (default) and docker; anything else in podman\'s words', () => {
  assert.is(imageFormat(undefined), 'oci');
  assert.is(imageFormat('docker'), 'docker');
  try {
    imageFormat('v2s2');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TspodError);
    assert.is((e as Error).message, 'unrecognized image format "v2s2"');
  }
});

test('commitName: localhost/NAME:latest as podman', () => {
  assert.is(commitName('img'), 'localhost/img:latest');
  assert.is(commitName('quay.io/a/b:1'), 'quay.io/a/b:1');
});

for (const [format, manifestType, configType, plain, gzip] of [
  ['oci', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.config.v1+json', 'application/vnd.oci.image.layer.v1.tar', 'application/vnd.oci.image.layer.v1.tar+gzip'],
  ['docker', 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.container.image.v1+json', 'application/vnd.docker.image.rootfs.diff.tar', 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
] as const) {
  test(`storeImage ${format}: manifest and config types; a blob equal to its diffID is a plain tar`, async () => {
    const store = fakeStore();
    const lines: string[] = [];
    const cfg = { ...base, rootfs: { type: 'layers' as const, diff_ids: [PLAIN, GZ_DIFF] } };
    assert.is(await storeImage(store, cfg, ['localhost/x:1'], format, (l) => lines.push(l)), 'img');
    const m = JSON.parse(String(store.added[0].manifest));
    assert.is(store.added[0].manifestMediaType, manifestType);
    assert.is(m.mediaType, manifestType);
    assert.is(m.config.mediaType, configType);
    assert.equal(m.layers.map((l: { mediaType: string; digest: string }) => [l.mediaType, l.digest]), [[plain, PLAIN], [gzip, GZ_BLOB]]);
    assert.equal(lines, [`Copying blob ${PLAIN}`, `Copying blob ${GZ_BLOB}`, `Copying config ${m.config.digest}`, 'Writing manifest to image destination', 'Storing signatures']);
  });
}

const cc = { env: [], cmd: [], entrypoint: [], workingDir: '/', user: '', labels: {}, stopSignal: '15', createCommand: [] };

test('commitContainer: a message only with the docker format, kept as the config comment', async () => {
  const store = fakeStore();
  try {
    await commitContainer(store, { base, upperDir: '/nonexistent', rootless: false, containerConfig: cc, changes: [], message: 'm' });
    assert.unreachable('oci with a message');
  } catch (e) {
    assert.is((e as Error).message, 'messages are only compatible with the docker image format (-f docker)');
  }
  assert.is(store.added.length, 0, 'nothing stored');
  await commitContainer(store, { base: { ...base, comment: 'from the base' } as ImageConfig, upperDir: '/x', rootless: false, containerConfig: cc, changes: [], message: 'm', author: 'me', format: 'docker' });
  const c = JSON.parse(String(store.added[0].config));
  assert.is(c.comment, 'm');
  assert.is(c.author, 'me');
  assert.is(c.history.at(-1).comment, 'm');
  await commitContainer(store, { base: { ...base, comment: 'from the base' } as ImageConfig, upperDir: '/x', rootless: false, containerConfig: cc, changes: [] });
  assert.is(JSON.parse(String(store.added[1].config)).comment, undefined, 'the base image\'s comment is not carried over');
});

test.run();
