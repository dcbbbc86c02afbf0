// Blobs go to blobs/sha256/ (or a shared blob directory's sha256/) under temp names renamed to their
// digest (content-addressed, harmless if the copy fails: an unreferenced blob). index.json is updated
// only in commit(), under a flock of the layout directory, with a temp file + rename. Uncompressed
// layers are compressed unless ociAcceptUncompressedLayers, as containers/image does.
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { TspodError } from '../../errors.ts';
import { parseDigest, sha256Digest } from '../../oci/digest.ts';
import * as MT from '../../oci/media-types.ts';
import { schema1Digest } from '../../oci/schema1.ts';
import type { Descriptor, Index } from '../../oci/types.ts';
import { writeFileAtomic, writeStreamHashed, withDirLock } from '../fs-util.ts';
import type { BlobInfo, ImageDestination, ImageReference, LayerCompressionWish, PutBlobOptions, SystemContext } from '../types.ts';
import { blobName, dirLayoutReader, readIndex, sharedBlobReader } from './source.ts';
import { REF_NAME_ANNOTATION } from './transport.ts';

const LAYOUT = '{"imageLayoutVersion": "1.0.0"}';

export class OciLayoutDestination implements ImageDestination {
  private top?: Descriptor;
  private readonly created: string[] = [];
  private committed = false;

  /** made: the first directory open() created (undefined when the layout existed), removed again if nothing is committed. */
  private constructor(readonly reference: ImageReference, readonly root: string, private readonly image: string, private readonly ctx: SystemContext, private readonly made?: string) {}

  static async open(ref: ImageReference, root: string, image: string, ctx: SystemContext = {}): Promise<OciLayoutDestination> {
    // The spec wants blobs/ even when it stays empty (all blobs in a shared directory).
    const made = await mkdir(join(root, 'blobs'), { recursive: true });
    return new OciLayoutDestination(ref, root, image, ctx, made === undefined ? undefined : resolve(made));
  }

  /** The layout's blobs/, or the shared blob directory: <alg>/<hex> below it. */
  private get blobsDir(): string {
    return this.ctx.ociSharedBlobDir ?? join(this.root, 'blobs');
  }

  private blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.blobsDir, algorithm, hex);
  }

  /** OCI types only, as containers/image: a schema2 image is converted unless it must not change. */
  supportedManifestMimeTypes(): string[] {
    return [MT.OCI_MANIFEST, MT.OCI_INDEX];
  }
  desiredLayerCompression(): LayerCompressionWish {
    return this.ctx.ociAcceptUncompressedLayers ? 'preserve' : 'compress';
  }
  acceptsForeignLayerURLs(): boolean {
    return true;
  }
  supportsManifestLists(): boolean {
    return true;
  }
  supportsSignatures(): boolean {
    return false;
  }

  async tryReusingBlob(desc: Descriptor): Promise<Descriptor | undefined> {
    try {
      const st = await stat(this.blobPath(desc.digest));
      if (desc.size >= 0 && st.size !== desc.size) return undefined;
      return { ...desc, size: st.size };
    } catch {
      return undefined;
    }
  }

  async putBlob(stream: Readable, info: BlobInfo, _opts: PutBlobOptions): Promise<Descriptor> {
    const { tmp, digest, size } = await writeStreamHashed(join(this.blobsDir, 'sha256'), stream, info.digest?.startsWith('sha256:') ? info.digest : undefined);
    const final = this.blobPath(digest);
    const existed = await stat(final).then(() => true, () => false);
    await rename(tmp, final);
    if (!existed) this.created.push(final);
    return { mediaType: info.mediaType ?? '', digest, size };
  }

  async putManifest(bytes: Buffer, mediaType: string, instanceDigest?: string): Promise<void> {
    // as containers/image: a schema1 manifest is named by its JWS payload's digest
    const digest = mediaType === MT.DOCKER_SCHEMA1_SIGNED ? schema1Digest(bytes) : sha256Digest(bytes);
    const final = this.blobPath(digest);
    const existed = await stat(final).then(() => true, () => false);
    await mkdir(dirname(final), { recursive: true });
    await writeFileAtomic(final, bytes);
    if (!existed) this.created.push(final);
    if (instanceDigest) return;
    const desc: Descriptor = { mediaType, digest, size: bytes.length };
    if (this.image) desc.annotations = { [REF_NAME_ANNOTATION]: this.image };
    this.top = desc;
  }

  async putSignatures(signatures: Buffer[]): Promise<void> {
    if (signatures.length) throw new TspodError('SIGNATURES_UNSUPPORTED', 'pushing signatures for OCI images is not supported');
  }

  async commit(): Promise<void> {
    const top = this.top;
    if (!top) throw new TspodError('INTERNAL', 'oci: commit without a manifest');
    await writeFileAtomic(join(this.root, 'oci-layout'), LAYOUT);
    await withDirLock(this.root, async () => {
      let index: Index;
      try {
        index = await readIndex(dirLayoutReader(this.root));
      } catch (err) {
        if ((err as TspodError).code !== 'NO_SUCH_FILE') throw err;
        index = { schemaVersion: 2, manifests: [] };
      }
      addManifest(index, top);
      await writeFileAtomic(join(this.root, 'index.json'), serializeLayoutIndex(index));
    });
    this.committed = true;
  }

  async close(): Promise<void> {
    if (this.committed) return;
    for (const p of this.created) await rm(p, { force: true });
    if (!this.made) return;
    // A failed copy into a new layout leaves no directory behind: remove the (empty) ones open() made.
    const made = this.made;
    const root = resolve(this.root);
    const dirs = [join(root, 'blobs', 'sha256'), join(root, 'blobs')];
    for (let d = root; d !== dirname(d) && (d + '/').startsWith(made + '/'); d = dirname(d)) dirs.push(d);
    for (const d of dirs.filter((x) => x === made || x.startsWith(made + '/'))) {
      try {
        await rmdir(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') break;
      }
    }
  }
}

