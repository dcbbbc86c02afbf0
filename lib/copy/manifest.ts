// Manifest parsing, media-type guessing and OCI <-> Docker schema2 conversion.
// Serialisation follows the field order containers/image (Go structs) uses, so that a converted
// manifest has the same bytes, and so the same digest, as skopeo's.
import { TspodError } from '../errors.ts';
import * as MT from '../oci/media-types.ts';
import type { Descriptor, Index, Manifest } from '../oci/types.ts';

export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar';
export const DOCKER_LAYER_ZSTD_INVALID = 'zstd-in-schema2';

/** Media type of manifest bytes, from its mediaType field or its shape (containers/image GuessMIMEType). */
export function guessManifestMediaType(bytes: Buffer): string {
  let m: any;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch {
    return '';
  }
  if (typeof m?.mediaType === 'string' && m.mediaType) return m.mediaType;
  if (m?.schemaVersion === 1) return m.signatures ? MT.DOCKER_SCHEMA1_SIGNED : MT.DOCKER_SCHEMA1;
  if (Array.isArray(m?.manifests)) return MT.OCI_INDEX;
  if (m?.config?.mediaType === MT.DOCKER_CONFIG) return MT.DOCKER_MANIFEST;
  if (m?.config) return MT.OCI_MANIFEST;
  return '';
}

export function parseManifest(bytes: Buffer, mediaType: string): Manifest {
  if (!MT.isManifest(mediaType)) {
    throw new TspodError('UNSUPPORTED_MANIFEST', `unsupported manifest type "${mediaType || 'unknown'}"`);
  }
  const m = JSON.parse(bytes.toString('utf8')) as Manifest;
  if (!m.config || !Array.isArray(m.layers)) throw new TspodError('INVALID_MANIFEST', 'invalid manifest: missing config or layers');
  return m;
}

export function parseIndex(bytes: Buffer): Index {
  const i = JSON.parse(bytes.toString('utf8')) as Index;
  if (!Array.isArray(i.manifests)) throw new TspodError('INVALID_MANIFEST', 'invalid manifest list: no manifests');
  return i;
}

function ociDescriptor(d: Descriptor): Record<string, unknown> {
  const o: Record<string, unknown> = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls?.length) o.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) o.annotations = d.annotations;
  if (d.platform) o.platform = d.platform;
  if (d.artifactType) o.artifactType = d.artifactType;
  return o;
}

function schema2Descriptor(d: Descriptor): Record<string, unknown> {
  const o: Record<string, unknown> = { mediaType: d.mediaType, size: d.size, digest: d.digest };
  if (d.urls?.length) o.urls = d.urls;
  return o;
}

/** Serialise a manifest of the given type in Go's field order. */
export function serializeManifest(m: Manifest, mediaType: string): Buffer {
  if (mediaType === MT.DOCKER_MANIFEST) {
    return Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: schema2Descriptor(m.config),
      layers: m.layers.map(schema2Descriptor),
    }));
  }
  const o: Record<string, unknown> = { schemaVersion: 2 };
  if (m.mediaType) o.mediaType = m.mediaType;
  if (m.artifactType) o.artifactType = m.artifactType;
  o.config = ociDescriptor(m.config);
  o.layers = m.layers.map(ociDescriptor);
  if (m.subject) o.subject = ociDescriptor(m.subject);
  if (m.annotations && Object.keys(m.annotations).length) o.annotations = m.annotations;
  return Buffer.from(JSON.stringify(o));
}

