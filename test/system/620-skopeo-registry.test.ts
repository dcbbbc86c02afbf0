// tspod skopeo against a real registry, with skopeo as the peer: signatures in a lookaside store
// (registries.d), sigstore attachments checked with openssl, list-tags, inspect, delete, sync and
// exit status 2 for a missing image.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { makeGpgKey, type GpgKey } from '../helpers/gpg.ts';
import { makeDirImage } from '../helpers/dir-image.ts';
import { startRegistry, type Registry } from '../helpers/registry.ts';
import { fixtureEnv } from '../helpers/global-setup.ts';
import { skopeo as runSkopeo, skopeoSkip, tspodSkopeo } from '../helpers/skopeo.ts';

const skip = skopeoSkip();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

let dir: string;
let key: GpgKey;
let other: GpgKey;
let reg: Registry;
let img: string;
let regd: string;
let repo: string;

// both tools read the signature storage of this test's registries.d
const tspod = (args: string[], env?: NodeJS.ProcessEnv) => tspodSkopeo(['--registries.d', regd, ...args], { env });
const skopeo = (args: string[], env?: NodeJS.ProcessEnv) => runSkopeo(['--registries.d', regd, ...args], { env });

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function policy(name: string, requirement: object): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [reg.host]: [requirement] } } }));
  return p;
}

test.before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'tspod-620-'));
  key = makeGpgKey('signer');
  other = makeGpgKey('other');
  reg = await startRegistry();
  img = join(dir, 'img');
  makeDirImage(img);
  regd = join(dir, 'registries.d');
  mkdirSync(regd);
  writeFileSync(join(regd, 'test.yaml'), `docker:\n  ${reg.host}:\n    lookaside: file://${join(dir, 'sigs')}\n    use-sigstore-attachments: true\n`);
  repo = `${reg.host}/t${Math.random().toString(36).slice(2, 8)}/app`;
  const push = await tspod(['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `dir:${img}`, `docker://${repo}:1`]);
  assert.is(push.code, 0, push.stderr);
});
test.after(async () => {
  if (skip) return;
  key.cleanup();
  other.cleanup();
  await reg.stop();
  rmSync(dir, { recursive: true, force: true });
});

t('GPG: tspod signs into the lookaside and skopeo accepts it; skopeo signs and tspod accepts; a wrong key fails both', async () => {
  const s = await tspod(['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', '--sign-by', key.fingerprint, `docker://${repo}:1`, `docker://${repo}:ts-signed`], key.env);
  assert.is(s.code, 0, s.stderr);
  const digest = 'sha256:' + sha(readFileSync(join(img, 'manifest.json')));
  const path = repo.split('/').slice(1).join('/');
  assert.ok(existsSync(join(dir, 'sigs', `${path}@sha256=${digest.slice(7)}`, 'signature-1')), 'lookaside layout');
  const good = policy('good.json', { type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicKeyPath });
  const bad = policy('bad.json', { type: 'signedBy', keyType: 'GPGKeys', keyPath: other.publicKeyPath });
  const ok = skopeo(['--policy', good, 'copy', '-q', '--src-tls-verify=false', `docker://${repo}:ts-signed`, `dir:${join(dir, 'o1')}`]);
  assert.is(ok.code, 0, ok.stderr);
  const no = skopeo(['--policy', bad, 'copy', '-q', '--src-tls-verify=false', `docker://${repo}:ts-signed`, `dir:${join(dir, 'o2')}`]);
  assert.is(no.code, 1);
  // The signature names repo:ts-signed; pulling the same digest under another tag is refused (matchRepoDigestOrExact).
  const otherTag = await tspod(['--policy', good, 'copy', '-q', '--src-tls-verify=false', `docker://${repo}:1`, `dir:${join(dir, 'o3')}`]);
  assert.is(otherTag.code, 1);
  assert.match(otherTag.stderr, /Source image rejected: Signature for identity/);

  const sk = skopeo(['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', '--sign-by', key.fingerprint, `docker://${repo}:1`, `docker://${repo}:sk-signed`], key.env);
  assert.is(sk.code, 0, sk.stderr);
  const r = await tspod(['--policy', good, 'copy', '-q', '--src-tls-verify=false', `docker://${repo}:sk-signed`, `dir:${join(dir, 'o4')}`]);
  assert.is(r.code, 0, r.stderr);
  const r2 = await tspod(['--policy', bad, 'copy', '-q', '--src-tls-verify=false', `docker://${repo}:sk-signed`, `dir:${join(dir, 'o5')}`]);
  assert.is(r2.code, 1);
  assert.match(r2.stderr, /Source image rejected/);
});