/** Same entry rules as containers/image ociImageDestination.addManifest. */
function addManifest(index: Index, desc: Descriptor): void {
  const name = desc.annotations?.[REF_NAME_ANNOTATION];
  index.manifests = index.manifests ?? [];
  if (name) {
    for (const m of index.manifests) {
      if (m.annotations?.[REF_NAME_ANNOTATION] === name) {
        delete m.annotations[REF_NAME_ANNOTATION];
        if (Object.keys(m.annotations).length === 0) delete m.annotations;
        break;
      }
    }
  }
  const i = index.manifests.findIndex((m) => m.digest === desc.digest && !m.annotations?.[REF_NAME_ANNOTATION]);
  if (i >= 0) index.manifests[i] = desc;
  else index.manifests.push(desc);
}

function serializeLayoutIndex(index: Index): string {
  const o: Record<string, unknown> = { schemaVersion: 2 };
  if (index.mediaType) o.mediaType = index.mediaType;
  o.manifests = index.manifests.map((d) => {
    const e: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
    if (d.urls) e.urls = d.urls;
    if (d.annotations) e.annotations = d.annotations;
    if (d.platform) e.platform = d.platform;
    return e;
  });
  if (index.annotations) o.annotations = index.annotations;
  return JSON.stringify(o);
}

/**
 * Remove an image from a layout and the layout's blobs nothing else references. With a shared blob
 * directory, manifests are read from there too, but only the layout's own blobs/ is swept: other
 * layouts may use the shared blobs (as containers/image).
 */
export async function deleteOciImage(root: string, image: string, sharedBlobDir?: string): Promise<void> {
  await withDirLock(root, async () => {
    const reader = dirLayoutReader(root);
    const shared = sharedBlobReader(reader, sharedBlobDir);
    const index = await readIndex(reader);
    const { findDescriptor } = await import('./source.ts');
    const desc = findDescriptor(index, image, root);
    index.manifests = index.manifests.filter((m) => m !== desc);
    // Mark every blob still reachable from the index, then sweep the rest.
    const live = new Set<string>();
    const visit = async (d: Descriptor): Promise<void> => {
      if (live.has(d.digest)) return;
      live.add(d.digest);
      if (!MT.isIndex(d.mediaType) && !MT.isManifest(d.mediaType)) return;
      const bytes = (await shared.readFile(blobName(d.digest))) ?? (await reader.readFile(blobName(d.digest)));
      if (!bytes) return;
      const m = JSON.parse(bytes.toString('utf8'));
      for (const c of [...(m.manifests ?? []), ...(m.config ? [m.config] : []), ...(m.layers ?? [])]) await visit(c);
    };
    for (const d of index.manifests) await visit(d);
    await writeFileAtomic(join(root, 'index.json'), serializeLayoutIndex(index));
    for (const alg of await readdir(join(root, 'blobs')).catch(() => [] as string[])) {
      for (const hex of await readdir(join(root, 'blobs', alg))) {
        if (!live.has(`${alg}:${hex}`)) await rm(join(root, 'blobs', alg, hex), { force: true });
      }
    }
  });
}
