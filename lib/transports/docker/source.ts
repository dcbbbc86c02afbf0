// Reads an image from a registry: the manifest (from the first endpoint that has it: mirrors, then the
// primary location), blobs streamed with resume (Range) after a temporary failure, signatures through
// lib/signature/storage.ts.
import type { Readable } from 'node:stream';
import { TspodError } from '../../errors.ts';
import { sha256Digest } from '../../oci/digest.ts';
import * as MT from '../../oci/media-types.ts';
import { schema1Digest } from '../../oci/schema1.ts';
import type { Descriptor } from '../../oci/types.ts';
import type { ImageSource, ManifestBytes, SystemContext } from '../types.ts';
import { noteLocations, recordLocations } from './blob-cache.ts';
import { openClient, pullEndpoints, pushEndpoint, type Endpoint, type RegistryClientLike } from './client.ts';
import type { DockerReference } from './transport.ts';

export const MANIFEST_ACCEPT = [MT.OCI_MANIFEST, MT.DOCKER_MANIFEST, MT.OCI_INDEX, MT.DOCKER_MANIFEST_LIST, MT.DOCKER_SCHEMA1_SIGNED, MT.DOCKER_SCHEMA1];

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class DockerImageSource implements ImageSource {
  private constructor(
    readonly reference: DockerReference,
    private readonly ctx: SystemContext,
    private readonly ep: Endpoint,
    private readonly client: RegistryClientLike,
    private readonly top: ManifestBytes & { digest: string },
  ) {}

  /** Opening fetches the manifest: that is where "manifest unknown" is reported (as containers/image). */
  static async open(ref: DockerReference, ctx: SystemContext): Promise<DockerImageSource> {
    const endpoints = pullEndpoints(ref.dockerReference(), ctx);
    let lastErr: unknown;
    for (const ep of endpoints) {
      const client = await openClient(ep, ctx);
      const tagOrDigest = ref.named.digest ?? ref.named.tag ?? 'latest';
      try {
        const m = await client.getManifest(ep.repo, tagOrDigest, MANIFEST_ACCEPT);
        if (ref.named.digest) {
          // a signed schema1 manifest's digest is that of its payload (lib/oci/schema1.ts)
          const actual = m.mediaType === MT.DOCKER_SCHEMA1_SIGNED ? schema1Digest(m.bytes) : sha256Digest(m.bytes);
          if (ref.named.digest.startsWith('sha256:') && actual !== ref.named.digest) {
            throw new TspodError('DIGEST_MISMATCH', `manifest digest mismatch: expected ${ref.named.digest}, got ${actual}`);
          }
        }
        return new DockerImageSource(ref, ctx, ep, client, { bytes: m.bytes, mediaType: m.mediaType, digest: m.digest || sha256Digest(m.bytes) });
      } catch (err) {
        await client.close().catch(() => {});
        lastErr = new TspodError((err as TspodError).code ?? 'REGISTRY', `reading manifest ${tagOrDigest} in ${ep.host}/${ep.repo}: ${message(err)}`, {
          cause: err, hint: (err as TspodError).hint, exitCode: (err as TspodError).exitCode,
        });
      }
    }
    const e = lastErr as TspodError;
    throw new TspodError(e.code, `initializing source docker://${ref.dockerReference()}: ${e.message}`, { cause: e.cause, hint: e.hint, exitCode: e.exitCode ?? 125 });
  }

  /** Digest of the top-level manifest as the registry served it. */
  get manifestDigest(): string {
    return this.top.digest;
  }

  async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
    const m = instanceDigest ? await this.client.getManifest(this.ep.repo, instanceDigest, MANIFEST_ACCEPT) : this.top;
    this.recordManifestBlobs(m);
    return { bytes: m.bytes, mediaType: m.mediaType };
  }

  /**
   * Remember where this manifest's blobs live before they are copied, so that a destination in
   * another repository of the same registry can mount them instead of uploading.
   */
  private recordManifestBlobs(m: ManifestBytes): void {
    if (!MT.isManifest(m.mediaType)) return;
    try {
      const parsed = JSON.parse(m.bytes.toString('utf8')) as { config?: Descriptor; layers?: Descriptor[] };
      const location = `${this.ep.host}/${this.ep.repo}`;
      const blobs = [parsed.config, ...(parsed.layers ?? [])].filter((d): d is Descriptor => !!d?.digest);
      noteLocations(blobs.map((d) => ({ digest: d.digest, location })));
    } catch {
      // only an optimisation
    }
  }

  /** The client resumes a broken download with a Range request itself. */
  async getBlob(desc: Descriptor, offset = 0): Promise<{ stream: Readable; size: number }> {
    return this.client.getBlob(this.ep.repo, desc.digest, offset);
  }

  async getSignatures(instanceDigest?: string): Promise<Buffer[]> {
    const { getDockerSignatures } = await import('../../signature/storage.ts');
    const digest = instanceDigest ?? this.top.digest;
    return getDockerSignatures(this.reference, digest, this.ctx, { client: withRepo(this.client, this.ep.repo) as any });
  }

  async close(): Promise<void> {
    await recordLocations([]); // what was noted and no destination of this process wrote
    await this.client.close();
  }
}

/** The client as lib/signature expects it (it passes the repository itself). */
function withRepo(c: RegistryClientLike, _repo: string): RegistryClientLike {
  return c;
}

/** Delete by digest; a tag is resolved to its digest first (skopeo delete). */
export async function deleteDockerImage(ref: DockerReference, ctx: SystemContext): Promise<void> {
  const ep = pushEndpoint(ref.dockerReference(), ctx);
  const client = await openClient(ep, ctx);
  try {
    let digest = ref.named.digest;
    if (!digest) {
      const tag = ref.named.tag ?? 'latest';
      const h = await client.headManifest(ep.repo, tag, MANIFEST_ACCEPT);
      if (!h) throw new TspodError('MANIFEST_UNKNOWN', `reading manifest ${tag} in ${ep.host}/${ep.repo}: manifest unknown`, { exitCode: 2 });
      digest = h.digest;
    }
    await client.deleteManifest(ep.repo, digest);
  } finally {
    await client.close();
  }
}
