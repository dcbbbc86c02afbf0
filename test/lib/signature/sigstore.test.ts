// Sigstore (cosign format) signing and verification, checked against openssl as the independent peer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigstoreKeyPair, loadPublicKey, loadSigstorePrivateKey, signSigstore, verifySigstore } from '../../../lib/signature/sigstore.ts';
import { signatureFromBlob, signatureToBlob, SIGSTORE_MIME, SIGSTORE_SIGNATURE_ANNOTATION } from '../../../lib/signature/blob.ts';
import { sha256Digest } from '../../../lib/oci/digest.ts';
import { TspodError } from '../../../lib/errors.ts';

let dir: string;
const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}');
const REF = 'registry.example.com/ns/app:1';
const MATCH = { type: 'matchRepoDigestOrExact' } as const;

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tspod-sigstore-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('key pair: cosign encrypted PEM, right passphrase decrypts, wrong one fails', async () => {
  const pair = await generateSigstoreKeyPair(Buffer.from('secret'));
  assert.match(pair.privateKey, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  const body = JSON.parse(Buffer.from(pair.privateKey.split('\n').slice(1, -2).join(''), 'base64').toString());
  assert.equal(body.kdf.name, 'scrypt');
  assert.equal(body.kdf.params, { N: 32768, r: 8, p: 1 });
  assert.is(body.cipher.name, 'nacl/secretbox');
  assert.is(Buffer.from(body.cipher.nonce, 'base64').length, 24);
  assert.match(pair.publicKey, /^-----BEGIN PUBLIC KEY-----/);
  const key = await loadSigstorePrivateKey(pair.privateKey, Buffer.from('secret'));
  assert.is(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  try {
    await loadSigstorePrivateKey(pair.privateKey, Buffer.from('wrong'));
    assert.unreachable();
  } catch (e) {
    assert.is((e as TspodError).code, 'WRONG_PASSPHRASE');
  }
});

test('tspod signature: documented cosign payload, verified by openssl', async () => {
  const pair = await generateSigstoreKeyPair(Buffer.from('pw'));
  const sig = signSigstore(manifest, REF, await loadSigstorePrivateKey(pair.privateKey, Buffer.from('pw')));
  assert.is(sig.format, 'sigstore-json');
  if (sig.format !== 'sigstore-json') return;
  assert.is(sig.mimeType, SIGSTORE_MIME);
  assert.equal(JSON.parse(sig.payload.toString()), {
    critical: { identity: { 'docker-reference': REF }, image: { 'docker-manifest-digest': sha256Digest(manifest) }, type: 'cosign container image signature' },
    optional: null,
  });
  writeFileSync(join(dir, 'pub.pem'), pair.publicKey);
  writeFileSync(join(dir, 'payload'), sig.payload);
  writeFileSync(join(dir, 'sig.der'), Buffer.from(sig.annotations[SIGSTORE_SIGNATURE_ANNOTATION], 'base64'));
  const ok = spawnSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), join(dir, 'payload')], { encoding: 'utf8' });
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /Verified OK/);
  writeFileSync(join(dir, 'payload'), Buffer.concat([sig.payload, Buffer.from(' ')]));
  const bad = spawnSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), join(dir, 'payload')], { encoding: 'utf8' });
  assert.is(bad.status, 1);
  // Round trip through the storage blob form.
  const back = signatureFromBlob(signatureToBlob(sig));
  assert.equal(verifySigstore(back, { publicKeys: [loadPublicKey(Buffer.from(pair.publicKey), 'pub')], manifest, imageReference: REF, signedIdentity: MATCH }).dockerReference, REF);
});

test('a signature made with openssl passes tspod; tampered manifest or wrong key fail', () => {
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'k.pem')]);
  execFileSync('openssl', ['ec', '-in', join(dir, 'k.pem'), '-pubout', '-out', join(dir, 'k.pub')], { stdio: 'ignore' });
  const payload = Buffer.from(JSON.stringify({
    critical: { identity: { 'docker-reference': REF }, image: { 'docker-manifest-digest': sha256Digest(manifest) }, type: 'cosign container image signature' },
    optional: null,
  }));
  writeFileSync(join(dir, 'p2'), payload);
  execFileSync('openssl', ['dgst', '-sha256', '-sign', join(dir, 'k.pem'), '-out', join(dir, 's2.der'), join(dir, 'p2')]);
  const sig = { format: 'sigstore-json' as const, mimeType: SIGSTORE_MIME, payload, annotations: { [SIGSTORE_SIGNATURE_ANNOTATION]: readFileSync(join(dir, 's2.der')).toString('base64') } };
  const pub = loadPublicKey(readFileSync(join(dir, 'k.pub')), 'k.pub');
  assert.is(verifySigstore(sig, { publicKeys: [pub], manifest, imageReference: REF, signedIdentity: MATCH }).manifestDigest, sha256Digest(manifest));
  const reject = (fn: () => unknown, re: RegExp) => {
    try {
      fn();
      assert.unreachable();
    } catch (e) {
      assert.is((e as TspodError).code, 'SIGNATURE_REJECTED');
      assert.match((e as Error).message, re);
    }
  };
  reject(() => verifySigstore(sig, { publicKeys: [pub], manifest: Buffer.concat([manifest, Buffer.from('\n')]), imageReference: REF, signedIdentity: MATCH }), /docker-manifest-digest/);
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'k3.pem')]);
  execFileSync('openssl', ['ec', '-in', join(dir, 'k3.pem'), '-pubout', '-out', join(dir, 'k3.pub')], { stdio: 'ignore' });
  reject(() => verifySigstore(sig, { publicKeys: [loadPublicKey(readFileSync(join(dir, 'k3.pub')), 'k3')], manifest, imageReference: REF, signedIdentity: MATCH }), /verification failed/);
  reject(() => verifySigstore(sig, { publicKeys: [pub], manifest, imageReference: 'registry.example.com/ns/other:1', signedIdentity: MATCH }), /identity/);
});

test.run();
