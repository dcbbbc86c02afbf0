// @rootless
// tspod skopeo: signing and policy interop with the real skopeo (GPG simple signing), sigstore
// signatures checked with openssl, policy errors, exit statuses. Images live in dir: layouts so the
// test needs no registry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { makeGpgKey, type GpgKey } from '../helpers/gpg.ts';
import { makeDirImage } from '../helpers/dir-image.ts';
import { skopeo as runSkopeo, skopeoSkip, tspodSkopeo } from '../helpers/skopeo.ts';

const skip = skopeoSkip();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

let dir: string;
let key: GpgKey;
let other: GpgKey;
let img: string;
const IDENTITY = 'registry.example.com/tspod/signed:1';

const tspod = (args: string[], env?: NodeJS.ProcessEnv) => tspodSkopeo(args, { env });
const skopeo = (args: string[], env?: NodeJS.ProcessEnv) => runSkopeo(args, { env });

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function policyFile(name: string, requirement: object): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify({ default: [{ type: 'reject' }], transports: { dir: { '': [requirement] } } }, null, 2));
  return p;
}

const gpgPolicy = (k: GpgKey) => ({ type: 'signedBy', keyType: 'GPGKeys', keyPath: k.publicKeyPath, signedIdentity: { type: 'exactReference', dockerReference: IDENTITY } });

test.before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tspod-610-'));
  key = makeGpgKey('signer');
  other = makeGpgKey('other');
  img = join(dir, 'img');
  makeDirImage(img);
});
test.after(() => {
  if (skip) return;
  key.cleanup();
  other.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

t('an image tspod signed passes skopeo signedBy; a wrong key or tampered manifest fails both', async () => {
  const signed = join(dir, 'ts-signed');
  const r = await tspod(['--insecure-policy', 'copy', '-q', '--sign-by', key.fingerprint, '--sign-identity', IDENTITY, `dir:${img}`, `dir:${signed}`], key.env);
  assert.is(r.code, 0, r.stderr);
  assert.ok(existsSync(join(signed, 'signature-1')));
  const good = policyFile('good.json', gpgPolicy(key));
  const bad = policyFile('bad.json', gpgPolicy(other));
  const ok = skopeo(['--policy', good, 'copy', '-q', `dir:${signed}`, `dir:${join(dir, 'sk-out1')}`]);
  assert.is(ok.code, 0, ok.stderr);
  const ts = await tspod(['--policy', good, 'copy', '-q', `dir:${signed}`, `dir:${join(dir, 'ts-out1')}`]);
  assert.is(ts.code, 0, ts.stderr);

  const wrong = skopeo(['--policy', bad, 'copy', '-q', `dir:${signed}`, `dir:${join(dir, 'sk-out2')}`]);
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /Source image rejected/);
  const wrongTs = await tspod(['--policy', bad, 'copy', '-q', `dir:${signed}`, `dir:${join(dir, 'ts-out2')}`]);
  assert.is(wrongTs.code, 1);
  assert.match(wrongTs.stderr, /Source image rejected: .*not accepted|Source image rejected: .*unknown key/);

  const m = join(signed, 'manifest.json');
  writeFileSync(m, readFileSync(m, 'utf8') + '\n');
  const tamperedSk = skopeo(['--policy', good, 'copy', '-q', `dir:${signed}`, `dir:${join(dir, 'sk-out3')}`]);
  assert.is(tamperedSk.code, 1);
  assert.match(tamperedSk.stderr, /Source image rejected/);
  const tamperedTs = await tspod(['--policy', good, 'copy', '-q', `dir:${signed}`, `dir:${join(dir, 'ts-out3')}`]);
  assert.is(tamperedTs.code, 1);
  assert.match(tamperedTs.stderr, /Source image rejected: Signature for docker-manifest-digest/);
  assert.ok(!existsSync(join(dir, 'ts-out3', 'manifest.json')), 'nothing written for a rejected image');
});

t('a signature skopeo made passes tspod; an unsigned image is refused', async () => {
  const signed = join(dir, 'sk-signed');
  const s = skopeo(['--insecure-policy', 'copy', '-q', '--sign-by', key.fingerprint, '--sign-identity', IDENTITY, `dir:${img}`, `dir:${signed}`], key.env);
  assert.is(s.code, 0, s.stderr);
  const good = policyFile('good2.json', gpgPolicy(key));
  const r = await tspod(['--policy', good, 'copy', '-q', `dir:${signed}`, `dir:${join(dir, 'ts-out4')}`]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'ts-out4', 'signature-1')), readFileSync(join(signed, 'signature-1')), 'signatures are copied along');
  const unsigned = await tspod(['--policy', good, 'copy', '-q', `dir:${img}`, `dir:${join(dir, 'ts-out5')}`]);
  assert.is(unsigned.code, 1);
  assert.match(unsigned.stderr, /Source image rejected: A signature was required, but no signature exists/);
  const noKey = await tspod(['--insecure-policy', 'copy', '-q', '--sign-by', 'DEADBEEF', '--sign-identity', IDENTITY, `dir:${img}`, `dir:${join(dir, 'no-key')}`], key.env);
  assert.is(noKey.code, 1);
  assert.match(noKey.stderr, /signing with gpg key DEADBEEF: .*No secret key/);
  assert.ok(!existsSync(join(dir, 'no-key', 'manifest.json')), 'nothing committed when signing fails');
  const removed = await tspod(['--insecure-policy', 'copy', '-q', '--remove-signatures', `dir:${signed}`, `dir:${join(dir, 'ts-out6')}`]);
  assert.is(removed.code, 0, removed.stderr);
  assert.ok(!existsSync(join(dir, 'ts-out6', 'signature-1')));
});

