// The copy signing hook: GPG and sigstore together, identities, passphrases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSigner, readPassphraseFile } from '../../../lib/signature/signer.ts';
import { generateSigstoreKeyPair, loadPublicKey, verifySigstore } from '../../../lib/signature/sigstore.ts';
import { signatureFromBlob } from '../../../lib/signature/blob.ts';
import { verifySimple } from '../../../lib/signature/simple.ts';
import { makeGpgKey, type GpgKey } from '../../helpers/gpg.ts';
import { TspodError } from '../../../lib/errors.ts';

let dir: string;
let key: GpgKey;
const manifest = Buffer.from('{"schemaVersion":2}');

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tspod-signer-'));
  key = makeGpgKey();
});
test.after(() => {
  key.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as TspodError).code;
  }
  return 'none';
}

test('passphrase files: first line without its line ending', async () => {
  writeFileSync(join(dir, 'p1'), 'secret\r\nsecond line\n');
  assert.is(await readPassphraseFile(join(dir, 'p1')), 'secret');
  assert.is(await code(readPassphraseFile(join(dir, 'missing'))), 'INVALID_ARGUMENT');
});

test('no signing options: no signer', async () => {
  assert.is(await createSigner({}), undefined);
});

test('GPG and sigstore signatures for the destination reference or --sign-identity', async () => {
  const pair = await generateSigstoreKeyPair(Buffer.from('pw'));
  writeFileSync(join(dir, 'k.key'), pair.privateKey);
  assert.is(await code(createSigner({ signBy: key.fingerprint, sigstorePrivateKey: join(dir, 'k.key'), passphrase: 'pw' })), 'INVALID_ARGUMENT');
  assert.is(await code(createSigner({ sigstorePrivateKey: join(dir, 'k.key') })), 'INVALID_ARGUMENT');
  assert.is(await code(createSigner({ sigstorePrivateKey: join(dir, 'k.key'), passphrase: 'bad' })), 'WRONG_PASSPHRASE');
  assert.is(await code(createSigner({ signBy: key.fingerprint, signIdentity: 'example.com/no-tag' })), 'INVALID_ARGUMENT');

  const sigstore = (await createSigner({ sigstorePrivateKey: join(dir, 'k.key'), passphrase: 'pw' }))!;
  const [blob] = await sigstore(manifest, 'example.com/app:1');
  const claims = verifySigstore(signatureFromBlob(blob), { publicKeys: [loadPublicKey(Buffer.from(pair.publicKey), 'pub')], manifest, imageReference: 'example.com/app:1', signedIdentity: { type: 'matchExact' } });
  assert.is(claims.dockerReference, 'example.com/app:1');
  assert.is(await code(sigstore(manifest, undefined)), 'INVALID_ARGUMENT', 'dir: destinations need --sign-identity');

  process.env.GNUPGHOME = key.home;
  const gpg = (await createSigner({ signBy: key.fingerprint, signIdentity: 'busybox:1' }))!;
  const [g] = await gpg(manifest, undefined);
  const c = await verifySimple(g, { keys: [key.publicKey], manifest, imageReference: 'docker.io/library/busybox:1', signedIdentity: { type: 'matchExact' } });
  assert.is(c.dockerReference, 'docker.io/library/busybox:1', 'identity normalised');
});

test.run();