export function serializeIndex(i: Index, mediaType: string): Buffer {
  if (mediaType === MT.DOCKER_MANIFEST_LIST) {
    return Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: i.manifests.map((d) => {
        const o: Record<string, unknown> = { mediaType: d.mediaType, size: d.size, digest: d.digest };
        if (d.urls?.length) o.urls = d.urls;
        if (d.platform) o.platform = d.platform;
        return o;
      }),
    }));
  }
  const o: Record<string, unknown> = { schemaVersion: 2 };
  if (i.mediaType) o.mediaType = i.mediaType;
  if (i.artifactType) o.artifactType = i.artifactType;
  o.manifests = i.manifests.map(ociDescriptor);
  if (i.subject) o.subject = ociDescriptor(i.subject);
  if (i.annotations && Object.keys(i.annotations).length) o.annotations = i.annotations;
  return Buffer.from(JSON.stringify(o));
}

/** Layer media type for a compression in a manifest format. */
export function layerMediaType(format: string, compression: MT.Compression, original: string): string {
  const nondist = original.includes('nondistributable') || original.includes('foreign');
  if (format === MT.DOCKER_MANIFEST) {
    if (compression === 'zstd') {
      throw new TspodError('UNSUPPORTED_CONVERSION', 'zstd compressed layers are not supported in docker schema2 manifests; use --format oci');
    }
    if (nondist) return MT.DOCKER_LAYER_FOREIGN_GZIP;
    return compression === 'gzip' ? MT.DOCKER_LAYER_GZIP : DOCKER_LAYER;
  }
  const base = nondist ? 'application/vnd.oci.image.layer.nondistributable.v1.tar' : MT.OCI_LAYER;
  return compression === 'gzip' ? base + '+gzip' : compression === 'zstd' ? base + '+zstd' : base;
}

const LAYER_TYPES = new Set([
  MT.OCI_LAYER, MT.OCI_LAYER_GZIP, MT.OCI_LAYER_ZSTD, MT.OCI_LAYER_NONDIST_GZIP,
  'application/vnd.oci.image.layer.nondistributable.v1.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  MT.DOCKER_LAYER_GZIP, MT.DOCKER_LAYER_FOREIGN_GZIP, DOCKER_LAYER,
]);

/** Whether a descriptor is a filesystem layer whose compression we understand (others are copied as-is). */
export function isKnownLayerType(mediaType: string): boolean {
  return LAYER_TYPES.has(mediaType);
}

/**
 * Convert a manifest to another format (OCI <-> Docker schema2): media types of the manifest,
 * config and layers. Annotations do not exist in schema2 and are dropped, as containers/image does.
 */
export function convertManifest(m: Manifest, to: string): Manifest {
  if (to !== MT.OCI_MANIFEST && to !== MT.DOCKER_MANIFEST) {
    throw new TspodError('UNSUPPORTED_CONVERSION', `converting a manifest to "${to}" is not supported`);
  }
  const configType = to === MT.DOCKER_MANIFEST ? MT.DOCKER_CONFIG : MT.OCI_CONFIG;
  if (m.config.mediaType !== MT.DOCKER_CONFIG && m.config.mediaType !== MT.OCI_CONFIG) {
    throw new TspodError('UNSUPPORTED_CONVERSION', `cannot convert an image with config type "${m.config.mediaType}"`);
  }
  const layers = m.layers.map((l) => {
    if (!isKnownLayerType(l.mediaType)) {
      throw new TspodError('UNSUPPORTED_CONVERSION', `cannot convert a layer of type "${l.mediaType}"`);
    }
    return { ...l, mediaType: layerMediaType(to, MT.layerCompression(l.mediaType), l.mediaType) };
  });
  const out: Manifest = { schemaVersion: 2, mediaType: to, config: { ...m.config, mediaType: configType }, layers };
  if (to === MT.OCI_MANIFEST && m.annotations) out.annotations = m.annotations;
  if (to === MT.DOCKER_MANIFEST) {
    for (const l of out.layers) delete l.annotations;
    delete out.config.annotations;
  }
  return out;
}

/** The list type matching a manifest type (for --all with --format). */
export function indexTypeFor(manifestType: string): string {
  return manifestType === MT.DOCKER_MANIFEST ? MT.DOCKER_MANIFEST_LIST : MT.OCI_INDEX;
}
