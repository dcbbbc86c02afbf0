// JWE key management (RFC 7518 §4): how the content encryption key (CEK) reaches a recipient.
// ocicrypt writes RSA-OAEP for RSA keys and ECDH-ES+A256KW for EC keys; we also read RSA-OAEP-256,
// ECDH-ES+A128KW/A192KW and direct ECDH-ES, which other JWE writers use.
import {
  createCipheriv, createDecipheriv, createHash, createPublicKey, constants, diffieHellman, generateKeyPairSync,
  privateDecrypt, publicEncrypt, type KeyObject,
} from 'node:crypto';
import { TspodError } from '../errors.ts';

/** A JWK for an ephemeral EC public key, in the field order go-jose writes. */
export interface EcJwk { kty: 'EC'; crv: string; x: string; y: string }

/** What key management adds to a recipient's header. */
export interface WrapResult { alg: string; encryptedKey: Buffer; epk?: EcJwk }

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const KW_BITS: Record<string, number> = { 'ECDH-ES+A128KW': 128, 'ECDH-ES+A192KW': 192, 'ECDH-ES+A256KW': 256 };
const KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex'); // RFC 3394 default IV

function curveOf(key: KeyObject): string {
  const named = key.asymmetricKeyDetails?.namedCurve ?? '';
  const crv = CURVES[named];
  if (!crv) throw new TspodError('INVALID_KEY', `unsupported elliptic curve "${named}" (want P-256, P-384 or P-521)`);
  return crv;
}

/** The JWE algorithm ocicrypt uses for a recipient's public key. */
export function algorithmFor(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RSA-OAEP';
  if (key.asymmetricKeyType === 'ec') {
    curveOf(key);
    return 'ECDH-ES+A256KW';
  }
  throw new TspodError('INVALID_KEY', `unsupported key type "${key.asymmetricKeyType}" for JWE (want RSA or EC)`);
}

/** Concat KDF (NIST SP 800-56A, as RFC 7518 §4.6.2 profiles it) with SHA-256. */
export function concatKdf(z: Buffer, algId: string, bits: number, apu = Buffer.alloc(0), apv = Buffer.alloc(0)): Buffer {
  const lenPrefixed = (b: Buffer) => Buffer.concat([u32(b.length), b]);
  const other = Buffer.concat([lenPrefixed(Buffer.from(algId)), lenPrefixed(apu), lenPrefixed(apv), u32(bits)]);
  const out: Buffer[] = [];
  for (let i = 1; out.length * 32 < bits / 8; i++) out.push(createHash('sha256').update(u32(i)).update(z).update(other).digest());
  return Buffer.concat(out).subarray(0, bits / 8);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function aesKw(encrypt: boolean, kek: Buffer, data: Buffer): Buffer {
  const name = `id-aes${kek.length * 8}-wrap`;
  const c = encrypt ? createCipheriv(name, kek, KW_IV) : createDecipheriv(name, kek, KW_IV);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Wrap the CEK for one recipient. */
export function wrapKey(recipient: KeyObject, cek: Buffer): WrapResult {
  const alg = algorithmFor(recipient);
  if (alg === 'RSA-OAEP') {
    return { alg, encryptedKey: publicEncrypt({ key: recipient, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, cek) };
  }
  const crv = curveOf(recipient);
  const eph = generateKeyPairSync('ec', { namedCurve: recipient.asymmetricKeyDetails!.namedCurve! });
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  const jwk = eph.publicKey.export({ format: 'jwk' });
  const kek = concatKdf(z, alg, KW_BITS[alg]);
  return { alg, encryptedKey: aesKw(true, kek, cek), epk: { kty: 'EC', crv, x: jwk.x!, y: jwk.y! } };
}

/** Header fields key management reads (merged protected + shared + per-recipient header). */
export interface KeyHeader { alg?: string; enc?: string; epk?: EcJwk; apu?: string; apv?: string }

/** Recover the CEK with one private key; throws when the key does not fit. */
export function unwrapKey(priv: KeyObject, h: KeyHeader, encryptedKey: Buffer, cekBytes: number): Buffer {
  switch (h.alg) {
    case 'RSA-OAEP':
    case 'RSA-OAEP-256':
      if (priv.asymmetricKeyType !== 'rsa') throw new TspodError('KEY_MISMATCH', 'not an RSA key');
      return privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: h.alg === 'RSA-OAEP' ? 'sha1' : 'sha256' }, encryptedKey);
    case 'ECDH-ES':
    case 'ECDH-ES+A128KW':
    case 'ECDH-ES+A192KW':
    case 'ECDH-ES+A256KW': {
      if (priv.asymmetricKeyType !== 'ec') throw new TspodError('KEY_MISMATCH', 'not an EC key');
      if (!h.epk) throw new TspodError('INVALID_JWE', 'ECDH-ES recipient without "epk"');
      if (h.epk.crv !== curveOf(priv)) throw new TspodError('KEY_MISMATCH', `key is on ${curveOf(priv)}, the JWE on ${h.epk.crv}`);
      const epk = createPublicKey({ key: { kty: 'EC', crv: h.epk.crv, x: h.epk.x, y: h.epk.y }, format: 'jwk' });
      const z = diffieHellman({ privateKey: priv, publicKey: epk });
      const apu = Buffer.from(h.apu ?? '', 'base64url');
      const apv = Buffer.from(h.apv ?? '', 'base64url');
      // Direct ECDH-ES derives the CEK itself, named after "enc"; the KW variants derive a KEK.
      if (h.alg === 'ECDH-ES') return concatKdf(z, h.enc ?? '', cekBytes * 8, apu, apv);
      return aesKw(false, concatKdf(z, h.alg, KW_BITS[h.alg], apu, apv), encryptedKey);
    }
    default:
      throw new TspodError('INVALID_JWE', `unsupported JWE key algorithm "${h.alg ?? ''}"`);
  }
}
