// The JSON both signature formats sign: simple signing's "atomic container signature"
// (containers/image docs/containers-signature.5.md) and cosign's "cosign container image signature".
// Parsing is strict in "critical" like containers/image: unknown critical fields are refused.
import { createHash } from 'node:crypto';
import { TspodError } from '../errors.ts';
import { schema1Payload } from '../oci/schema1.ts';

export const SIMPLE_SIGNING_TYPE = 'atomic container signature';
export const COSIGN_TYPE = 'cosign container image signature';

export interface SignedClaims {
  dockerReference: string;
  manifestDigest: string;
}

export function simpleSigningPayload(c: SignedClaims, now = new Date()): Buffer {
  return Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': c.dockerReference }, image: { 'docker-manifest-digest': c.manifestDigest }, type: SIMPLE_SIGNING_TYPE },
    optional: { creator: 'tspod', timestamp: Math.floor(now.getTime() / 1000) },
  }));
}

/** Cosign's payload, with "optional": null exactly as cosign writes it. */
export function cosignPayload(c: SignedClaims): Buffer {
  return Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': c.dockerReference }, image: { 'docker-manifest-digest': c.manifestDigest }, type: COSIGN_TYPE },
    optional: null,
  }));
}

function exactKeys(o: unknown, keys: string[], where: string): Record<string, unknown> {
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw invalid(`${where} is not a JSON object`);
  const got = Object.keys(o);
  for (const k of got) if (!keys.includes(k)) throw invalid(`unexpected field "${k}" in ${where}`);
  for (const k of keys) if (!(k in o)) throw invalid(`missing field "${k}" in ${where}`);
  return o as Record<string, unknown>;
}

function invalid(msg: string): TspodError {
  return new TspodError('INVALID_SIGNATURE', `invalid signature payload: ${msg}`);
}

export function parsePayload(bytes: Buffer, wantType: string): SignedClaims {
  let j: unknown;
  try {
    j = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw invalid((e as Error).message);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw invalid('not a JSON object');
  const top = j as Record<string, unknown>;
  for (const k of Object.keys(top)) if (k !== 'critical' && k !== 'optional') throw invalid(`unexpected field "${k}"`);
  // simple signing requires "optional"; cosign may omit it or set null.
  if (wantType === SIMPLE_SIGNING_TYPE && !('optional' in top)) throw invalid('missing field "optional"');
  const critical = exactKeys(top.critical, ['type', 'image', 'identity'], '"critical"');
  if (critical.type !== wantType) throw invalid(`unrecognized signature type "${String(critical.type)}"`);
  const image = exactKeys(critical.image, ['docker-manifest-digest'], '"critical.image"');
  const identity = exactKeys(critical.identity, ['docker-reference'], '"critical.identity"');
  const digest = image['docker-manifest-digest'];
  const ref = identity['docker-reference'];
  if (typeof digest !== 'string' || typeof ref !== 'string') throw invalid('digest and reference must be strings');
  return { dockerReference: ref, manifestDigest: digest };
}

/** containers/image manifest.MatchesDigest for v2 manifests: hash the bytes with the digest's algorithm. */
export function manifestMatchesDigest(manifest: Buffer, digest: string): boolean {
  const m = /^(sha256|sha512):([a-f0-9]+)$/.exec(digest);
  if (!m) return false;
  return createHash(m[1]).update(signedPart(manifest)).digest('hex') === m[2];
}

/** What a manifest digest covers: a signed schema 1 manifest's JWS payload (containers/image manifest.Digest), else all. */
function signedPart(manifest: Buffer): Buffer {
  if (!manifest.includes('"signatures"')) return manifest;
  try {
    return schema1Payload(manifest);
  } catch {
    return manifest;
  }
}

/** The digest a signature names for a manifest. */
export function signedManifestDigest(manifest: Buffer): string {
  return 'sha256:' + createHash('sha256').update(signedPart(manifest)).digest('hex');
}
