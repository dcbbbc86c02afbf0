// One layer's encryption and decryption as ocicrypt does it: the layer data through
// AES_256_CTR_HMAC_SHA256 under a fresh key; the key, nonce and plaintext digest (private options)
// wrapped for every recipient (JWE, PKCS#7, OpenPGP: one annotation per scheme); the cipher name and HMAC (public options) in the clear.
import { TspodError, errorMessage } from '../errors.ts';
import type { Descriptor } from '../oci/types.ts';
import { CIPHER_AES256CTR, ANNOTATION_JWE, ANNOTATION_PGP, ANNOTATION_PKCS7, ANNOTATION_PUBOPTS, OTHER_KEY_ANNOTATIONS, decryptedMediaType, encryptedMediaType, withoutEncryptionAnnotations } from './types.ts';
import type { DecryptConfig, EncryptConfig, PrivateLayerOptions, PublicLayerOptions } from './types.ts';
import { LayerDecryptStream, LayerEncryptStream } from './cipher.ts';
import { jweDecrypt, jweEncrypt } from './jwe.ts';
import { pkcs7Decrypt, pkcs7Encrypt } from './pkcs7.ts';
import { pgpDecrypt, pgpEncrypt } from './pgp.ts';

/**
 * The layer indices to encrypt (skopeo --encrypt-layer): none given = all; negative count from
 * the end. Out of range is an error (containers/image >= 5.25; skopeo 1.9 wrapped it modulo).
 */
export function layersToEncrypt(cfg: EncryptConfig, total: number): Set<number> {
  const want = cfg.layers ?? [];
  if (!want.length) return new Set(Array.from({ length: total }, (_, i) => i));
  const out = new Set<number>();
  for (const l of want) {
    const i = l < 0 ? l + total : l;
    if (!Number.isInteger(l) || i < 0 || i >= total) {
      throw new TspodError('INVALID_ARGUMENT', `when choosing layers to encrypt, layer index ${l} out of range (${total} layers exist)`);
    }
    out.add(i);
  }
  return out;
}

/** A layer being encrypted: pipe plaintext through `stream`; after it ends, `finish()`. */
export interface LayerEncryption {
  stream: LayerEncryptStream;
  /** The encrypted layer's media type and annotations (wraps the key for each recipient). */
  finish(plain: { mediaType: string; annotations?: Record<string, string> }): { mediaType: string; annotations: Record<string, string> };
}

export function encryptLayer(cfg: EncryptConfig): LayerEncryption {
  const stream = new LayerEncryptStream();
  return {
    stream,
    finish(plain) {
      const r = stream.result();
      const priv: PrivateLayerOptions = { symkey: r.key.toString('base64'), digest: r.plainDigest, cipheroptions: { nonce: r.nonce.toString('base64') } };
      const pub: PublicLayerOptions = { cipher: CIPHER_AES256CTR, hmac: r.hmac.toString('base64'), cipheroptions: {} };
      const privJson = Buffer.from(JSON.stringify(priv));
      const keys: Record<string, string> = {};
      if (cfg.recipients.length) keys[ANNOTATION_JWE] = Buffer.from(jweEncrypt(privJson, cfg.recipients)).toString('base64');
      if (cfg.gpgRecipients?.length) keys[ANNOTATION_PGP] = pgpEncrypt(privJson, cfg.gpgRecipients).toString('base64');
      if (cfg.certificates?.length) keys[ANNOTATION_PKCS7] = pkcs7Encrypt(privJson, cfg.certificates).toString('base64');
      return {
        mediaType: encryptedMediaType(plain.mediaType),
        annotations: { ...(plain.annotations ?? {}), ...keys, [ANNOTATION_PUBOPTS]: Buffer.from(JSON.stringify(pub)).toString('base64') },
      };
    },
  };
}

/** An encrypted layer opened with a private key: pipe the ciphertext through `stream`. */
export interface LayerDecryption {
  stream: LayerDecryptStream;
  /**
   * Digest of the plaintext as the encrypter recorded it. Informational only: skopeo records the
   * source blob's digest even when it recompressed the layer before encrypting it.
   */
  digest: string;
  mediaType: string;
  annotations?: Record<string, string>;
}

function decodeJson<T>(b64: string, what: string): T {
  try {
    return JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as T;
  } catch {
    throw new TspodError('INVALID_ENCRYPTED_LAYER', `could not decode ${what}`);
  }
}

/** Unwrap the layer key with the configured private keys (ocicrypt DecryptLayer). */
export function decryptLayer(desc: Descriptor, cfg: DecryptConfig): LayerDecryption {
  const fail = (msg: string, code = 'LAYER_DECRYPTION') => new TspodError(code, `decrypting layer ${desc.digest}: ${msg}`);
  const a = desc.annotations ?? {};
  // Each scheme the layer was wrapped with and we have keys for, as ocicrypt tries its key wrappers.
  const schemes: Array<[string, (b: Buffer) => Buffer, boolean]> = [
    [ANNOTATION_JWE, (b) => jweDecrypt(b.toString('utf8'), cfg.keys), cfg.keys.length > 0],
    [ANNOTATION_PKCS7, (b) => pkcs7Decrypt(b, cfg.keys), cfg.keys.length > 0],
    [ANNOTATION_PGP, (b) => pgpDecrypt(b, cfg.gpgKeys ?? []), (cfg.gpgKeys?.length ?? 0) > 0],
  ];
  const present = schemes.filter(([k]) => a[k]);
  if (!present.length) {
    const other = Object.entries(OTHER_KEY_ANNOTATIONS).filter(([, k]) => a[k]).map(([s]) => s);
    throw fail(other.length ? `the layer key is wrapped only for ${other.join(', ')} recipients, which tspod does not support (jwe, pgp and pkcs7 only)` : 'missing annotations needed for decryption');
  }
  const usable = present.filter(([, , have]) => have);
  if (!usable.length) throw fail('missing private key needed for decryption', 'KEY_MISSING');
  let priv: PrivateLayerOptions | undefined;
  const errors: string[] = [];
  for (const [k, unwrap] of usable) {
    for (const one of a[k].split(',')) {
      try {
        priv = JSON.parse(unwrap(Buffer.from(one, 'base64')).toString('utf8'));
        break;
      } catch (err) {
        errors.push(errorMessage(err));
      }
    }
    if (priv) break;
  }
  if (!priv) throw fail(errors.join('; '), 'KEY_MISMATCH');
  const pub = a[ANNOTATION_PUBOPTS] ? decodeJson<PublicLayerOptions>(a[ANNOTATION_PUBOPTS], 'public layer options') : undefined;
  if (!pub || pub.cipher !== CIPHER_AES256CTR) throw fail(`unsupported cipher type: ${pub?.cipher ?? 'none'}`);
  const nonce = priv.cipheroptions?.nonce ?? pub.cipheroptions?.nonce;
  if (!priv.symkey || !nonce || !pub.hmac || !priv.digest) throw fail('incomplete layer encryption options');
  let stream: LayerDecryptStream;
  try {
    stream = new LayerDecryptStream(Buffer.from(priv.symkey, 'base64'), Buffer.from(nonce, 'base64'), Buffer.from(pub.hmac, 'base64'));
  } catch (err) {
    throw fail(errorMessage(err));
  }
  return { stream, digest: priv.digest, mediaType: decryptedMediaType(desc.mediaType), annotations: withoutEncryptionAnnotations(desc.annotations) };
}
