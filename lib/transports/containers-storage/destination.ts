// Writing an image into the local store. Layers are extracted while they stream in (the compressed bytes
// are kept in blobs/ at the same time), the config goes to blobs/, and commit() records the image with its
// name under the store lock. Until commit() nothing is visible as an image; extracted layers are shared
// content, protected from garbage collection by the shared gc lock this destination holds until close().
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { TspodError } from '../../errors.ts';
import { DOCKER_MANIFEST, OCI_MANIFEST } from '../../oci/media-types.ts';
import type { Descriptor, Manifest } from '../../oci/types.ts';
import type { HeldLock } from '../../lock/index.ts';
import type { ImageRecord, Store } from '../../storage/index.ts';
import type { BlobInfo, ImageDestination, LayerCompressionWish, PutBlobOptions } from '../types.ts';
import type { StorageReference } from './transport.ts';

export class StorageImageDestination implements ImageDestination {
  private manifest: { bytes: Buffer; mediaType: string } | undefined;
  private signatures: Buffer[] = [];
  private topLevelDigest?: string;
  /** The record written by commit(). */
  committed: ImageRecord | undefined;

  private constructor(readonly reference: StorageReference, private store: Store, private content: HeldLock) {}

  static async open(ref: StorageReference, store: Store): Promise<StorageImageDestination> {
    const content = await store.holdContent();
    store.cleanTemp(); // leftovers of a killed process (only dead pids' temp names)
    return new StorageImageDestination(ref, store, content);
  }

  supportedManifestMimeTypes(): string[] {
    return [OCI_MANIFEST, DOCKER_MANIFEST];
  }
  desiredLayerCompression(): LayerCompressionWish {
    return 'preserve';
  }
  acceptsForeignLayerURLs(): boolean {
    return false;
  }
  supportsManifestLists(): boolean {
    return false;
  }
  supportsSignatures(): boolean {
    return true;
  }

  async tryReusingBlob(desc: Descriptor, opts: PutBlobOptions): Promise<Descriptor | undefined> {
    if (opts.isConfig) return this.store.blobPath(desc.digest) ? desc : undefined;
    // by compressed digest, or by diffID for uncompressed layers (digest == diffID)
    const byBlob = this.store.layerByCompressedDigest(desc.digest);
    if (byBlob && this.store.blobPath(desc.digest)) return desc;
    if (this.store.layerInfo(desc.digest)) return desc;
    return undefined;
  }

  async putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions): Promise<Descriptor> {
    const mediaType = info.mediaType ?? 'application/octet-stream';
    if (opts.isConfig) {
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      const bytes = Buffer.concat(chunks);
      const digest = this.store.putBlobBytes(bytes, info.digest);
      return { mediaType, digest, size: bytes.length };
    }
    const what = `storing layer ${info.digest ?? opts.layerIndex} of ${this.reference.stringWithinTransport()}`;
    const layer = await this.store.putLayer(stream, { expectedDigest: info.digest, mediaType, what });
    const digest = info.digest ?? layer.compressedDigest;
    return { mediaType, digest, size: info.size >= 0 ? info.size : layer.compressedSize };
  }

  async putManifest(bytes: Buffer, mediaType: string, instanceDigest?: string): Promise<void> {
    if (instanceDigest) throw new TspodError('UNSUPPORTED', 'containers-storage: cannot store one instance of a manifest list');
    this.manifest = { bytes, mediaType };
  }

  async putSignatures(signatures: Buffer[], instanceDigest?: string): Promise<void> {
    if (instanceDigest) throw new TspodError('UNSUPPORTED', 'containers-storage: cannot store signatures of one instance of a manifest list');
    this.signatures = signatures;
  }

  noteTopLevelManifest(digest: string): void {
    this.topLevelDigest = digest;
  }

  async commit(): Promise<void> {
    if (!this.manifest) throw new TspodError('INTERNAL', 'containers-storage: commit without a manifest');
    const m = JSON.parse(this.manifest.bytes.toString('utf8')) as Manifest;
    const mediaType = m.mediaType ?? this.manifest.mediaType;
    const cfgPath = this.store.blobPath(m.config?.digest ?? '');
    if (!cfgPath) throw new TspodError('INTERNAL', `containers-storage: config ${m.config?.digest} was not stored`);
    const config = readFileSync(cfgPath);
    const named = this.reference.named;
    // NAME@DIGEST where DIGEST is not this manifest's (the list it was chosen from): known by it too
    const refDigest = named?.includes('@') ? named.slice(named.indexOf('@') + 1) : undefined;
    this.committed = await this.store.addImage({
      manifest: this.manifest.bytes, manifestMediaType: mediaType, config, names: named ? [named] : [], signatures: this.signatures,
      aliasDigests: [...(this.topLevelDigest ? [this.topLevelDigest] : []), ...(refDigest ? [refDigest] : [])],
    });
  }

  async close(): Promise<void> {
    this.content.release();
  }
}
