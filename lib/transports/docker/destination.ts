// Writes an image to a registry: blobs skipped when the repository has them (HEAD), mounted from
// another repository of the same registry that the blob-info cache knows holds them, else uploaded;
// manifests PUT by digest (instances of a list) and by tag. A registry has no staging area: commit()
// has nothing left to do, because the manifest, written last, is what makes the image visible.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { sha256Digest } from '../../oci/digest.ts';
import * as MT from '../../oci/media-types.ts';
import type { Descriptor } from '../../oci/types.ts';
import { writeStreamHashed } from '../fs-util.ts';
import type { BlobInfo, ImageDestination, LayerCompressionWish, PutBlobOptions, SystemContext } from '../types.ts';
import { knownLocations, recordLocations } from './blob-cache.ts';
import { openClient, pushEndpoint, type Endpoint, type RegistryClientLike } from './client.ts';
import type { DockerReference } from './transport.ts';

export class DockerImageDestination implements ImageDestination {
  private readonly seen: { digest: string; location: string }[] = [];
  private topDigest?: string;
  /** Writing the blob-info cache, started with the manifest upload (the blobs are in place by then). */
  private recording: Promise<void> = Promise.resolve();
  private constructor(readonly reference: DockerReference, private readonly ctx: SystemContext, private readonly ep: Endpoint, private readonly client: RegistryClientLike) {}

  static async open(ref: DockerReference, ctx: SystemContext): Promise<DockerImageDestination> {
    const ep = pushEndpoint(ref.dockerReference(), ctx);
    return new DockerImageDestination(ref, ctx, ep, await openClient(ep, ctx));
  }

  private get location(): string {
    return `${this.ep.host}/${this.ep.repo}`;
  }

  supportedManifestMimeTypes(): string[] {
    return [MT.OCI_MANIFEST, MT.DOCKER_MANIFEST, MT.OCI_INDEX, MT.DOCKER_MANIFEST_LIST];
  }
  desiredLayerCompression(): LayerCompressionWish {
    return 'compress';
  }
  acceptsForeignLayerURLs(): boolean {
    return true;
  }
  supportsManifestLists(): boolean {
    return true;
  }
  supportsSignatures(): boolean {
    return true;
  }

  async tryReusingBlob(desc: Descriptor): Promise<Descriptor | undefined> {
    const prefix = `${this.ep.host}/`;
    const others = (await knownLocations(desc.digest)).reverse().filter((loc) => loc.startsWith(prefix) && loc !== this.location);
    const mount = async (loc: string): Promise<boolean> => {
      try {
        return await this.client.mountBlob(this.ep.repo, desc.digest, loc.slice(prefix.length));
      } catch {
        return false; // a failed mount is not an error: upload instead
      }
    };
    // Known elsewhere on this registry: mount right away (the registry answers 201 as well when this
    // repository has the blob already), one round trip instead of a HEAD and then the mount.
    if (others.length && (await mount(others[0]))) {
      this.seen.push({ digest: desc.digest, location: this.location });
      return desc;
    }
    const size = await this.client.blobExists(this.ep.repo, desc.digest);
    if (size !== undefined) {
      this.seen.push({ digest: desc.digest, location: this.location });
      return { ...desc, size };
    }
    for (const loc of others.slice(1)) {
      if (await mount(loc)) {
        this.seen.push({ digest: desc.digest, location: this.location });
        return desc;
      }
    }
    return undefined;
  }

  async putBlob(stream: Readable, info: BlobInfo, _opts: PutBlobOptions): Promise<Descriptor> {
    let digest = info.digest;
    let size = info.size;
    if (digest && size >= 0) {
      await this.client.uploadBlob(this.ep.repo, digest, size, stream);
    } else {
      // Recompressed data: the digest is known only at the end, and the upload needs it; spool it.
      const dir = await mkdtemp(join(this.ctx.tmpDir ?? tmpdir(), 'tspod-push-'));
      try {
        const w = await writeStreamHashed(dir, stream);
        digest = w.digest;
        size = w.size;
        if ((await this.client.blobExists(this.ep.repo, digest)) === undefined) {
          await this.client.uploadBlob(this.ep.repo, digest, size, createReadStream(w.tmp, { highWaterMark: 1 << 20 }));
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    this.seen.push({ digest, location: this.location });
    return { mediaType: info.mediaType ?? '', digest, size };
  }

  async putManifest(bytes: Buffer, mediaType: string, instanceDigest?: string): Promise<void> {
    const digest = sha256Digest(bytes);
    const seen = this.seen.splice(0);
    this.recording = this.recording.then(() => recordLocations(seen));
    if (instanceDigest) {
      await this.client.putManifest(this.ep.repo, digest, bytes, mediaType);
      return;
    }
    const ref = this.reference.named.digest ? digest : this.reference.named.tag ?? 'latest';
    await this.client.putManifest(this.ep.repo, ref, bytes, mediaType);
    this.topDigest = digest;
  }

  async putSignatures(signatures: Buffer[], instanceDigest?: string): Promise<void> {
    const digest = instanceDigest ?? this.topDigest;
    if (!digest || signatures.length === 0) return;
    const { putDockerSignatures } = await import('../../signature/storage.ts');
    await putDockerSignatures(this.reference, digest, signatures, this.ctx, { client: this.client as any });
  }

  async commit(): Promise<void> {}

  async close(): Promise<void> {
    await this.recording;
    await recordLocations(this.seen);
    await this.client.close();
  }
}
