import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { constants, createCipheriv, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { jweDecrypt, jweEncrypt } from '../../../lib/encryption/jwe.ts';
import { concatKdf } from '../../../lib/encryption/key-wrap.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const msg = Buffer.from('{"symkey":"x"}');
const header = (s: string) => JSON.parse(Buffer.from(JSON.parse(s).protected, 'base64url').toString());

test('one RSA recipient: flattened JSON, alg RSA-OAEP (SHA-1 OAEP) and enc A256GCM protected', () => {
  const s = jweEncrypt(msg, [rsa.publicKey]);
  const j = JSON.parse(s);
  assert.equal(Object.keys(j), ['protected', 'encrypted_key', 'iv', 'ciphertext', 'tag']);
  assert.equal(header(s), { alg: 'RSA-OAEP', enc: 'A256GCM' });
  const cek = privateDecrypt({ key: rsa.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(j.encrypted_key, 'base64url'));
  assert.is(cek.length, 32);
  assert.ok(jweDecrypt(s, [rsa.privateKey]).equals(msg));
});

test('one EC recipient: ECDH-ES+A256KW with the ephemeral key in the protected header, any NIST curve', () => {
  for (const kp of [p256, p384]) {
    const s = jweEncrypt(msg, [kp.publicKey]);
    const h = header(s);
    assert.is(h.alg, 'ECDH-ES+A256KW');
    assert.equal(Object.keys(h.epk), ['kty', 'crv', 'x', 'y']);
    assert.is(h.epk.crv, kp === p256 ? 'P-256' : 'P-384');
    assert.ok(jweDecrypt(s, [rsa.privateKey, kp.privateKey]).equals(msg));
  }
});

test('several recipients: general JSON, each decrypts alone', () => {
  const s = jweEncrypt(msg, [rsa.publicKey, p256.publicKey]);
  const j = JSON.parse(s);
  assert.equal(header(s), { enc: 'A256GCM' });
  assert.equal(j.recipients.map((r: any) => r.header.alg), ['RSA-OAEP', 'ECDH-ES+A256KW']);
  assert.ok(jweDecrypt(s, [p256.privateKey]).equals(msg));
  assert.ok(jweDecrypt(s, [rsa.privateKey]).equals(msg));
});

test('wrong keys fail with one message naming each reason; tampering fails', () => {
  const s = jweEncrypt(msg, [rsa.publicKey]);
  assert.throws(() => jweDecrypt(s, [other.privateKey, p256.privateKey]), /none of the private keys could decrypt the layer key \(RSA-OAEP: oaep decoding error; RSA-OAEP: not an RSA key\)/);
  const j = JSON.parse(s);
  j.ciphertext = Buffer.from('tampered').toString('base64url');
  assert.throws(() => jweDecrypt(JSON.stringify(j), [rsa.privateKey]), /none of the private keys/);
  assert.throws(() => jweDecrypt('a.b.c.d.e', [rsa.privateKey]), /not JSON/);
});

test('reads what other writers produce: RSA-OAEP-256 in a shared unprotected header, with aad', () => {
  const cek = randomBytes(32);
  const iv = randomBytes(12);
  const prot = Buffer.from(JSON.stringify({ enc: 'A256GCM' })).toString('base64url');
  const aad = Buffer.from('extra').toString('base64url');
  const c = createCipheriv('aes-256-gcm', cek, iv);
  c.setAAD(Buffer.from(`${prot}.${aad}`));
  const ct = Buffer.concat([c.update(msg), c.final()]);
  const jwe = {
    protected: prot, unprotected: { alg: 'RSA-OAEP-256' }, aad,
    encrypted_key: publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek).toString('base64url'),
    iv: iv.toString('base64url'), ciphertext: ct.toString('base64url'), tag: c.getAuthTag().toString('base64url'),
  };
  assert.ok(jweDecrypt(JSON.stringify(jwe), [rsa.privateKey]).equals(msg));
  assert.throws(() => jweDecrypt(JSON.stringify({ ...jwe, aad: 'eA' }), [rsa.privateKey]), /none of the private keys/);
});

test('Concat KDF matches the RFC 7518 appendix C example', () => {
  // RFC 7518 C: Z from the example keys, alg "A128GCM", apu "Alice", apv "Bob", 128 bits.
  const z = Buffer.from([158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128, 106, 72, 246, 218, 167, 121, 140, 254, 144, 196]);
  const k = concatKdf(z, 'A128GCM', 128, Buffer.from('Alice'), Buffer.from('Bob'));
  assert.is(k.toString('base64url'), 'VqqN6vgjbSBcIijNcacQGg');
});

test.run();
