// Docker image manifest v2 schema 1 (`...manifest.v1+prettyjws`, `...v1+json`), read-only data
// helpers after containers/image manifest/docker_schema1.go: fsLayers and history run from the top
// layer down, each history entry a v1Compatibility JSON string (the top one holds the image
// config); a signed manifest's digest is that of its JWS payload, without "signatures". Writing
// (skopeo --format v2s1) follows containers/image's convertToManifestSchema1 and signs with an
// ephemeral libtrust ECDSA P-256 key, as AddDummyV2S1Signature does.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
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

/** The gzip of an empty tar (1024 zero bytes) schema 1 lists for every empty layer, and its digest. */
export const GZIPPED_EMPTY_LAYER = Buffer.from([31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 98, 24, 5, 163, 96, 20, 140, 88, 0, 8, 0, 0, 255, 255, 46, 175, 181, 239, 0, 4, 0, 0]);
export const GZIPPED_EMPTY_LAYER_DIGEST = 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4';

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The unsigned schema 1 manifest of a schema2/OCI image: one fsLayer and v1Compatibility entry per
 * history entry (empty ones get GZIPPED_EMPTY_LAYER), top first; v1 ids chained as Docker makes
 * them; the top entry is the config itself without rootfs/history (containers/image's layout).
 * `layers`: the compressed digests of the non-empty layers, bottom first.
 */
export function schema1FromImage(configBytes: Buffer, layers: string[], name: string, tag: string): Buffer {
  const config = JSON.parse(configBytes.toString('utf8')) as Record<string, any>;
  const hist: Array<Record<string, any>> = Array.isArray(config.history) ? config.history : [];
  if (!hist.length) throw new TspodError('UNSUPPORTED_CONVERSION', 'Cannot convert an image with 0 history entries to application/vnd.docker.distribution.manifest.v1+prettyjws');
  const fsLayers: Array<{ blobSum: string }> = [];
  const history: Array<{ v1Compatibility: string }> = [];
  let v1ID = '';
  let parent = '';
  let next = 0;
  for (const h of hist) {
    parent = v1ID;
    let blob: string;
    if (h.empty_layer) blob = GZIPPED_EMPTY_LAYER_DIGEST;
    else {
      if (next >= layers.length) throw new TspodError('UNSUPPORTED_CONVERSION', `Invalid image configuration, needs more than the ${layers.length} distributed layers`);
      blob = layers[next++];
    }
    v1ID = sha256Hex([blob.slice(7), parent].join(' '));
    const compat: Record<string, unknown> = { id: v1ID };
    if (parent) compat.parent = parent;
    if (h.comment) compat.comment = h.comment;
    compat.created = goTime(h.created);
    compat.container_config = { Cmd: [h.created_by ?? ''] };
    if (h.author) compat.author = h.author;
    if (h.empty_layer) compat.throwaway = true;
    fsLayers.unshift({ blobSum: blob });
    history.unshift({ v1Compatibility: goJson(compat) });
  }
  // The top entry: the config (rootfs and history dropped) with an id that also covers the config
  // text (a leftover containers/image keeps), the parent of the last loop step, throwaway.
  const top: Record<string, unknown> = { ...config };
  delete top.rootfs;
  delete top.history;
  top.id = sha256Hex([fsLayers[0].blobSum.slice(7), parent, configBytes.toString('utf8')].join(' '));
  if (parent) top.parent = parent;
  if (hist[hist.length - 1].empty_layer) top.throwaway = true;
  history[0] = { v1Compatibility: '{' + Object.keys(top).sort().map((k) => `${JSON.stringify(k)}:${goJson(top[k])}`).join(',') + '}' };
  return Buffer.from(goJson({ name, tag, architecture: config.architecture ?? '', fsLayers, history, schemaVersion: 1 }));
}

/** libtrust's key id: SHA-256 of the DER public key, 240 bits in base32, groups of four. */
function libtrustKeyId(der: Buffer): string {
  const bytes = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let s = '';
  for (let i = 0; i + 5 <= bits.length; i += 5) s += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return s.match(/.{1,4}/g)!.join(':');
}

/** Sign a compact schema 1 payload with a throw-away P-256 key (libtrust JWS, "signatures" appended). */
export function signSchema1(payload: Buffer, now = new Date()): Buffer {
  const text = payload.toString('utf8');
  if (!text.endsWith('}')) throw new TspodError('INVALID_MANIFEST', 'schema 1 payload does not end with }');
  const formatLength = payload.length - 1;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  const kid = libtrustKeyId(publicKey.export({ format: 'der', type: 'spki' }));
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const prot = Buffer.from(JSON.stringify({ formatLength, formatTail: Buffer.from('}').toString('base64url'), time })).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${prot}.${payload.toString('base64url')}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  const sigs = [{ header: { jwk: { crv: 'P-256', kid, kty: 'EC', x: jwk.x, y: jwk.y }, alg: 'ES256' }, signature, protected: prot }];
  return Buffer.concat([payload.subarray(0, formatLength), Buffer.from(`,"signatures":${JSON.stringify(sigs)}}`)]);
}

/** The name (repository path, no registry) and tag a schema 1 manifest embeds for a docker reference. */
export function schema1NameTag(dockerReference: string): { name: string; tag: string } {
  const path = dockerReference.replace(/@.*$/, '').split('/').slice(1).join('/');
  const at = path.lastIndexOf(':');
  return at < 0 ? { name: path, tag: '' } : { name: path.slice(0, at), tag: path.slice(at + 1) };
}

/** A schema 1 manifest naming another repository and tag, signed again (containers/image does this on copy). */
export function schema1WithReference(bytes: Buffer, name: string, tag: string): Buffer {
  const { m } = parseSchema1(bytes);
  if (m.name === name && m.tag === tag) return bytes;
  return signSchema1(Buffer.from(goJson({ name, tag, architecture: m.architecture, fsLayers: m.fsLayers, history: m.history, schemaVersion: 1 })));
}
