// The OCI image layer encryption format (containers/ocicrypt, used by skopeo/podman/containerd):
// typed spec objects, annotation keys and media-type rules. No I/O here.
import type { KeyObject, X509Certificate } from 'node:crypto';
import type { GpgSecretKey } from './pgp.ts';

/** Base64 of the JWE(s) wrapping a layer's PrivateLayerOptions, comma separated (one per scheme use). */
export const ANNOTATION_JWE = 'org.opencontainers.image.enc.keys.jwe';
/** Base64 of the PublicLayerOptions JSON. */
export const ANNOTATION_PUBOPTS = 'org.opencontainers.image.enc.pubopts';
/** Every encryption annotation starts with this; a decrypted layer drops them all. */
export const ANNOTATION_PREFIX = 'org.opencontainers.image.enc.';
/** Base64 of the OpenPGP message(s) wrapping the PrivateLayerOptions (ocicrypt pgp). */
export const ANNOTATION_PGP = 'org.opencontainers.image.enc.keys.pgp';
/** Base64 of the PKCS#7 EnvelopedData wrapping the PrivateLayerOptions (ocicrypt pkcs7). */
export const ANNOTATION_PKCS7 = 'org.opencontainers.image.enc.keys.pkcs7';
/** Key wrapping schemes of other recipients, which tspod reads past but cannot use. */
export const OTHER_KEY_ANNOTATIONS = {
  pkcs11: 'org.opencontainers.image.enc.keys.pkcs11',
  provider: 'org.opencontainers.image.enc.keys.provider',
};

/** The only layer cipher ocicrypt defines: AES-256 in CTR mode, then HMAC-SHA256 over the ciphertext. */
export const CIPHER_AES256CTR = 'AES_256_CTR_HMAC_SHA256';

/**
 * Secret part, wrapped for each recipient (ocicrypt PrivateLayerBlockCipherOptions). In JSON, byte
 * fields are standard base64 (Go's []byte encoding); `digest` is the digest of the plaintext blob.
 */
export interface PrivateLayerOptions {
  symkey: string;
  digest: string;
  cipheroptions: { nonce?: string } & Record<string, string>;
}

/** Public part, stored in the clear (ocicrypt PublicLayerBlockCipherOptions). */
export interface PublicLayerOptions {
  cipher: string;
  /** HMAC-SHA256 of the ciphertext, base64. */
  hmac: string;
  cipheroptions: Record<string, string>;
}

/** Who can decrypt what we encrypt: public keys (RSA, or EC P-256/384/521) for JWE, gpg recipients, certificates. */
export interface EncryptConfig {
  recipients: KeyObject[];
  /** OpenPGP recipients (e-mail, name, key id) looked up by gpg in GNUPGHOME. */
  gpgRecipients?: string[];
  /** PKCS#7 recipients (RSA certificates). */
  certificates?: X509Certificate[];
  /**
   * Layer indices to encrypt, negative counting from the end (-1 = last); empty or absent = all
   * (skopeo --encrypt-layer).
   */
  layers?: number[];
}

/** Private keys tried, in order, to unwrap a layer key (skopeo --decryption-key). */
export interface DecryptConfig {
  keys: KeyObject[];
  /** OpenPGP secret key files (with their passwords), for layers wrapped with pgp. */
  gpgKeys?: GpgSecretKey[];
}

/** Both halves of skopeo's encryption flags, as the copy pipeline takes them. */
export interface LayerCryptoOptions {
  encrypt?: EncryptConfig;
  decrypt?: DecryptConfig;
}

const ENCRYPTED_SUFFIX = '+encrypted';

/** Whether a layer media type is an encrypted one (`...tar+gzip+encrypted`). */
export function isEncryptedMediaType(mediaType: string): boolean {
  return mediaType.endsWith(ENCRYPTED_SUFFIX);
}

export function encryptedMediaType(mediaType: string): string {
  return isEncryptedMediaType(mediaType) ? mediaType : mediaType + ENCRYPTED_SUFFIX;
}

export function decryptedMediaType(mediaType: string): string {
  return isEncryptedMediaType(mediaType) ? mediaType.slice(0, -ENCRYPTED_SUFFIX.length) : mediaType;
}

/** Annotations without the encryption ones (what a decrypted layer keeps). */
export function withoutEncryptionAnnotations(a?: Record<string, string>): Record<string, string> | undefined {
  if (!a) return undefined;
  const out = Object.fromEntries(Object.entries(a).filter(([k]) => !k.startsWith(ANNOTATION_PREFIX)));
  return Object.keys(out).length ? out : undefined;
}
