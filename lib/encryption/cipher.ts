// AES_256_CTR_HMAC_SHA256, ocicrypt's layer cipher: AES-256-CTR with a random 16-byte initial
// counter block ("nonce"), then HMAC-SHA256 keyed with the same 32-byte key over the ciphertext
// (encrypt-then-MAC). CTR keeps sizes: ciphertext length = plaintext length.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual, type Decipher, type Hmac } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TspodError } from '../errors.ts';

export const KEY_SIZE = 32;
export const NONCE_SIZE = 16;

export class LayerAuthenticationError extends TspodError {
  constructor() {
    super('LAYER_DECRYPTION', 'could not properly decrypt byte stream: HMAC mismatch (layer corrupted or tampered with)');
  }
}

/** Result of an encryption, known once the stream has ended. */
export interface EncryptionResult {
  key: Buffer;
  nonce: Buffer;
  /** HMAC-SHA256 of the ciphertext. */
  hmac: Buffer;
  /** sha256 digest and size of the plaintext that went in. */
  plainDigest: string;
  plainSize: number;
}

/** Plaintext in, ciphertext out, with a fresh random key and nonce; result() after the end. */
export class LayerEncryptStream extends Transform {
  readonly key = randomBytes(KEY_SIZE);
  readonly nonce = randomBytes(NONCE_SIZE);
  private readonly cipher = createCipheriv('aes-256-ctr', this.key, this.nonce);
  private readonly mac = createHmac('sha256', this.key);
  private readonly plain = createHash('sha256');
  private n = 0;
  private done?: EncryptionResult;

  constructor() {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.plain.update(chunk);
    this.n += chunk.length;
    const out = this.cipher.update(chunk);
    this.mac.update(out);
    cb(null, out);
  }
  override _flush(cb: TransformCallback): void {
    const rest = this.cipher.final(); // empty for CTR
    if (rest.length) this.mac.update(rest);
    this.done = { key: this.key, nonce: this.nonce, hmac: this.mac.digest(), plainDigest: 'sha256:' + this.plain.digest('hex'), plainSize: this.n };
    cb(null, rest.length ? rest : undefined);
  }
  result(): EncryptionResult {
    if (!this.done) throw new TspodError('INTERNAL', 'layer encryption did not complete');
    return this.done;
  }
}

/**
 * Ciphertext in, plaintext out; at the end, errors instead of ending when the HMAC differs, so a
 * destination reading it discards what it received (as DigestingStream does for digests).
 */
export class LayerDecryptStream extends Transform {
  private readonly decipher: Decipher;
  private readonly mac: Hmac;
  constructor(key: Buffer, nonce: Buffer, private readonly expectedHmac: Buffer) {
    super({ highWaterMark: 1 << 20 });
    if (key.length !== KEY_SIZE) throw new TspodError('LAYER_DECRYPTION', `invalid key length of ${key.length} bytes; need ${KEY_SIZE} bytes`);
    if (nonce.length !== NONCE_SIZE) throw new TspodError('LAYER_DECRYPTION', `invalid nonce length of ${nonce.length} bytes; need ${NONCE_SIZE} bytes`);
    this.decipher = createDecipheriv('aes-256-ctr', key, nonce);
    this.mac = createHmac('sha256', key);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.mac.update(chunk);
    cb(null, this.decipher.update(chunk));
  }
  override _flush(cb: TransformCallback): void {
    const rest = this.decipher.final();
    const got = this.mac.digest();
    if (got.length !== this.expectedHmac.length || !timingSafeEqual(got, this.expectedHmac)) {
      cb(new LayerAuthenticationError());
      return;
    }
    cb(null, rest.length ? rest : undefined);
  }
}
