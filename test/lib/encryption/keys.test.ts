import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layerCryptoFromFlags, parsePrivateKey, parsePublicKey } from '../../../lib/encryption/keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'tspod-enc-keys-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const file = (name: string, data: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};
const pub = file('pub.pem', rsa.publicKey.export({ type: 'spki', format: 'pem' }));
const priv = file('priv.pem', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }));
const ecPub = file('ec.jwk', JSON.stringify(ec.publicKey.export({ format: 'jwk' })));
const ecSec1 = file('ec.der', ec.privateKey.export({ type: 'sec1', format: 'der' }));
const locked = file('locked.pem', rsa.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sekrit' }));
const edPub = file('ed.pem', ed.publicKey.export({ type: 'spki', format: 'pem' }));

test('public keys: PEM, DER and JWK; a private key is not a public key', () => {
  assert.is(parsePublicKey(Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'der' })))?.asymmetricKeyType, 'rsa');
  assert.is(parsePublicKey(Buffer.from(JSON.stringify(ec.publicKey.export({ format: 'jwk' }))))?.asymmetricKeyType, 'ec');
  assert.is(parsePublicKey(Buffer.from(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)), undefined);
  assert.is(parsePublicKey(Buffer.from(JSON.stringify(ec.privateKey.export({ format: 'jwk' })))), undefined);
  assert.is(parsePublicKey(Buffer.from('junk')), undefined);
});

test('private keys: PKCS#1/PKCS#8/SEC1 PEM or DER, JWK; password errors say what to do', () => {
  assert.is(parsePrivateKey(Buffer.from(ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string))?.asymmetricKeyType, 'ec');
  assert.is(parsePrivateKey(Buffer.from(ec.privateKey.export({ type: 'pkcs8', format: 'der' })))?.asymmetricKeyType, 'ec');
  assert.is(parsePrivateKey(Buffer.from(JSON.stringify(rsa.privateKey.export({ format: 'jwk' }))))?.asymmetricKeyType, 'rsa');
  assert.is(parsePrivateKey(Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string)), undefined);
  assert.throws(() => parsePrivateKey(readFileSync(locked)), /password protected: give the password as PATH:PASSWORD/);
  assert.throws(() => parsePrivateKey(readFileSync(locked), Buffer.from('nope')), /wrong password/);
  assert.is(parsePrivateKey(readFileSync(locked), Buffer.from('sekrit'))?.asymmetricKeyType, 'rsa');
});

test('skopeo flags: jwe: recipients, PATH[:PASSWORD] in every ocicrypt form, --encrypt-layer lists', () => {
  const c = layerCryptoFromFlags({ encryptionKey: [`jwe:${pub}`, `jwe:${ecPub}`], encryptLayer: ['0,-1', '2'], decryptionKey: [priv, ecSec1] })!;
  assert.equal(c.encrypt!.layers, [0, -1, 2]);
  assert.equal(c.encrypt!.recipients.map((k) => k.asymmetricKeyType), ['rsa', 'ec']);
  assert.is(c.decrypt!.keys.length, 2);
  const pwFile = file('pw', 'sekrit');
  for (const spec of [`${locked}:sekrit`, `${locked}:pass=sekrit`, `${locked}:file=${pwFile}`]) {
    assert.is(layerCryptoFromFlags({ decryptionKey: [spec] })!.decrypt!.keys.length, 1, spec);
  }
  assert.is(layerCryptoFromFlags({}), undefined);
});

test('skopeo flags: one-line errors naming the problem', () => {
  const cases: Array<[Parameters<typeof layerCryptoFromFlags>[0], RegExp]> = [
    [{ encryptLayer: ['0'] }, /^--encrypt-layer can only be used with --encryption-key$/],
    [{ encryptionKey: [`jwe:${pub}`], encryptLayer: ['x'] }, /invalid argument "x" for "--encrypt-layer"/],
    [{ encryptionKey: [pub] }, /^invalid encryption keys: invalid recipient format/],
    [{ encryptionKey: [`gpg:${pub}`] }, /^invalid encryption keys: provided protocol "gpg" not recognized$/],
    [{ encryptionKey: [`pgp:nobody-${process.pid}@example.invalid`] }, /^invalid encryption keys: no usable OpenPGP encryption key for "nobody-\d+@example.invalid"/],
    [{ encryptionKey: ['pkcs11:x.yaml'] }, /protocol "pkcs11" is not supported by tspod/],
    [{ encryptionKey: [`pkcs7:${pub}`] }, /^invalid encryption keys: file provided is not an x509 cert/],
    [{ encryptionKey: [`jwe:${priv}`] }, /^invalid encryption keys: file provided is not a public key/],
    [{ encryptionKey: [`jwe:${edPub}`] }, /unsupported key type "ed25519"/],
    [{ encryptionKey: [`jwe:${dir}/missing.pem`] }, /^invalid encryption keys: unable to read file .*missing.pem: no such file or directory$/],
    [{ decryptionKey: [pub] }, /^invalid decryption keys: unidentified private key in file /],
    [{ decryptionKey: [locked] }, /^invalid decryption keys: .*locked.pem: private key is password protected/],
    [{ decryptionKey: [`${locked}:bad`] }, /wrong password for private key/],
  ];
  for (const [flags, re] of cases) {
    try {
      layerCryptoFromFlags(flags);
      assert.unreachable(JSON.stringify(flags));
    } catch (err) {
      assert.match((err as Error).message, re);
      assert.not.match((err as Error).message, /\n/);
    }
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
