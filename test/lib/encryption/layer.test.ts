import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decryptLayer, encryptLayer, layersToEncrypt } from '../../../lib/encryption/layer.ts';
import { ANNOTATION_JWE, ANNOTATION_PUBOPTS } from '../../../lib/encryption/types.ts';
import type { Descriptor } from '../../../lib/oci/types.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const plain = randomBytes(100_000);
const digest = 'sha256:' + createHash('sha256').update(plain).digest('hex');

async function through(data: Buffer, s: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([data]), s as any, new Writable({ write(c, _e, cb) { out.push(c); cb(); } }));
  return Buffer.concat(out);
}

async function encrypted(recipients = [rsa.publicKey]): Promise<{ desc: Descriptor; data: Buffer }> {
  const e = encryptLayer({ recipients });
  const data = await through(plain, e.stream);
  const f = e.finish({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', annotations: { keep: 'me' } });
  return { data, desc: { mediaType: f.mediaType, digest: 'sha256:' + createHash('sha256').update(data).digest('hex'), size: data.length, annotations: f.annotations } };
}

test('layersToEncrypt: all by default, negative from the end, out of range is an error', () => {
  assert.equal([...layersToEncrypt({ recipients: [] }, 3)], [0, 1, 2]);
  assert.equal([...layersToEncrypt({ recipients: [], layers: [0, -1] }, 3)].sort(), [0, 2]);
  assert.throws(() => layersToEncrypt({ recipients: [], layers: [3] }, 3), /layer index 3 out of range \(3 layers exist\)/);
  assert.throws(() => layersToEncrypt({ recipients: [], layers: [-4] }, 3), /out of range/);
});

test('an encrypted layer: +encrypted media type, ocicrypt annotations (pubopts in the clear), other annotations kept', async () => {
  const { desc } = await encrypted();
  assert.is(desc.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted');
  assert.is(desc.annotations!.keep, 'me');
  const pub = JSON.parse(Buffer.from(desc.annotations![ANNOTATION_PUBOPTS], 'base64').toString());
  assert.equal(Object.keys(pub), ['cipher', 'hmac', 'cipheroptions']);
  assert.is(pub.cipher, 'AES_256_CTR_HMAC_SHA256');
  assert.is(Buffer.from(pub.hmac, 'base64').length, 32);
  const jwe = JSON.parse(Buffer.from(desc.annotations![ANNOTATION_JWE], 'base64').toString());
  assert.ok(jwe.protected && jwe.encrypted_key && jwe.ciphertext);
});

test('decryptLayer: the private options give back the plaintext and its digest; annotations dropped', async () => {
  const { desc, data } = await encrypted([rsa.publicKey, ec.publicKey]);
  for (const key of [rsa.privateKey, ec.privateKey]) {
    const d = decryptLayer(desc, { keys: [key] });
    assert.is(d.digest, digest);
    assert.is(d.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal(d.annotations, { keep: 'me' });
    assert.ok((await through(data, d.stream)).equals(plain));
  }
});

test('decryptLayer errors: no key, wrong key, no annotations, other schemes only', async () => {
  const { desc } = await encrypted();
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.throws(() => decryptLayer(desc, { keys: [] }), /decrypting layer sha256:[0-9a-f]{64}: missing private key needed for decryption/);
  assert.throws(() => decryptLayer(desc, { keys: [other.privateKey] }), /decrypting layer .*: none of the private keys could decrypt the layer key/);
  assert.throws(() => decryptLayer({ ...desc, annotations: {} }, { keys: [rsa.privateKey] }), /missing annotations needed for decryption/);
  assert.throws(() => decryptLayer({ ...desc, annotations: { 'org.opencontainers.image.enc.keys.pgp': 'x' } }, { keys: [rsa.privateKey] }), /missing private key needed for decryption/);
  assert.throws(() => decryptLayer({ ...desc, annotations: { 'org.opencontainers.image.enc.keys.provider.x': 'x' } }, { keys: [rsa.privateKey] }), /missing annotations needed for decryption/);
});

test.run();
