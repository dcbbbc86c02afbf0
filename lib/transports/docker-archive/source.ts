import { createHash } from 'node:crypto';
import { TspodError } from '../../errors.ts';
import { sha256Digest } from '../../oci/digest.ts';
import * as MT from '../../oci/media-types.ts';
import type { Descriptor, ImageConfig, Manifest } from '../../oci/types.ts';
import { detectCompression } from '../../copy/blob.ts';
import { serializeManifest } from '../../copy/manifest.ts';
import { normalize } from '../../reference/parse.ts';
import type { ImageSource, ManifestBytes, SystemContext } from '../types.ts';
import { TarIndex } from './tar-index.ts';
import type { DockerArchiveReference } from './transport.ts';

export interface ArchiveManifestItem {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

function sameName(a: string, b: string): boolean {
  try {
    return normalize(a) === normalize(b);
  } catch {
    return false;
  }
}

export async function readArchiveManifest(tar: TarIndex, where: string): Promise<ArchiveManifestItem[]> {
  const bytes = await tar.readFile('manifest.json');
  if (!bytes) {
    const legacy = tar.entries.has('repositories');
    throw new TspodError('INVALID_ARCHIVE', `${where}: ${legacy ? 'legacy docker archive (before docker 1.10) without manifest.json is not supported' : 'not a docker archive: manifest.json missing'}`);
  }
  const items = JSON.parse(bytes.toString('utf8')) as ArchiveManifestItem[];
  if (!Array.isArray(items)) throw new TspodError('INVALID_ARCHIVE', `${where}: invalid manifest.json`);
  return items;
}

/**
 * The RepoTags of every image in the archive, as written, and "@N" for an image without any
 * (skopeo list-tags docker-archive:). The reference's own NAME:TAG or @N does not narrow the list.
 */
export async function listArchiveTags(ref: DockerArchiveReference, ctx: SystemContext): Promise<string[]> {
  const tar = await TarIndex.open(ref.resolvedPath, ctx.tmpDir);
  try {
    const items = await readArchiveManifest(tar, ref.resolvedPath);
    return items.flatMap((it, i) => (it.RepoTags?.length ? it.RepoTags : [`@${i}`]));
  } finally {
    await tar.close();
  }
}

export class DockerArchiveSource implements ImageSource {
  private readonly paths = new Map<string, string>(); // digest -> path inside the tar
  private manifest?: ManifestBytes;

  private constructor(readonly reference: DockerArchiveReference, private readonly tar: TarIndex, private readonly item: ArchiveManifestItem) {}

  static async open(ref: DockerArchiveReference, ctx: SystemContext): Promise<DockerArchiveSource> {
    const tar = await TarIndex.open(ref.resolvedPath, ctx.tmpDir);
    try {
      const items = await readArchiveManifest(tar, ref.resolvedPath);
      let item: ArchiveManifestItem | undefined;
      if (ref.sourceIndex !== undefined) {
        item = items[ref.sourceIndex];
        if (!item) throw new TspodError('NOT_IN_ARCHIVE', `Invalid source index @${ref.sourceIndex}, only ${items.length} manifest items available`);
      } else if (ref.tag) {
        item = items.find((it) => (it.RepoTags ?? []).some((t) => sameName(t, ref.tag!)));
        if (!item) throw new TspodError('NOT_IN_ARCHIVE', `Tag "${ref.tag}" not found`);
      } else {
        if (items.length !== 1) {
          throw new TspodError('AMBIGUOUS_IMAGE', `${ref.resolvedPath}: archive contains ${items.length} images; choose one with :NAME:TAG or :@N`);
        }
        item = items[0];
      }
      return new DockerArchiveSource(ref, tar, item);
    } catch (err) {
      await tar.close();
      throw err;
    }
  }

  /** RepoTags of the selected image (for load). */
  repoTags(): string[] {
    return this.item.RepoTags ?? [];
  }

  private async build(): Promise<ManifestBytes> {
    const configBytes = await this.tar.readFile(this.item.Config);
    if (!configBytes) throw new TspodError('INVALID_ARCHIVE', `${this.reference.resolvedPath}: config ${this.item.Config} missing`);
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const configDigest = sha256Digest(configBytes);
    this.paths.set(configDigest, this.item.Config);
    const diffIDs = config.rootfs?.diff_ids ?? [];
    if (diffIDs.length !== this.item.Layers.length) {
      throw new TspodError('INVALID_ARCHIVE', `${this.reference.resolvedPath}: ${this.item.Layers.length} layers but ${diffIDs.length} diff IDs in the config`);
    }
    const layers: Descriptor[] = [];
    for (const [i, p] of this.item.Layers.entries()) {
      const e = this.tar.resolve(p);
      if (!e) throw new TspodError('INVALID_ARCHIVE', `${this.reference.resolvedPath}: layer ${p} missing`);
      const c = detectCompression(await readHead(this.tar.openFile(p, 0)!.stream));
      let digest: string;
      const named = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(e.name);
      if (named) digest = `sha256:${named[1]}`;
      else if (c === 'none') digest = diffIDs[i];
      else digest = await hashStream(this.tar.openFile(p, 0)!.stream);
      this.paths.set(digest, p);
      // containers/image labels every docker-archive layer tar.gzip, compressed or not (copy detects the
      // real compression from the bytes); doing the same gives skopeo's manifest digest.
      layers.push({ mediaType: c === 'zstd' ? MT.OCI_LAYER_ZSTD : MT.DOCKER_LAYER_GZIP, size: e.size, digest });
    }
    const m: Manifest = { schemaVersion: 2, mediaType: MT.DOCKER_MANIFEST, config: { mediaType: MT.DOCKER_CONFIG, size: configBytes.length, digest: configDigest }, layers };
    const zstd = layers.some((l) => l.mediaType === MT.OCI_LAYER_ZSTD);
    if (zstd) {
      m.mediaType = MT.OCI_MANIFEST;
      m.config.mediaType = MT.OCI_CONFIG;
      for (const l of layers) l.mediaType = l.mediaType === MT.DOCKER_LAYER_GZIP ? MT.OCI_LAYER_GZIP : l.mediaType;
    }
    const type = zstd ? MT.OCI_MANIFEST : MT.DOCKER_MANIFEST;
    return { bytes: serializeManifest(m, type), mediaType: type };
  }

  async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
    if (instanceDigest) throw new TspodError('UNSUPPORTED', 'docker-archive: manifest lists are not supported');
    this.manifest ??= await this.build();
    return this.manifest;
  }

  async getBlob(desc: Descriptor, offset = 0) {
    if (!this.manifest) await this.getManifest();
    const p = this.paths.get(desc.digest);
    const f = p ? this.tar.openFile(p, offset) : undefined;
    if (!f) throw new TspodError('BLOB_UNKNOWN', `reading blob ${desc.digest} in ${this.reference.resolvedPath}: unknown blob`);
    return f;
  }

  async getSignatures(): Promise<Buffer[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.tar.close();
  }
}

async function readHead(stream: NodeJS.ReadableStream & { destroy(): void }): Promise<Buffer> {
  for await (const chunk of stream) {
    stream.destroy();
    return chunk as Buffer;
  }
  return Buffer.alloc(0);
}

async function hashStream(stream: NodeJS.ReadableStream): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of stream) h.update(chunk as Buffer);
  return 'sha256:' + h.digest('hex');
}
