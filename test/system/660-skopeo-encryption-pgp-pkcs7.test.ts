// tspod skopeo copy --encryption-key pgp:RECIPIENT / pkcs7:CERT and --decryption-key with an OpenPGP
// secret key file or a PKCS#7 private key, interoperating with Debian's skopeo 1.9 both ways: what
// one tool encrypts the other decrypts back to the source manifest, byte for byte.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirImage } from '../helpers/dir-image.ts';
import { skopeo as runSkopeo, skopeoSkip, tspodSkopeo } from '../helpers/skopeo.ts';

const skip = skopeoSkip() || (spawnSync('openssl', ['version']).status !== 0 ? 'openssl not installed' : '') || (spawnSync('gpg', ['--version']).status !== 0 ? 'gpg not installed' : '');
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

let dir: string;
let home: string; // GNUPGHOME with the recipient's key pair
let env: NodeJS.ProcessEnv;
const email = `enc-${process.pid}@tspod.invalid`;
const tspod = (args: string[], e = env) => tspodSkopeo(['--insecure-policy', ...args], { env: e });
const skopeo = (args: string[], e = env) => runSkopeo(['--insecure-policy', ...args], { env: e });
const p = (name: string) => join(dir, name);

/** The layer annotations of the "img" tag of an OCI layout. */
function layerAnnotations(layout: string): Record<string, string> {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const m = JSON.parse(readFileSync(join(layout, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
  assert.is(m.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted');
  return m.layers[0].annotations;
}

const ok = (r: { code: number; stderr: string }) => assert.is(r.code, 0, r.stderr);
const sameAsSource = (d: string) => assert.is(readFileSync(join(d, 'manifest.json'), 'utf8'), readFileSync(p('src/manifest.json'), 'utf8'));

test.before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tspod-660-'));
  home = mkdtempSync(join(tmpdir(), 'tg-'));
  env = { ...process.env, GNUPGHOME: home };
  makeDirImage(p('src'));
  const g = (...a: string[]) => execFileSync('gpg', ['--batch', '--passphrase', '', ...a], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  g('--quick-gen-key', `enc <${email}>`, 'rsa2048', 'sign', 'never');
  const fpr = /^fpr:+([0-9A-F]+):/m.exec(execFileSync('gpg', ['--batch', '--with-colons', '--fingerprint'], { env, encoding: 'utf8' }))![1];
  g('--quick-add-key', fpr, 'rsa2048', 'encr', 'never');
  execFileSync('sh', ['-c', `gpg --batch --pinentry-mode loopback --passphrase '' --export-secret-keys > ${p('sec.gpg')}`], { env });
  execFileSync('sh', ['-c', `gpg --batch --armor --pinentry-mode loopback --passphrase '' --export-secret-keys > ${p('sec.asc')}`], { env });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('p7.key'), '-out', p('p7.crt'), '-subj', '/CN=tspod-660', '-days', '2'], { stdio: 'ignore' });
});

test.after(() => {
  if (!dir) return;
  spawnSync('gpgconf', ['--kill', 'all'], { env, stdio: 'ignore' });
  rmSync(home, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

t('pgp: tspod encrypts for a GNUPGHOME recipient, skopeo decrypts with the exported secret key', async () => {
  const r = await tspod(['copy', '--encryption-key', `pgp:${email}`, `dir:${p('src')}`, `oci:${p('t-pgp')}:img`]);
  assert.is(r.code, 0, r.stderr);
  const a = layerAnnotations(p('t-pgp'));
  assert.ok(a['org.opencontainers.image.enc.keys.pgp']);
  assert.not.ok(a['org.opencontainers.image.enc.keys.jwe']);
  // skopeo reads the secret key itself (Go openpgp), without the keyring
  const s = skopeo(['copy', '--decryption-key', p('sec.gpg'), `oci:${p('t-pgp')}:img`, `dir:${p('t-pgp-s')}`], { ...process.env, GNUPGHOME: p('none') });
  assert.is(s.code, 0, s.stderr);
  sameAsSource(p('t-pgp-s'));
});

t('pgp: skopeo encrypts, tspod decrypts with the secret key file (binary or armored), not with a wrong one', async () => {
  const s = skopeo(['copy', '--encryption-key', `pgp:${email}`, `dir:${p('src')}`, `oci:${p('s-pgp')}:img`]);
  assert.is(s.code, 0, s.stderr);
  const noKeyring = { ...process.env, GNUPGHOME: p('none') };
  for (const key of ['sec.gpg', 'sec.asc']) {
    const r = await tspod(['copy', '--decryption-key', p(key), `oci:${p('s-pgp')}:img`, `dir:${p(`s-pgp-${key}`)}`], noKeyring);
    assert.is(r.code, 0, r.stderr);
    sameAsSource(p(`s-pgp-${key}`));
  }
  const wrong = await tspod(['copy', '--decryption-key', p('p7.key'), `oci:${p('s-pgp')}:img`, `dir:${p('s-pgp-wrong')}`], noKeyring);
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /missing private key needed for decryption/);
});

t('pgp: a password-protected secret key takes PATH:PASSWORD; a wrong password says so', async () => {
  const locked = `locked-${process.pid}@tspod.invalid`;
  const g = (...a: string[]) => execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', 'sekret', ...a], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  g('--quick-gen-key', `locked <${locked}>`, 'rsa2048', 'encr', 'never');
  execFileSync('sh', ['-c', `gpg --batch --pinentry-mode loopback --passphrase sekret --export-secret-keys '${locked}' > ${p('locked.gpg')}`], { env });
  ok(await tspod(['copy', '--encryption-key', `pgp:${locked}`, `dir:${p('src')}`, `oci:${p('t-locked')}:img`]));
  const noKeyring = { ...process.env, GNUPGHOME: p('none') };
  const r = await tspod(['copy', '--decryption-key', `${p('locked.gpg')}:sekret`, `oci:${p('t-locked')}:img`, `dir:${p('t-locked-d')}`], noKeyring);
  ok(r);
  sameAsSource(p('t-locked-d'));
  const bad = await tspod(['copy', '--decryption-key', `${p('locked.gpg')}:wrong`, `oci:${p('t-locked')}:img`, `dir:${p('t-locked-bad')}`], noKeyring);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /pgp: none of the private keys could decrypt the layer key \(wrong password for the secret key\)/);
});

t('pgp: an unknown recipient is refused before copying', async () => {
  const r = await tspod(['copy', '--encryption-key', 'pgp:nobody@tspod.invalid', `dir:${p('src')}`, `oci:${p('none-pgp')}:img`]);
  assert.is(r.code, 1);
  assert.match(r.stderr, /no usable OpenPGP encryption key for "nobody@tspod.invalid"/);
});

t('pkcs7: tspod encrypts to a certificate, skopeo decrypts (key + certificate, as it needs)', async () => {
  const r = await tspod(['copy', '--encryption-key', `pkcs7:${p('p7.crt')}`, `dir:${p('src')}`, `oci:${p('t-p7')}:img`]);
  assert.is(r.code, 0, r.stderr);
  assert.ok(layerAnnotations(p('t-p7'))['org.opencontainers.image.enc.keys.pkcs7']);
  const s = skopeo(['copy', '--decryption-key', p('p7.key'), '--decryption-key', p('p7.crt'), `oci:${p('t-p7')}:img`, `dir:${p('t-p7-s')}`]);
  assert.is(s.code, 0, s.stderr);
  sameAsSource(p('t-p7-s'));
});

t('pkcs7: skopeo encrypts, tspod decrypts with the private key alone; pgp+pkcs7 in one copy', async () => {
  const s = skopeo(['copy', '--encryption-key', `pkcs7:${p('p7.crt')}`, `dir:${p('src')}`, `oci:${p('s-p7')}:img`]);
  assert.is(s.code, 0, s.stderr);
  const r = await tspod(['copy', '--decryption-key', p('p7.key'), `oci:${p('s-p7')}:img`, `dir:${p('s-p7-t')}`]);
  assert.is(r.code, 0, r.stderr);
  sameAsSource(p('s-p7-t'));
  const both = await tspod(['copy', '--encryption-key', `pkcs7:${p('p7.crt')}`, '--encryption-key', `pgp:${email}`, `dir:${p('src')}`, `oci:${p('t-both')}:img`]);
  assert.is(both.code, 0, both.stderr);
  const a = layerAnnotations(p('t-both'));
  assert.ok(a['org.opencontainers.image.enc.keys.pkcs7'] && a['org.opencontainers.image.enc.keys.pgp']);
  const viaPgp = skopeo(['copy', '--decryption-key', p('sec.gpg'), `oci:${p('t-both')}:img`, `dir:${p('t-both-s')}`]);
  assert.is(viaPgp.code, 0, viaPgp.stderr);
  sameAsSource(p('t-both-s'));
});

test.run();
