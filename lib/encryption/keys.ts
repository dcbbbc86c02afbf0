// Keys for layer encryption from skopeo's flags: `--encryption-key jwe:PUBKEY|pgp:RECIPIENT|pkcs7:CERT`
// and `--decryption-key PRIVKEY[:PASSWORD]` (PEM/DER/JWK private keys, OpenPGP secret key files) (ocicrypt helpers: the password may be `pass=P`,
// `file=PATH`, `fd=N`, or the password itself). Key files are PEM, DER or JWK.
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TspodError } from '../errors.ts';
import { algorithmFor } from './key-wrap.ts';
import { checkGpgRecipient, isGpgSecretKey, type GpgSecretKey } from './pgp.ts';
import type { DecryptConfig, EncryptConfig, LayerCryptoOptions } from './types.ts';

function invalid(which: 'encryption' | 'decryption', msg: string): TspodError {
  return new TspodError('INVALID_KEY', `invalid ${which} keys: ${msg}`);
}

function readKeyFile(which: 'encryption' | 'decryption', path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw invalid(which, `unable to read file ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
  }
}

const pemLabel = (b: Buffer) => /-----BEGIN ([A-Z0-9 ]+)-----/.exec(b.toString('latin1'))?.[1];

function asJwk(b: Buffer): Record<string, unknown> | undefined {
  const s = b.toString('utf8').trim();
  if (!s.startsWith('{')) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** A public key (not a private one: createPublicKey would quietly derive it) or undefined. */
export function parsePublicKey(b: Buffer): KeyObject | undefined {
  try {
    const label = pemLabel(b);
    if (label) return label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY' ? createPublicKey(b) : undefined;
    const jwk = asJwk(b);
    if (jwk) return 'd' in jwk ? undefined : createPublicKey({ key: jwk as any, format: 'jwk' });
    return createPublicKey({ key: b, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** A private key; throws a password error for encrypted keys without (or with a wrong) password. */
export function parsePrivateKey(b: Buffer, password?: Buffer): KeyObject | undefined {
  const label = pemLabel(b);
  try {
    if (label) {
      if (!label.includes('PRIVATE KEY')) return undefined;
      return createPrivateKey({ key: b, format: 'pem', passphrase: password });
    }
    const jwk = asJwk(b);
    if (jwk) return 'd' in jwk ? createPrivateKey({ key: jwk as any, format: 'jwk' }) : undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (label?.startsWith('ENCRYPTED') || /BAD_DECRYPT|MISSING_PASSPHRASE|INTERRUPTED_OR_CANCELLED/.test(code)) {
      throw new TspodError('KEY_PASSWORD', password ? 'wrong password for private key' : 'private key is password protected: give the password as PATH:PASSWORD');
    }
    return undefined;
  }
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: b, format: 'der', type, passphrase: password });
    } catch {
      // try the next DER structure
    }
  }
  return undefined;
}

function parseCertificate(b: Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(b);
  } catch {
    return undefined;
  }
}

/** `--encryption-key` values: `jwe:PUBKEY`, `pgp:RECIPIENT` (GNUPGHOME's keyring), `pkcs7:CERT` (PEM or DER). */
export function encryptConfigFromFlags(specs: string[], layers?: number[]): EncryptConfig {
  const recipients: KeyObject[] = [];
  const gpgRecipients: string[] = [];
  const certificates: X509Certificate[] = [];
  for (const spec of specs) {
    const i = spec.indexOf(':');
    if (i < 0) throw invalid('encryption', `invalid recipient format "${spec}" (want jwe:PATH, pgp:RECIPIENT or pkcs7:CERT)`);
    const [proto, value] = [spec.slice(0, i), spec.slice(i + 1)];
    if (proto === 'provider' || proto === 'pkcs11') throw invalid('encryption', `protocol "${proto}" is not supported by tspod (jwe, pgp and pkcs7 only)`);
    if (proto === 'pgp') {
      checkGpgRecipient(value);
      gpgRecipients.push(value);
      continue;
    }
    if (proto === 'pkcs7') {
      const cert = parseCertificate(readKeyFile('encryption', value));
      if (!cert) throw invalid('encryption', `file provided is not an x509 cert: ${value}`);
      if (cert.publicKey.asymmetricKeyType !== 'rsa') throw invalid('encryption', `${value}: pkcs7 needs a certificate with an RSA key`);
      certificates.push(cert);
      continue;
    }
    if (proto !== 'jwe') throw invalid('encryption', `provided protocol "${proto}" not recognized`);
    const key = parsePublicKey(readKeyFile('encryption', value));
    if (!key) throw invalid('encryption', `file provided is not a public key: ${value}`);
    try {
      algorithmFor(key);
    } catch (err) {
      throw invalid('encryption', `${value}: ${(err as Error).message}`);
    }
    recipients.push(key);
  }
  return { recipients, gpgRecipients, certificates, layers };
}

function readPassword(s: string): Buffer {
  if (s.startsWith('file=')) return readKeyFile('decryption', s.slice(5));
  if (s.startsWith('pass=')) return Buffer.from(s.slice(5));
  if (s.startsWith('fd=')) {
    const fd = Number(s.slice(3));
    if (!Number.isInteger(fd) || fd < 0) throw invalid('decryption', `could not parse file descriptor ${s.slice(3)}`);
    try {
      return readFileSync(fd);
    } catch (err) {
      throw invalid('decryption', `could not read from file descriptor ${fd}: ${(err as Error).message}`);
    }
  }
  return Buffer.from(s);
}

/**
 * `--decryption-key` values: `PATH[:PASSWORD]`. Private keys (JWE, PKCS#7) and OpenPGP secret keys;
 * certificates are passed over (skopeo needs one next to a PKCS#7 key, tspod does not).
 */
export function decryptConfigFromFlags(specs: string[]): DecryptConfig {
  const keys: KeyObject[] = [];
  const gpgKeys: GpgSecretKey[] = [];
  for (const spec of specs) {
    const parts = spec.split(':');
    const path = parts[0];
    const password = parts.length === 2 ? readPassword(parts[1]) : undefined;
    const b = readKeyFile('decryption', path);
    if (isGpgSecretKey(b)) {
      gpgKeys.push({ key: b, password });
      continue;
    }
    let key: KeyObject | undefined;
    try {
      key = parsePrivateKey(b, password);
    } catch (err) {
      throw invalid('decryption', `${path}: ${(err as Error).message}`);
    }
    if (key) keys.push(key);
    else if (!parseCertificate(b)) throw invalid('decryption', `unidentified private key in file ${path}`);
  }
  return { keys, gpgKeys };
}

/** skopeo copy's three flags as they come from the command line (repeatable; layers may be "0,-1"). */
export interface CryptoFlags {
  encryptionKey?: string[];
  encryptLayer?: Array<string | number>;
  decryptionKey?: string[];
}

/** The copy pipeline's crypto options from skopeo's flags, or undefined when none is given. */
export function layerCryptoFromFlags(f: CryptoFlags): LayerCryptoOptions | undefined {
  const enc = f.encryptionKey ?? [];
  const dec = f.decryptionKey ?? [];
  const layerArgs = (f.encryptLayer ?? []).flatMap((v) => String(v).split(',')).filter((v) => v.trim() !== '');
  if (layerArgs.length && !enc.length) throw new TspodError('INVALID_ARGUMENT', '--encrypt-layer can only be used with --encryption-key');
  const layers = layerArgs.map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n)) throw new TspodError('INVALID_ARGUMENT', `invalid argument "${v}" for "--encrypt-layer": not an integer`);
    return n;
  });
  if (!enc.length && !dec.length) return undefined;
  return {
    encrypt: enc.length ? encryptConfigFromFlags(enc, layers) : undefined,
    decrypt: dec.length ? decryptConfigFromFlags(dec) : undefined,
  };
}