t('sigstore: attachments tag holds the payload and annotation; openssl verifies; tspod policy accepts', async () => {
  writeFileSync(join(dir, 'pass'), 'pw\n');
  const prefix = join(dir, 'cosign');
  assert.is((await tspod(['generate-sigstore-key', '--output-prefix', prefix, '--passphrase-file', join(dir, 'pass')])).code, 0);
  const c = await tspod(['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', '--sign-by-sigstore-private-key', `${prefix}.key`, '--sign-passphrase-file', join(dir, 'pass'), `docker://${repo}:1`, `docker://${repo}:cosigned`]);
  assert.is(c.code, 0, c.stderr);
  const digest = 'sha256:' + sha(readFileSync(join(img, 'manifest.json')));
  const sigTag = `sha256-${digest.slice(7)}.sig`;
  const raw = skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${repo}:${sigTag}`]);
  assert.is(raw.code, 0, raw.stderr);
  const m = JSON.parse(raw.stdout);
  assert.is(m.layers.length, 1);
  assert.is(m.layers[0].mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
  const out = join(dir, 'sigimg');
  const cp = skopeo(['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', `docker://${repo}:${sigTag}`, `dir:${out}`]);
  assert.is(cp.code, 0, cp.stderr);
  const payload = readFileSync(join(out, m.layers[0].digest.slice(7)));
  assert.equal(JSON.parse(payload.toString()).critical, { identity: { 'docker-reference': `${repo}:cosigned` }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' });
  writeFileSync(join(dir, 'sig.der'), Buffer.from(m.layers[0].annotations['dev.cosignproject.cosign/signature'], 'base64'));
  const v = spawnSync('openssl', ['dgst', '-sha256', '-verify', `${prefix}.pub`, '-signature', join(dir, 'sig.der'), join(out, m.layers[0].digest.slice(7))], { encoding: 'utf8' });
  assert.is(v.status, 0, v.stderr);
  const pol = policy('sigstore.json', { type: 'sigstoreSigned', keyPath: `${prefix}.pub` });
  const acc = await tspod(['--policy', pol, 'copy', '-q', '--src-tls-verify=false', `docker://${repo}:cosigned`, `dir:${join(dir, 'o6')}`]);
  assert.is(acc.code, 0, acc.stderr);
  const unsigned = await tspod(['--policy', pol, 'copy', '-q', '--src-tls-verify=false', `docker://${repo}:1`, `dir:${join(dir, 'o7')}`]);
  assert.is(unsigned.code, 1);
});

t('list-tags and inspect match skopeo; a missing image exits 2', async () => {
  const ours = await tspod(['list-tags', '--tls-verify=false', `docker://${repo}`]);
  assert.is(ours.code, 0, ours.stderr);
  const theirs = skopeo(['list-tags', '--tls-verify=false', `docker://${repo}`]);
  const a = JSON.parse(ours.stdout);
  const b = JSON.parse(theirs.stdout);
  assert.is(a.Repository, b.Repository);
  assert.equal([...a.Tags].sort(), [...b.Tags].sort());
  const i1 = await tspod(['inspect', '--tls-verify=false', `docker://${repo}:1`]);
  assert.is(i1.code, 0, i1.stderr);
  const j1 = JSON.parse(i1.stdout);
  const j2 = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${repo}:1`]).stdout);
  delete j1.LayersData;
  j1.RepoTags.sort();
  j2.RepoTags.sort();
  assert.equal(j1, j2);
  const noTags = await tspod(['inspect', '-n', '--tls-verify=false', `docker://${repo}:1`]);
  assert.is(noTags.code, 0, noTags.stderr);
  assert.equal(JSON.parse(noTags.stdout).RepoTags, []);
  const missing = await tspod(['inspect', '--tls-verify=false', `docker://${repo}:nope`]);
  assert.is(missing.code, 2, missing.stderr);
  const missingCopy = await tspod(['--insecure-policy', 'copy', '--src-tls-verify=false', `docker://${repo}:nope`, `dir:${join(dir, 'o8')}`]);
  assert.is(missingCopy.code, 2, missingCopy.stderr);
  const tagged = await tspod(['list-tags', '--tls-verify=false', `docker://${repo}:1`]);
  assert.is(tagged.code, 1);
});

t('multi-arch fixture: inspect like skopeo for the host and --override-arch; --raw is the index; auth via --creds', async () => {
  const fx = await fixtureEnv();
  const name = `docker://${fx.registry}/multiarch:latest`;
  for (const extra of [[], ['--override-arch', 'arm64', '--override-variant', 'v8'], ['--override-arch', 'amd64']]) {
    const ours = await tspod([...extra, 'inspect', '--tls-verify=false', name]);
    assert.is(ours.code, 0, ours.stderr);
    const theirs = skopeo([...extra, 'inspect', '--tls-verify=false', name]);
    assert.is(theirs.code, 0, theirs.stderr);
    const a = JSON.parse(ours.stdout);
    const b = JSON.parse(theirs.stdout);
    delete a.LayersData;
    a.RepoTags.sort();
    b.RepoTags.sort();
    assert.equal(a, b, extra.join(' '));
  }
  assert.is((await tspod(['inspect', '--raw', '--tls-verify=false', name])).stdout, skopeo(['inspect', '--raw', '--tls-verify=false', name]).stdout);
  for (const fixture of ['layered:latest', 'layered:v2s2', 'multiarch:v2s2']) {
    const ref = `docker://${fx.registry}/${fixture}`;
    const ours = await tspod(['inspect', '--config', '--tls-verify=false', ref]);
    assert.is(ours.code, 0, ours.stderr);
    assert.is(ours.stdout, skopeo(['inspect', '--config', '--tls-verify=false', ref]).stdout, `--config of ${fixture}`);
  }

  const dest = `docker://${fx.token}/t${Math.random().toString(36).slice(2, 8)}/app:1`;
  const denied = await tspod(['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', `dir:${img}`, dest]);
  assert.is(denied.code, 1);
  const creds = `${fx.username}:${fx.password}`;
  const pushed = await tspod(['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', '--dest-creds', creds, `dir:${img}`, dest]);
  assert.is(pushed.code, 0, pushed.stderr);
  const tags = await tspod(['list-tags', '--tls-verify=false', '--creds', creds, dest.replace(/:1$/, '')]);
  assert.is(tags.code, 0, tags.stderr);
  assert.equal(JSON.parse(tags.stdout).Tags, ['1']);
});

t('sync a repository to a directory tree (plain and --scoped), then delete', async () => {
  const flat = join(dir, 'sync-flat');
  const s = await tspod(['--insecure-policy', 'sync', '--src', 'docker', '--dest', 'dir', '--src-tls-verify=false', repo, flat]);
  assert.is(s.code, 0, s.stderr);
  assert.match(s.stdout, /Synced \d+ images from 1 sources/);
  assert.ok(readdirSync(flat).includes('app:1'));
  const scoped = join(dir, 'sync-scoped');
  const s2 = await tspod(['--insecure-policy', 'sync', '--scoped', '--src', 'docker', '--dest', 'dir', '--src-tls-verify=false', `${repo}:1`, scoped]);
  assert.is(s2.code, 0, s2.stderr);
  assert.ok(existsSync(join(scoped, `${repo}:1`, 'manifest.json')));

  const back = await tspod(['--insecure-policy', 'sync', '--src', 'dir', '--dest', 'docker', '--dest-tls-verify=false', join(flat, 'app:1'), `${reg.host}/fromdir`]);
  assert.is(back.code, 0, back.stderr);
  assert.is(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/fromdir/app:1`]).stdout, readFileSync(join(img, 'manifest.json'), 'utf8'));
  const yamlFile = join(dir, 'sync.yaml');
  const [host, ...rest] = repo.split('/');
  writeFileSync(yamlFile, `${host}:\n  tls-verify: false\n  images:\n    ${rest.join('/')}: ["1"]\n`);
  const s3 = await tspod(['--insecure-policy', 'sync', '--src', 'yaml', '--dest', 'docker', '--dest-tls-verify=false', yamlFile, `${host}/mirror`]);
  assert.is(s3.code, 0, s3.stderr);
  assert.match(s3.stdout, /Synced 1 images from 1 sources/);
  assert.is(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${host}/mirror/app:1`]).stdout, readFileSync(join(img, 'manifest.json'), 'utf8'));

  const d = await tspod(['delete', '--tls-verify=false', `docker://${repo}:sk-signed`]);
  assert.is(d.code, 0, d.stderr);
  const gone = skopeo(['inspect', '--tls-verify=false', `docker://${repo}:sk-signed`]);
  assert.is(gone.code, 1);
});

test.run();