t('sigstore: generate-sigstore-key, sign on copy, openssl verifies the signature over the documented payload', async () => {
  writeFileSync(join(dir, 'pass'), 'sekrit\n');
  const prefix = join(dir, 'cosign');
  const g = await tspod(['generate-sigstore-key', '--output-prefix', prefix, '--passphrase-file', join(dir, 'pass')]);
  assert.is(g.code, 0, g.stderr);
  assert.match(readFileSync(`${prefix}.key`, 'utf8'), /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
  const again = await tspod(['generate-sigstore-key', '--output-prefix', prefix, '--passphrase-file', join(dir, 'pass')]);
  assert.is(again.code, 1, 'never overwrites a key');

  const out = join(dir, 'sigstore-signed');
  writeFileSync(join(dir, 'wrongpass'), 'nope\n');
  const wrong = await tspod(['--insecure-policy', 'copy', '-q', '--sign-by-sigstore-private-key', `${prefix}.key`, '--sign-passphrase-file', join(dir, 'wrongpass'), '--sign-identity', IDENTITY, `dir:${img}`, `dir:${out}`]);
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /wrong passphrase/);
  const c = await tspod(['--insecure-policy', 'copy', '-q', '--sign-by-sigstore-private-key', `${prefix}.key`, '--sign-passphrase-file', join(dir, 'pass'), '--sign-identity', IDENTITY, `dir:${img}`, `dir:${out}`]);
  assert.is(c.code, 0, c.stderr);

  const blob = readFileSync(join(out, 'signature-1'));
  assert.is(blob.subarray(0, 15).toString('latin1'), '\0sigstore-json\n');
  const sig = JSON.parse(blob.subarray(15).toString());
  const payload = Buffer.from(sig.payload, 'base64');
  const digest = 'sha256:' + sha(readFileSync(join(out, 'manifest.json')));
  assert.equal(JSON.parse(payload.toString()), { critical: { identity: { 'docker-reference': IDENTITY }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null });
  writeFileSync(join(dir, 'payload'), payload);
  writeFileSync(join(dir, 'sig.der'), Buffer.from(sig.annotations['dev.cosignproject.cosign/signature'], 'base64'));
  const v = spawnSync('openssl', ['dgst', '-sha256', '-verify', `${prefix}.pub`, '-signature', join(dir, 'sig.der'), join(dir, 'payload')], { encoding: 'utf8' });
  assert.is(v.status, 0, v.stderr);

  const pol = policyFile('sigstore.json', { type: 'sigstoreSigned', keyPath: `${prefix}.pub`, signedIdentity: { type: 'exactReference', dockerReference: IDENTITY } });
  const accepted = await tspod(['--policy', pol, 'copy', '-q', `dir:${out}`, `dir:${join(dir, 'ts-out7')}`]);
  assert.is(accepted.code, 0, accepted.stderr);
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'o.pem')]);
  execFileSync('openssl', ['ec', '-in', join(dir, 'o.pem'), '-pubout', '-out', join(dir, 'o.pub')], { stdio: 'ignore' });
  const polBad = policyFile('sigstore-bad.json', { type: 'sigstoreSigned', keyPath: join(dir, 'o.pub'), signedIdentity: { type: 'exactReference', dockerReference: IDENTITY } });
  const refused = await tspod(['--policy', polBad, 'copy', '-q', `dir:${out}`, `dir:${join(dir, 'ts-out8')}`]);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /Source image rejected: cryptographic signature verification failed/);
});

