// A Docker schema 1 source seen as a schema2 image, for copies whose destination does not keep
// schema 1 (containers/image converts the same way, lib/oci/schema1.ts): the config is built from
// the v1Compatibility entries and the layers' uncompressed digests, so every non-empty layer is
// read (and its digest checked) once before the copy proper. Empty ("throwaway") layers go.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TspodError } from '../errors.ts';
import * as MT from '../oci/media-types.ts';
import { parseSchema1, schema1Layers, schema1ToSchema2Config } from '../oci/schema1.ts';
import type { ImageSource, ManifestBytes } from '../transports/types.ts';
import { serializeManifest } from './manifest.ts';
import { sha256Digest } from '../oci/digest.ts';

/** Size, and uncompressed digest, of a layer blob; its digest is checked on the way. */
async function measureLayer(src: ImageSource, digest: string): Promise<{ size: number; diffID: string }> {
  const { stream } = await src.getBlob({ mediaType: MT.DOCKER_LAYER_GZIP, digest, size: -1 });
  const blob = createHash('sha256');
  const plain = createHash('sha256');
  const gunzip = createGunzip();
  gunzip.on('data', (d: Buffer) => plain.update(d));
  const ended = once(gunzip, 'end');
  ended.catch(() => {}); // awaited below when the layer is gzip
  let size = 0;
  let gzip: boolean | undefined;
  for await (const chunk of stream) {
    const c = Buffer.from(chunk);
    gzip ??= c[0] === 0x1f && c[1] === 0x8b;
    size += c.length;
    blob.update(c);
    if (gzip && !gunzip.write(c)) await once(gunzip, 'drain');
  }
  if (gzip) {
    gunzip.end();
    await ended;
  } else gunzip.destroy();
  const got = `sha256:${blob.digest('hex')}`;
  if (got !== digest) throw new TspodError('DIGEST_MISMATCH', `reading blob ${digest}: Digest did not match, expected ${digest}, got ${got}`);
  return { size, diffID: !gzip ? got : `sha256:${plain.digest('hex')}` };
}

/** The schema2 manifest a schema 1 one converts to, and a source that serves its new config. */
export async function schema1AsSchema2(src: ImageSource, bytes: Buffer): Promise<{ manifest: ManifestBytes; source: ImageSource }> {
  const { m, compat } = parseSchema1(bytes);
  const layers = schema1Layers(m, compat).filter((l) => !l.empty);
  const measured = await Promise.all(layers.map((l) => measureLayer(src, l.digest)));
  const config = schema1ToSchema2Config(compat, measured.map((x) => x.diffID));
  const configDigest = sha256Digest(config);
  const manifest = serializeManifest({
    schemaVersion: 2,
    mediaType: MT.DOCKER_MANIFEST,
    config: { mediaType: MT.DOCKER_CONFIG, digest: configDigest, size: config.length },
    layers: layers.map((l, i) => ({ mediaType: MT.DOCKER_LAYER_GZIP, digest: l.digest, size: measured[i].size })),
  }, MT.DOCKER_MANIFEST);
  const source: ImageSource = {
    reference: src.reference,
    getManifest: async () => ({ bytes: manifest, mediaType: MT.DOCKER_MANIFEST }),
    getBlob: async (desc, offset) => (desc.digest === configDigest ? { stream: Readable.from([config.subarray(offset ?? 0)]), size: config.length } : src.getBlob(desc, offset)),
    getSignatures: (d) => src.getSignatures(d),
    close: () => src.close(),
  };
  return { manifest: { bytes: manifest, mediaType: MT.DOCKER_MANIFEST }, source };
}
