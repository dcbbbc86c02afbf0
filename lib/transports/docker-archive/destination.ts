// Layers arrive uncompressed (desiredLayerCompression 'decompress', as docker writes them), so a
// layer's digest is its diffID and its file <diffID>.tar. commit() adds the image to the writer and,
// for a standalone destination, writes the archive.
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TspodError } from '../../errors.ts';
import { digestHex } from '../../oci/digest.ts';
import * as MT from '../../oci/media-types.ts';
import type { Descriptor } from '../../oci/types.ts';
import { parseManifest } from '../../copy/manifest.ts';
import { writeStreamHashed } from '../fs-util.ts';
import type { BlobInfo, ImageDestination, LayerCompressionWish, PutBlobOptions, SystemContext } from '../types.ts';
import type { DockerArchiveReference } from './transport.ts';
import { DockerArchiveWriter, type ArchiveImage } from './writer.ts';

export class DockerArchiveDestination implements ImageDestination {
  private image?: ArchiveImage;
  private finished = false;
  private constructor(
    readonly reference: DockerArchiveReference, private readonly writer: DockerArchiveWriter, private readonly own: boolean,
    private readonly additionalTags: string[],
  ) {}

  static async open(ref: DockerArchiveReference, ctx: SystemContext): Promise<DockerArchiveDestination> {
    const extra = ctx.dockerArchiveAdditionalTags ?? [];
    if (ref.writer) return new DockerArchiveDestination(ref, ref.writer, false, extra);
    return new DockerArchiveDestination(ref, await DockerArchiveWriter.create(ref.resolvedPath, ctx.tmpDir), true, extra);
  }

  supportedManifestMimeTypes(): string[] {
    return [MT.DOCKER_MANIFEST];
  }
  desiredLayerCompression(): LayerCompressionWish {
    return 'decompress';
  }
  acceptsForeignLayerURLs(): boolean {
    return false;
  }
  supportsManifestLists(): boolean {
    return false;
  }
  supportsSignatures(): boolean {
    return false;
  }

  async tryReusingBlob(desc: Descriptor): Promise<Descriptor | undefined> {
    return this.writer.blobs.has(desc.digest) ? desc : undefined;
  }

  async putBlob(stream: Readable, info: BlobInfo, _opts: PutBlobOptions): Promise<Descriptor> {
    const { tmp, digest, size } = await writeStreamHashed(this.writer.dir, stream, info.digest?.startsWith('sha256:') ? info.digest : undefined);
    const file = join(this.writer.dir, digestHex(digest));
    await rename(tmp, file);
    this.writer.blobs.set(digest, file);
    return { mediaType: info.mediaType ?? '', digest, size };
  }

  async putManifest(bytes: Buffer, mediaType: string, instanceDigest?: string): Promise<void> {
    if (instanceDigest || mediaType !== MT.DOCKER_MANIFEST) {
      throw new TspodError('UNSUPPORTED', 'writing manifest: Unsupported manifest type, need a Docker schema 2 manifest');
    }
    const m = parseManifest(bytes, mediaType);
    this.image = {
      configDigest: m.config.digest,
      layerDigests: m.layers.map((l) => l.digest),
      repoTags: [...(this.reference.tag ? [this.reference.tag] : []), ...this.additionalTags],
    };
  }

  async putSignatures(signatures: Buffer[]): Promise<void> {
    if (signatures.length) throw new TspodError('SIGNATURES_UNSUPPORTED', 'storing signatures for docker-archive: destinations is not supported');
  }

  async commit(): Promise<void> {
    if (!this.image) throw new TspodError('INTERNAL', 'docker-archive: commit without a manifest');
    this.writer.addImage(this.image);
    if (this.own) {
      await this.writer.finish();
      this.finished = true;
    }
  }

  async close(): Promise<void> {
    if (this.own && !this.finished) await this.writer.discard();
  }
}
