// GPG simple signing against the system gpg, and against skopeo's standalone-sign/verify as peer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signSimple, verifySimple } from '../../../lib/signature/simple.ts';
import { makeGpgKey, type GpgKey } from '../../helpers/gpg.ts';
import { TspodError } from '../../../lib/errors.ts';

let key: GpgKey;
let other: GpgKey;
let dir: string;
const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}');
const REF = 'registry.example.com/ns/app:1';
const hasSkopeo = spawnSync('skopeo', ['--version']).status === 0;

test.before(() => {
  key = makeGpgKey('signer');
  other = makeGpgKey('other');
  dir = mkdtempSync(join(tmpdir(), 'tspod-simple-'));
  writeFileSync(join(dir, 'manifest.json'), manifest);
});
test.after(() => {
  key.cleanup();
  other.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.is((e as TspodError).code, 'SIGNATURE_REJECTED');
    return (e as Error).message;
  }
  throw new Error('expected a rejection');
}

test('sign and verify round trip; the blob is a binary OpenPGP message', async () => {
  const sig = await signSimple(manifest, REF, key.fingerprint, { homeDir: key.home });
  assert.ok([0xa3, 0xc8, 0x90, 0xc4, 0x88, 0x89, 0xa0, 0xa1, 0xa2].includes(sig[0]), `first byte ${sig[0].toString(16)}`);
  const claims = await verifySimple(sig, { keys: [key.publicKey], manifest, imageReference: REF, signedIdentity: { type: 'matchRepoDigestOrExact' } });
  assert.is(claims.dockerReference, REF);
  assert.is(claims.fingerprint, key.fingerprint);
});

test('tampered manifest, wrong key, wrong identity are rejected', async () => {
  const sig = await signSimple(manifest, REF, key.fingerprint, { homeDir: key.home });
  const tampered = Buffer.from(manifest.toString().replace('"layers":[]', '"layers":[ ]'));
  assert.match(await rejection(verifySimple(sig, { keys: [key.publicKey], manifest: tampered, imageReference: REF, signedIdentity: { type: 'matchRepoDigestOrExact' } })), /docker-manifest-digest/);
  assert.match(await rejection(verifySimple(sig, { keys: [other.publicKey], manifest, imageReference: REF, signedIdentity: { type: 'matchRepoDigestOrExact' } })), /unknown key|not accepted/);
  assert.match(await rejection(verifySimple(sig, { keys: [key.publicKey], manifest, imageReference: 'registry.example.com/ns/app:2', signedIdentity: { type: 'matchRepoDigestOrExact' } })), /identity/);
  const corrupt = Buffer.from(sig);
  corrupt[corrupt.length - 5] ^= 0xff;
  await rejection(verifySimple(corrupt, { keys: [key.publicKey], manifest, imageReference: REF, signedIdentity: { type: 'matchRepoDigestOrExact' } }));
});

test('a signature skopeo made passes; one tspod made passes skopeo standalone-verify', async () => {
  if (!hasSkopeo) {
    console.log('# skip: skopeo not installed');
    return;
  }
  execFileSync('skopeo', ['standalone-sign', join(dir, 'manifest.json'), REF, key.fingerprint, '-o', join(dir, 'sk.sig')], { env: key.env, stdio: 'pipe' });
  const claims = await verifySimple(readFileSync(join(dir, 'sk.sig')), { keys: [key.publicKey], manifest, imageReference: REF, signedIdentity: { type: 'matchExact' } });
  assert.is(claims.dockerReference, REF);

  writeFileSync(join(dir, 'ts.sig'), await signSimple(manifest, REF, key.fingerprint, { homeDir: key.home }));
  const ok = spawnSync('skopeo', ['standalone-verify', join(dir, 'manifest.json'), REF, key.fingerprint, join(dir, 'ts.sig')], { env: key.env, encoding: 'utf8' });
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /Signature verified/);
  // The same signature under another key's keyring, or for a changed manifest, fails in skopeo too.
  const wrongKey = spawnSync('skopeo', ['standalone-verify', join(dir, 'manifest.json'), REF, other.fingerprint, join(dir, 'ts.sig')], { env: other.env, encoding: 'utf8' });
  assert.is(wrongKey.status, 1);
  writeFileSync(join(dir, 'tampered.json'), manifest.toString() + ' ');
  const tampered = spawnSync('skopeo', ['standalone-verify', join(dir, 'tampered.json'), REF, key.fingerprint, join(dir, 'ts.sig')], { env: key.env, encoding: 'utf8' });
  assert.is(tampered.status, 1);
});

test.run();
