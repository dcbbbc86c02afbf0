// JWE JSON serialization (RFC 7516 §7.2) as go-jose writes it for ocicrypt: content encrypted
// with A256GCM under a random CEK, the CEK wrapped per recipient (key-wrap.ts). One recipient:
// the flattened form, all header fields protected. Several: the general form, "enc" protected,
// "alg"/"epk" in each recipient's header.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { TspodError, errorMessage } from '../errors.ts';
import { unwrapKey, wrapKey, type KeyHeader, type WrapResult } from './key-wrap.ts';

/** The JSON object on the wire (base64url strings). */
export interface JweJson {
  protected?: string;
  unprotected?: Record<string, unknown>;
  header?: Record<string, unknown>;
  recipients?: Array<{ header?: Record<string, unknown>; encrypted_key?: string }>;
  aad?: string;
  encrypted_key?: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

const ENC_BYTES: Record<string, number> = { A128GCM: 16, A192GCM: 24, A256GCM: 32 };

const b64u = (b: Buffer) => b.toString('base64url');

/** Go's encoding/json writes map keys sorted; protected headers are such maps in go-jose. */
function sortedJson(o: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function recipientHeader(w: WrapResult): Record<string, unknown> {
  return w.epk ? { alg: w.alg, epk: w.epk } : { alg: w.alg };
}

/** Encrypt plaintext to every recipient; returns the serialized JWE. */
export function jweEncrypt(plaintext: Buffer, recipients: KeyObject[]): string {
  if (!recipients.length) throw new TspodError('INVALID_ARGUMENT', 'JWE encryption needs at least one recipient');
  const cek = randomBytes(32);
  const wrapped = recipients.map((r) => wrapKey(r, cek));
  const single = wrapped.length === 1;
  const protectedB64 = b64u(Buffer.from(sortedJson(single ? { ...recipientHeader(wrapped[0]), enc: 'A256GCM' } : { enc: 'A256GCM' })));
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', cek, iv);
  c.setAAD(Buffer.from(protectedB64, 'ascii'));
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  // Member order as go-jose writes them.
  const out: JweJson = {
    protected: protectedB64,
    ...(single ? {} : { recipients: wrapped.map((w) => ({ header: recipientHeader(w), encrypted_key: b64u(w.encryptedKey) })) }),
    ...(single ? { encrypted_key: b64u(wrapped[0].encryptedKey) } : {}),
    iv: b64u(iv),
    ciphertext: b64u(ciphertext),
    tag: b64u(c.getAuthTag()),
  };
  return JSON.stringify(out);
}

function parseJwe(serialized: string): JweJson {
  let j: JweJson;
  try {
    j = JSON.parse(serialized);
  } catch {
    throw new TspodError('INVALID_JWE', 'parsing JWE: not JSON (compact serialization is not used by image encryption)');
  }
  if (!j || typeof j.iv !== 'string' || typeof j.ciphertext !== 'string' || typeof j.tag !== 'string') {
    throw new TspodError('INVALID_JWE', 'parsing JWE: missing iv, ciphertext or tag');
  }
  return j;
}

function decryptContent(j: JweJson, enc: string, cek: Buffer): Buffer {
  const algo = `aes-${ENC_BYTES[enc] * 8}-gcm` as 'aes-256-gcm';
  const d = createDecipheriv(algo, cek, Buffer.from(j.iv, 'base64url'));
  d.setAAD(Buffer.from((j.protected ?? '') + (j.aad !== undefined ? '.' + j.aad : ''), 'ascii'));
  d.setAuthTag(Buffer.from(j.tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(j.ciphertext, 'base64url')), d.final()]);
}

/**
 * Decrypt with the first private key that unwraps a recipient's CEK and authenticates the
 * content. Throws one error listing why each key failed.
 */
export function jweDecrypt(serialized: string, keys: KeyObject[]): Buffer {
  const j = parseJwe(serialized);
  let prot: KeyHeader & Record<string, unknown> = {};
  if (j.protected) {
    try {
      prot = JSON.parse(Buffer.from(j.protected, 'base64url').toString('utf8'));
    } catch {
      throw new TspodError('INVALID_JWE', 'parsing JWE: protected header is not JSON');
    }
  }
  const recipients = j.recipients?.length ? j.recipients : [{ header: j.header, encrypted_key: j.encrypted_key }];
  const failures: string[] = [];
  for (const r of recipients) {
    const h = { ...(j.unprotected ?? {}), ...(r.header ?? {}), ...prot } as KeyHeader;
    const enc = h.enc ?? '';
    if (!ENC_BYTES[enc]) throw new TspodError('INVALID_JWE', `unsupported JWE content encryption "${enc}"`);
    for (const key of keys) {
      try {
        const cek = unwrapKey(key, h, Buffer.from(r.encrypted_key ?? '', 'base64url'), ENC_BYTES[enc]);
        if (cek.length !== ENC_BYTES[enc]) throw new TspodError('KEY_MISMATCH', 'unwrapped key has the wrong length');
        return decryptContent(j, enc, cek);
      } catch (err) {
        // OpenSSL prefixes its reason with a code ("error:02000079:rsa routines::oaep decoding error").
        // A key of another pair fails either way, by chance "data too large for modulus" when the
        // wrapped key is larger than its modulus: one reason, so the message does not vary by luck.
        const reason = errorMessage(err).replace(/^error:[0-9A-F]+:[^:]*::/, '').replace(/^data too large for modulus$/, 'oaep decoding error');
        failures.push(`${h.alg}: ${reason}`);
      }
    }
  }
  throw new TspodError('KEY_MISMATCH', `none of the private keys could decrypt the layer key (${[...new Set(failures)].join('; ') || 'no keys'})`);
}
