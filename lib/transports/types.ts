// The transport model, after containers/image types/types.go.
// An ImageReference is immutable once parsed. Sources and destinations are used in one order:
//   source: getManifest() -> getBlob()* -> getSignatures() -> close()
//   destination: tryReusingBlob()/putBlob()* (config last or first, any order) -> putManifest()
//                -> putSignatures() -> commit() -> close()
// Nothing a destination receives is visible to other processes before commit() returns.
// Raw accessors return unverified bytes: lib/copy verifies every digest and size, once.
import type { Readable } from 'node:stream';
import type { Descriptor } from '../oci/types.ts';

export interface SystemContext {
  /** Auth file path (--authfile), overriding the default lookup. */
  authFile?: string;
  /** "user:password" from --creds. */
  credentials?: { username: string; password: string };
  registryToken?: string;
  /** false means --tls-verify=false: allow http and self-signed certificates. */
  tlsVerify?: boolean;
  certDir?: string;
  /** Platform selection for manifest lists. */
  os?: string;
  arch?: string;
  variant?: string;
  /** registries.conf override (else CONTAINERS_REGISTRIES_CONF / default paths). */
  registriesConf?: string;
  registriesDir?: string;
  /** Temp directory for big blobs. */
  tmpDir?: string;
  retryTimes?: number;
  retryDelayMs?: number;
  /** Store options for containers-storage:. */
  storeRoot?: string;
  storeRunRoot?: string;
  /** Whether an interactive TTY is attached (short-name prompts). */
  interactive?: boolean;
  /** dir: destination: compress uncompressed layers (skopeo --dest-compress). */
  dirForceCompress?: boolean;
  /** dir: destination: store layers uncompressed (skopeo --dest-decompress). */
  dirForceDecompress?: boolean;
  /** oci:/oci-archive: destination: keep uncompressed layers as they are (default: compress them). */
  ociAcceptUncompressedLayers?: boolean;
  /**
   * oci:/oci-archive: blobs (manifests too) live in DIR/<alg>/<hex> instead of the layout's blobs/
   * (skopeo --shared-blob-dir); index.json stays in the layout.
   */
  ociSharedBlobDir?: string;
  /** docker-archive: destination: more RepoTags ("host/repo:tag") besides the reference's own. */
  dockerArchiveAdditionalTags?: string[];
}

export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
}

export interface ImageTransport {
  readonly name: string;
  parseReference(reference: string): ImageReference;
  /** Validate a policy.json scope for this transport. */
  validatePolicyScope?(scope: string): void;
}

export interface ImageReference {
  readonly transport: ImageTransport;
  /** The reference without the "transport:" prefix, round-trips through parseReference. */
  stringWithinTransport(): string;
  /** Named docker reference ("docker.io/library/busybox:latest") when the transport has one. */
  dockerReference(): string | undefined;
  /** Identity used for policy scope matching. */
  policyConfigurationIdentity(): string;
  policyConfigurationNamespaces(): string[];
  newImageSource(ctx: SystemContext): Promise<ImageSource>;
  newImageDestination(ctx: SystemContext): Promise<ImageDestination>;
  deleteImage(ctx: SystemContext): Promise<void>;
}

export interface BlobInfo {
  digest?: string;
  size: number; // -1 when unknown
  mediaType?: string;
  annotations?: Record<string, string>;
}

export interface ImageSource {
  readonly reference: ImageReference;
  /** The manifest (or index); with instanceDigest, that instance of a list. Unverified bytes. */
  getManifest(instanceDigest?: string): Promise<ManifestBytes>;
  /** A blob's bytes from the start, or from offset when given (resume). Unverified bytes. */
  getBlob(desc: Descriptor, offset?: number): Promise<{ stream: Readable; size: number }>;
  /** Simple-signing signatures (raw bytes each) for the image or one instance. */
  getSignatures(instanceDigest?: string): Promise<Buffer[]>;
  close(): Promise<void>;
}

export type LayerCompressionWish = 'preserve' | 'compress' | 'decompress';

export interface PutBlobOptions {
  isConfig: boolean;
  /** Layer index within the manifest; -1 for config. */
  layerIndex: number;
  /** Whether the blob is a layer whose uncompressed digest (diffID) the destination may want. */
  emptyLayer?: boolean;
}

export interface ImageDestination {
  readonly reference: ImageReference;
  /** Manifest media types accepted, best first; empty array means any. */
  supportedManifestMimeTypes(): string[];
  desiredLayerCompression(): LayerCompressionWish;
  /** Whether manifest lists may be written as-is (copy --all). */
  acceptsForeignLayerURLs(): boolean;
  supportsManifestLists(): boolean;
  /** Whether signatures can be stored. */
  supportsSignatures(): boolean;
  /**
   * Make the blob available without uploading it if possible (exists, cross-repo mount, local store).
   * Returns the descriptor to use in the manifest, or undefined when the blob must be uploaded.
   */
  tryReusingBlob(desc: Descriptor, opts: PutBlobOptions): Promise<Descriptor | undefined>;
  /**
   * Store a blob. The stream is the bytes as they are to be stored; info.digest, when known, is what
   * they hash to. The destination keeps the bytes under a temp name until the stream ended without error
   * (the caller's verifying stream errors on a digest or size mismatch).
   */
  putBlob(stream: Readable, info: BlobInfo, opts: PutBlobOptions): Promise<Descriptor>;
  /** Write the manifest (instanceDigest: one instance of a list written with --all). */
  putManifest(bytes: Buffer, mediaType: string, instanceDigest?: string): Promise<void>;
  putSignatures(signatures: Buffer[], instanceDigest?: string): Promise<void>;
  /**
   * Optional: the image being written was chosen from this manifest list (by digest), so the
   * destination may record that the image is known by the list's digest too (containers/image's
   * "unparsed toplevel" at commit).
   */
  noteTopLevelManifest?(digest: string): void;
  /** Make everything written visible. Before this, nothing is. */
  commit(): Promise<void>;
  close(): Promise<void>;
}
