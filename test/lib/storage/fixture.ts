// Small in-memory images for store tests, written through the containers-storage destination.
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { sha256Digest } from '../../../lib/oci/digest.ts';
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../../lib/oci/media-types.ts';
import type { ImageConfig, Manifest } from '../../../lib/oci/types.ts';
import { makeTar, type TestEntry } from '../layer/make-tar.ts';

export interface TestImage {
  manifest: Buffer;
  config: Buffer;
  blobs: Map<string, Buffer>;
  layerDigests: string[];
  diffIDs: string[];
  id: string;
}

export function makeImage(layers: TestEntry[][], opts: { created?: string; labels?: Record<string, string>; cmd?: string[] } = {}): TestImage {
  const blobs = new Map<string, Buffer>();
  const diffIDs: string[] = [];
  const descs = layers.map((entries) => {
    const tar = makeTar(entries);
    const gz = gzipSync(tar);
    const digest = sha256Digest(gz);
    blobs.set(digest, gz);
    diffIDs.push(sha256Digest(tar));
    return { mediaType: OCI_LAYER_GZIP, digest, size: gz.length };
  });
  const cfg: ImageConfig = {
    created: opts.created ?? '2024-01-02T03:04:05Z', architecture: 'amd64', os: 'linux',
    config: { Env: ['PATH=/bin'], Cmd: opts.cmd ?? ['sh'], Labels: opts.labels },
    rootfs: { type: 'layers', diff_ids: diffIDs },
    history: layers.map((_, i) => ({ created: opts.created ?? '2024-01-02T03:04:05Z', created_by: `layer ${i}` })),
  };
  const config = Buffer.from(JSON.stringify(cfg));
  blobs.set(sha256Digest(config), config);
  const m: Manifest = {
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: sha256Digest(config), size: config.length }, layers: descs,
  };
  return {
    manifest: Buffer.from(JSON.stringify(m)), config, blobs, layerDigests: descs.map((d) => d.digest), diffIDs,
    id: sha256Digest(config).slice(7),
  };
}

/** Write img into the store behind a containers-storage reference ("[root+run]name"). */
export async function storeImage(reference: string, img: TestImage): Promise<void> {
  const { containersStorageTransport } = await import('../../../lib/transports/containers-storage/transport.ts');
  const ref = containersStorageTransport.parseReference(reference);
  const dest = await ref.newImageDestination({});
  try {
    const m = JSON.parse(img.manifest.toString()) as Manifest;
    for (const [i, l] of m.layers.entries()) {
      const opts = { isConfig: false, layerIndex: i };
      if (await dest.tryReusingBlob(l, opts)) continue;
      await dest.putBlob(Readable.from([img.blobs.get(l.digest)!]), { digest: l.digest, size: l.size, mediaType: l.mediaType }, opts);
    }
    const copts = { isConfig: true, layerIndex: -1 };
    if (!(await dest.tryReusingBlob(m.config, copts))) {
      await dest.putBlob(Readable.from([img.config]), { digest: m.config.digest, size: m.config.size }, copts);
    }
    await dest.putManifest(img.manifest, OCI_MANIFEST);
    await dest.commit();
  } finally {
    await dest.close();
  }
}
