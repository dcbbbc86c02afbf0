// Docker image manifest v2 schema 1 (`...manifest.v1+prettyjws`, `...v1+json`), read-only data
// helpers after containers/image manifest/docker_schema1.go: fsLayers and history run from the top
// layer down, each history entry a v1Compatibility JSON string (the top one holds the image
// config); a signed manifest's digest is that of its JWS payload, without "signatures".
import { createHash } from 'node:crypto';
import { TspodError } from '../errors.ts';

export interface Schema1 {
  name: string;
  tag: string;
  architecture: string;
  fsLayers: Array<{ blobSum: string }>;
  history: Array<{ v1Compatibility: string }>;
  schemaVersion: 1;
  signatures?: Array<{ header: unknown; signature: string; protected: string }>;
}

/** The fields of a v1Compatibility entry the conversions use. */
export interface V1Compatibility {
  id?: string;
  parent?: string;
  created?: string;
  author?: string;
  comment?: string;
  throwaway?: boolean;
  container_config?: { Cmd?: string[] };
  [k: string]: unknown;
}

const invalid = (msg: string) => new TspodError('INVALID_MANIFEST', `invalid schema 1 manifest: ${msg}`);

export function parseSchema1(bytes: Buffer): { m: Schema1; compat: V1Compatibility[] } {
  let m: Schema1;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('not JSON');
  }
  if (m?.schemaVersion !== 1) throw invalid(`schemaVersion ${m?.schemaVersion}`);
  if (!Array.isArray(m.fsLayers) || !Array.isArray(m.history) || m.fsLayers.length !== m.history.length) {
    throw invalid(`length of history not equal to number of layers`);
  }
  if (!m.fsLayers.length) throw invalid('no FSLayers in manifest');
  const compat = m.history.map((h, i) => {
    try {
      return JSON.parse(h.v1Compatibility) as V1Compatibility;
    } catch {
      throw invalid(`history[${i}].v1Compatibility is not JSON`);
    }
  });
  for (const l of m.fsLayers) if (!/^sha256:[0-9a-f]{64}$/.test(l?.blobSum ?? '')) throw invalid(`bad blobSum "${l?.blobSum}"`);
  return { m, compat };
}

/** The signed part of a schema 1 manifest (the whole bytes when it carries no JWS signature). */
export function schema1Payload(bytes: Buffer): Buffer {
  let m: Schema1;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes;
  }
  const prot = m?.signatures?.[0]?.protected;
  if (!prot) return bytes;
  let h: { formatLength?: number; formatTail?: string };
  try {
    h = JSON.parse(Buffer.from(prot, 'base64url').toString('utf8'));
  } catch {
    throw invalid('signature protected header is not JSON');
  }
  if (!Number.isInteger(h.formatLength) || h.formatLength! > bytes.length || typeof h.formatTail !== 'string') throw invalid('bad JWS format header');
  return Buffer.concat([bytes.subarray(0, h.formatLength), Buffer.from(h.formatTail, 'base64url')]);
}

/** A manifest's digest as registries compute it: for schema 1, over the JWS payload. */
export function schema1Digest(bytes: Buffer): string {
  return 'sha256:' + createHash('sha256').update(schema1Payload(bytes)).digest('hex');
}

/** Layers bottom first, with whether each is an empty ("throwaway") layer. */
export function schema1Layers(m: Schema1, compat: V1Compatibility[]): Array<{ digest: string; empty: boolean }> {
  return m.fsLayers.map((l, i) => ({ digest: l.blobSum, empty: compat[i].throwaway === true })).reverse();
}

/** Go's json.Marshal text (compact; <, >, & and U+2028/9 escaped). */
function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** time.Time as Go marshals it (RFC 3339, trailing zero fractions dropped, UTC as Z). */
function goTime(s: unknown): string {
  if (typeof s !== 'string' || !s) return '0001-01-01T00:00:00Z';
  return s.replace(/[+-]00:00$/, 'Z').replace(/\.(\d*?)0+(Z|[+-]\d\d:\d\d)$/, (_, f: string, z: string) => (f ? `.${f}${z}` : z));
}

/**
 * The schema2 config of a schema 1 image (containers/image ToSchema2Config): the top
 * v1Compatibility without its v1 ids, plus rootfs (`diffIDs`: the non-empty layers' uncompressed
 * digests, bottom first) and history built from every entry; keys sorted as Go marshals a map.
 */
export function schema1ToSchema2Config(compat: V1Compatibility[], diffIDs: string[]): Buffer {
  const top = { ...compat[0] } as Record<string, unknown>;
  for (const k of ['id', 'parent', 'parent_id', 'layer_id', 'throwaway', 'Size']) delete top[k];
  top.rootfs = { type: 'layers', diff_ids: diffIDs };
  top.history = [...compat].reverse().map((c) => {
    const h: Record<string, unknown> = { created: goTime(c.created) };
    const by = (c.container_config?.Cmd ?? []).join(' ');
    if (by) h.created_by = by;
    if (c.author) h.author = c.author;
    if (c.comment) h.comment = c.comment;
    if (c.throwaway) h.empty_layer = true;
    return h;
  });
  const keys = Object.keys(top).sort();
  return Buffer.from('{' + keys.map((k) => `${JSON.stringify(k)}:${goJson(top[k])}`).join(',') + '}');
}

/** The config an image inspection shows for a schema 1 image: no layer was read, so no diff IDs. */
export function schema1InspectConfig(bytes: Buffer): Buffer {
  const { m, compat } = parseSchema1(bytes);
  return schema1ToSchema2Config(compat, schema1Layers(m, compat).filter((l) => !l.empty).map(() => ''));
}
