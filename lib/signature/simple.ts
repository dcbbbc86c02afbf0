// Simple signing (containers-signature(5)): an OpenPGP message made by the system gpg around the
// "atomic container signature" JSON, verified against the keys a policy names.
import { gpgSign, gpgVerifyWithKeys } from './gpg.ts';
import { manifestMatchesDigest, parsePayload, signedManifestDigest, simpleSigningPayload, SIMPLE_SIGNING_TYPE, type SignedClaims } from './payload.ts';
import { identityMatches, type SignedIdentity } from './identity.ts';
import { TspodError } from '../errors.ts';

export interface SimpleSignOptions {
  homeDir?: string;
  passphrase?: string;
}

/** Sign a manifest for dockerReference with the gpg key FINGERPRINT; returns the signature blob. */
export async function signSimple(manifest: Buffer, dockerReference: string, fingerprint: string, opts: SimpleSignOptions = {}): Promise<Buffer> {
  const payload = simpleSigningPayload({ dockerReference, manifestDigest: signedManifestDigest(manifest) });
  return gpgSign(payload, fingerprint, opts);
}

export interface SimpleVerifyOptions {
  keys: Buffer[];
  manifest: Buffer;
  /** The image's own docker reference (for signedIdentity rules that need it). */
  imageReference?: string;
  signedIdentity: SignedIdentity;
}

export function rejected(msg: string): TspodError {
  return new TspodError('SIGNATURE_REJECTED', msg);
}

/** Verify one simple signature; returns the claims, throws SIGNATURE_REJECTED with the reason otherwise. */
export async function verifySimple(sig: Buffer, opts: SimpleVerifyOptions): Promise<SignedClaims & { fingerprint: string }> {
  const v = await gpgVerifyWithKeys(sig, opts.keys);
  const claims = parsePayload(v.payload, SIMPLE_SIGNING_TYPE);
  if (!manifestMatchesDigest(opts.manifest, claims.manifestDigest)) {
    throw rejected(`Signature for docker-manifest-digest "${claims.manifestDigest}" does not match the image manifest`);
  }
  if (!identityMatches(opts.signedIdentity, opts.imageReference, claims.dockerReference)) {
    throw rejected(`Signature for identity "${claims.dockerReference}" is not accepted`);
  }
  return { ...claims, fingerprint: v.primaryFingerprint };
}
