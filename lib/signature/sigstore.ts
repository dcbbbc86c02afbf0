// Sigstore signatures in cosign's format: the cosign payload JSON, an ECDSA P-256/SHA-256 signature
// (ASN.1 DER, base64) in the dev.cosignproject.cosign/signature annotation, and cosign's encrypted
// private key file (secure-systems-lab "encrypted" package: scrypt + nacl secretbox over PKCS#8 DER).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scrypt, sign, verify, type KeyObject } from 'node:crypto';
import { TspodError } from '../errors.ts';
import { SIGSTORE_MIME, SIGSTORE_SIGNATURE_ANNOTATION, type Signature } from './blob.ts';
import { COSIGN_TYPE, cosignPayload, manifestMatchesDigest, parsePayload, signedManifestDigest, type SignedClaims } from './payload.ts';
import { identityMatches, type SignedIdentity } from './identity.ts';

const PEM_PRIVATE = 'ENCRYPTED SIGSTORE PRIVATE KEY';
const PEM_PRIVATE_OLD = 'ENCRYPTED COSIGN PRIVATE KEY';
const SCRYPT = { N: 32768, r: 8, p: 1 };

function pem(type: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

function unpem(text: string, types: string[]): Buffer | undefined {
  const m = /-----BEGIN ([A-Z ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m || !types.includes(m[1])) return undefined;
  return Buffer.from(m[2].replace(/\s+/g, ''), 'base64');
}

function scryptKey(passphrase: Buffer, salt: Buffer, p: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r * p.p + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** tweetnacl, loaded only to encrypt or decrypt a private key (~2-3 ms that every policy check paid). */
async function secretbox(): Promise<typeof import('tweetnacl').secretbox> {
  return (await import('tweetnacl')).default.secretbox;
}

export interface SigstoreKeyPair {
  privateKey: string; // PEM, encrypted
  publicKey: string; // PEM, PKIX
}

/** A new ECDSA P-256 key pair, the private half encrypted with the passphrase as cosign does. */
export async function generateSigstoreKeyPair(passphrase: Buffer): Promise<SigstoreKeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = await scryptKey(passphrase, salt, SCRYPT);
  const ciphertext = Buffer.from((await secretbox())(new Uint8Array(der), new Uint8Array(nonce), new Uint8Array(key)));
  const json = JSON.stringify({
    kdf: { name: 'scrypt', params: SCRYPT, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: ciphertext.toString('base64'),
  });
  return { privateKey: pem(PEM_PRIVATE, Buffer.from(json)), publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

/** Decrypt cosign's encrypted private key file. */
export async function loadSigstorePrivateKey(text: string, passphrase: Buffer): Promise<KeyObject> {
  const body = unpem(text, [PEM_PRIVATE, PEM_PRIVATE_OLD]);
  if (!body) throw new TspodError('INVALID_KEY', `not a sigstore private key: expected a "${PEM_PRIVATE}" PEM block`);
  let j: { kdf?: { name?: string; params?: { N: number; r: number; p: number }; salt?: string }; cipher?: { name?: string; nonce?: string }; ciphertext?: string };
  try {
    j = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new TspodError('INVALID_KEY', `parsing sigstore private key: ${(e as Error).message}`);
  }
  if (j.kdf?.name !== 'scrypt' || !j.kdf.params || !j.kdf.salt) throw new TspodError('INVALID_KEY', `unsupported key derivation "${j.kdf?.name}"`);
  if (j.cipher?.name !== 'nacl/secretbox' || !j.cipher.nonce || !j.ciphertext) throw new TspodError('INVALID_KEY', `unsupported cipher "${j.cipher?.name}"`);
  const key = await scryptKey(passphrase, Buffer.from(j.kdf.salt, 'base64'), j.kdf.params);
  const plain = (await secretbox()).open(new Uint8Array(Buffer.from(j.ciphertext, 'base64')), new Uint8Array(Buffer.from(j.cipher.nonce, 'base64')), new Uint8Array(key));
  if (!plain) throw new TspodError('WRONG_PASSPHRASE', 'decrypting sigstore private key: decryption failed (wrong passphrase?)');
  return createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' });
}

export function loadPublicKey(pemOrDer: Buffer, what: string): KeyObject {
  try {
    return createPublicKey(pemOrDer.toString('utf8').includes('-----BEGIN') ? pemOrDer.toString('utf8') : { key: pemOrDer, format: 'der', type: 'spki' });
  } catch (e) {
    throw new TspodError('INVALID_KEY', `parsing public key ${what}: ${(e as Error).message}`);
  }
}

/** Sign: the cosign payload for (reference, digest of manifest) and its ECDSA signature annotation. */
export function signSigstore(manifest: Buffer, dockerReference: string, privateKey: KeyObject): Signature {
  const payload = cosignPayload({ dockerReference, manifestDigest: signedManifestDigest(manifest) });
  const der = sign('sha256', payload, privateKey);
  return { format: 'sigstore-json', mimeType: SIGSTORE_MIME, payload, annotations: { [SIGSTORE_SIGNATURE_ANNOTATION]: der.toString('base64') } };
}

export interface SigstoreVerifyOptions {
  publicKeys: KeyObject[];
  manifest: Buffer;
  imageReference?: string;
  signedIdentity: SignedIdentity;
}

function rejected(msg: string): TspodError {
  return new TspodError('SIGNATURE_REJECTED', msg);
}

/** Verify one sigstore signature against any of the public keys, then its claims. */
export function verifySigstore(sig: Signature, opts: SigstoreVerifyOptions): SignedClaims {
  if (sig.format !== 'sigstore-json') throw rejected('not a sigstore signature');
  if (sig.mimeType !== SIGSTORE_MIME) throw rejected(`unsupported sigstore signature MIME type "${sig.mimeType}"`);
  const b64 = sig.annotations[SIGSTORE_SIGNATURE_ANNOTATION];
  if (!b64) throw rejected(`missing ${SIGSTORE_SIGNATURE_ANNOTATION} annotation`);
  const der = Buffer.from(b64, 'base64');
  const ok = opts.publicKeys.some((k) => {
    try {
      return verify('sha256', sig.payload, k, der);
    } catch {
      return false;
    }
  });
  if (!ok) throw rejected('cryptographic signature verification failed: invalid signature');
  const claims = parsePayload(sig.payload, COSIGN_TYPE);
  if (!manifestMatchesDigest(opts.manifest, claims.manifestDigest)) {
    throw rejected(`Signature for docker-manifest-digest "${claims.manifestDigest}" does not match the image manifest`);
  }
  if (!identityMatches(opts.signedIdentity, opts.imageReference, claims.dockerReference)) {
    throw rejected(`Signature for identity "${claims.dockerReference}" is not accepted`);
  }
  return claims;
}