t('policy that does not parse: error names the file and place, exit 1; missing key file too', async () => {
  const p = join(dir, 'broken.json');
  writeFileSync(p, '{\n  "default": [\n    {"type": "insecureAcceptAnything",}\n  ]\n}\n');
  const r = await tspod(['--policy', p, 'copy', `dir:${img}`, `dir:${join(dir, 'never')}`]);
  assert.is(r.code, 1);
  assert.match(r.stderr, new RegExp(`invalid policy in "${p}": line 3, column 39`));
  const p2 = join(dir, 'unknown.json');
  writeFileSync(p2, '{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/nonexistent/key.gpg"}]}');
  const r2 = await tspod(['--policy', p2, 'copy', `dir:${img}`, `dir:${join(dir, 'never')}`]);
  assert.is(r2.code, 1);
  assert.match(r2.stderr, /reading key file "\/nonexistent\/key\.gpg"/);
  const usage = await tspod(['copy', `dir:${img}`]);
  assert.is(usage.code, 1, 'usage errors exit 1 as skopeo');
  const unknown = await tspod(['--insecure-policy', 'copy', `nosuch:${img}`, `dir:${join(dir, 'never')}`]);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /unknown transport "nosuch"/);
});

t('inspect, manifest-digest and standalone-sign/verify agree with skopeo; a missing dir: exits 1 as in skopeo', async () => {
  const ours = await tspod(['inspect', `dir:${img}`]);
  assert.is(ours.code, 0, ours.stderr);
  const theirs = JSON.parse(skopeo(['inspect', `dir:${img}`]).stdout);
  const parsed = JSON.parse(ours.stdout);
  delete parsed.LayersData; // skopeo 1.9 predates LayersData
  assert.equal(parsed, theirs);
  assert.match(ours.stdout, /A=\\u003cb\\u0026c\\u003e/, 'Go JSON escaping');
  const noTags = await tspod(['inspect', '--no-tags', '--tls-verify=false', `dir:${img}`]);
  assert.is(noTags.code, 0, noTags.stderr);
  assert.equal(JSON.parse(noTags.stdout).RepoTags, []);
  assert.is((await tspod(['inspect', '--raw', `dir:${img}`])).stdout, readFileSync(join(img, 'manifest.json'), 'utf8'));
  assert.is((await tspod(['inspect', '--config', '--raw', `dir:${img}`])).stdout, skopeo(['inspect', '--config', '--raw', `dir:${img}`]).stdout);
  // a missing dir: is a plain error (1) for skopeo too: its exit status 2 is for an image a registry,
  // containers-storage or an OCI layout's index does not have (test 640)
  const missing = await tspod(['inspect', `dir:${join(dir, 'nope')}`]);
  assert.is(missing.code, 1, missing.stderr);

  const md = await tspod(['manifest-digest', join(img, 'manifest.json')]);
  assert.is(md.code, 0);
  assert.is(md.stdout, skopeo(['manifest-digest', join(img, 'manifest.json')]).stdout);

  const s = await tspod(['standalone-sign', join(img, 'manifest.json'), IDENTITY, key.fingerprint, '-o', join(dir, 'sa.sig')], key.env);
  assert.is(s.code, 0, s.stderr);
  const v = skopeo(['standalone-verify', join(img, 'manifest.json'), IDENTITY, key.fingerprint, join(dir, 'sa.sig')], key.env);
  assert.is(v.code, 0, v.stderr);
  const v2 = await tspod(['standalone-verify', join(img, 'manifest.json'), IDENTITY, key.fingerprint, join(dir, 'sa.sig')], key.env);
  assert.is(v2.code, 0, v2.stderr);
  assert.match(v2.stdout, new RegExp(`^Signature verified using fingerprint ${key.fingerprint}, digest sha256:`));
  const v3 = await tspod(['standalone-verify', join(img, 'manifest.json'), 'registry.example.com/other:1', key.fingerprint, join(dir, 'sa.sig')], key.env);
  assert.is(v3.code, 1);
});

test.run();
