import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LayerDecryptStream, LayerEncryptStream } from '../../../lib/encryption/cipher.ts';

async function run(src: Buffer[], ...through: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await (pipeline as any)(Readable.from(src), ...through, new Writable({ write(c, _e, cb) { out.push(c); cb(); } }));
  return Buffer.concat(out);
}

const plain = randomBytes(300_000);
const chunks = [plain.subarray(0, 7), plain.subarray(7, 100_003), plain.subarray(100_003)];

test('encryption is AES-256-CTR over the nonce as counter block, HMAC-SHA256 over the ciphertext (same key)', async () => {
  const enc = new LayerEncryptStream();
  const ct = await run(chunks, enc);
  const r = enc.result();
  assert.is(ct.length, plain.length);
  assert.is(r.key.length, 32);
  assert.is(r.nonce.length, 16);
  const d = createDecipheriv('aes-256-ctr', r.key, r.nonce);
  assert.ok(Buffer.concat([d.update(ct), d.final()]).equals(plain));
  assert.ok(createHmac('sha256', r.key).update(ct).digest().equals(r.hmac));
  assert.is(r.plainDigest, 'sha256:' + createHash('sha256').update(plain).digest('hex'));
  assert.is(r.plainSize, plain.length);
});

test('decryption round trips; a flipped bit or a wrong HMAC fails at the end', async () => {
  const enc = new LayerEncryptStream();
  const ct = await run(chunks, enc);
  const { key, nonce, hmac } = enc.result();
  assert.ok((await run([ct.subarray(0, 5), ct.subarray(5)], new LayerDecryptStream(key, nonce, hmac))).equals(plain));
  const bad = Buffer.from(ct);
  bad[1234] ^= 1;
  for (const [data, mac] of [[bad, hmac], [ct, randomBytes(32)]] as const) {
    try {
      await run([data], new LayerDecryptStream(key, nonce, mac));
      assert.unreachable('no error');
    } catch (err) {
      assert.match((err as Error).message, /HMAC mismatch/);
      assert.is((err as { code?: string }).code, 'LAYER_DECRYPTION');
    }
  }
});

test('each encryption uses a fresh key and nonce; result() before the end throws', async () => {
  const a = new LayerEncryptStream();
  const b = new LayerEncryptStream();
  assert.throws(() => a.result(), /did not complete/);
  await run([plain], a);
  await run([plain], b);
  assert.not.ok(a.result().key.equals(b.result().key));
  assert.not.ok(a.result().nonce.equals(b.result().nonce));
  assert.throws(() => new LayerDecryptStream(randomBytes(16), randomBytes(16), randomBytes(32)), /key length of 16/);
});

test.run();
