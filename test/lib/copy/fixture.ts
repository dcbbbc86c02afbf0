// A small random image written as a dir: image (skopeo's format), for copy/transport tests that do
// not need a registry. Layers are real tars (a file of random bytes each), gzip or uncompressed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export async function makeTar(files: Record<string, Buffer>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const [name, data] of Object.entries(files)) p.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface FixtureImage {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  configDigest: string;
  layers: { digest: string; diffID: string; data: Buffer }[];
}

export async function makeImage(opts: { layers?: number; oci?: boolean; gzip?: boolean; arch?: string; size?: number } = {}): Promise<FixtureImage> {
  const oci = opts.oci ?? true;
  const gzip = opts.gzip ?? true;
  const layers = [];
  for (let i = 0; i < (opts.layers ?? 2); i++) {
    const tar = await makeTar({ [`file${i}`]: randomBytes(opts.size ?? 2048) });
    const data = gzip ? gzipSync(tar) : tar;
    layers.push({ digest: sha(data), diffID: sha(tar), data });
  }
  const config = Buffer.from(JSON.stringify({
    architecture: opts.arch ?? 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
  }));
  const layerType = oci ? (gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar')
    : (gzip ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.docker.image.rootfs.diff.tar');
  const manifestObj = oci
    ? { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: layers.map((l) => ({ mediaType: layerType, digest: l.digest, size: l.data.length })) }
    : { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: sha(config) }, layers: layers.map((l) => ({ mediaType: layerType, size: l.data.length, digest: l.digest })) };
  const manifest = Buffer.from(JSON.stringify(manifestObj));
  return { manifest, manifestDigest: sha(manifest), config, configDigest: sha(config), layers };
}

/** Write an image (or several as an OCI index with --all layout) as a dir: directory. */
export function writeDirImage(dir: string, img: FixtureImage): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  writeFileSync(join(dir, 'manifest.json'), img.manifest);
  writeFileSync(join(dir, img.configDigest.slice(7)), img.config);
  for (const l of img.layers) writeFileSync(join(dir, l.digest.slice(7)), l.data);
}

/** A dir: image holding an OCI index of two platforms (amd64, arm64), as `skopeo copy --all` writes it. */
export async function writeDirIndex(dir: string): Promise<{ index: Buffer; images: Record<string, FixtureImage> }> {
  const images = { amd64: await makeImage({ arch: 'amd64' }), arm64: await makeImage({ arch: 'arm64' }) };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  for (const img of Object.values(images)) {
    writeFileSync(join(dir, `${img.manifestDigest.slice(7)}.manifest.json`), img.manifest);
    writeFileSync(join(dir, img.configDigest.slice(7)), img.config);
    for (const l of img.layers) writeFileSync(join(dir, l.digest.slice(7)), l.data);
  }
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: Object.entries(images).map(([arch, img]) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.manifest.length, platform: { architecture: arch, os: 'linux' } })),
  }));
  writeFileSync(join(dir, 'manifest.json'), index);
  return { index, images };
}

export const sha256 = sha;
