// tspod skopeo copy --encryption-key / --encrypt-layer / --decryption-key: OCI layer encryption
// (containers/ocicrypt format) interoperating with the real skopeo both ways, with openssl-made
// RSA and EC keys; decrypted images must be byte-identical to the source (same manifest digest).
// Errors are one line with skopeo's exit status 1, and a failed copy leaves no destination behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type Registry } from '../helpers/registry.ts';
import { CLI, skopeo as runSkopeo, skopeoSkip, tspodSkopeo } from '../helpers/skopeo.ts';

const skip = skopeoSkip() || (spawnSync('openssl', ['version']).status !== 0 ? 'openssl not installed' : '');
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

const ENC_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted';
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

let dir: string;
let reg: Registry | undefined;
let src: string; // oci layout, two gzip layers, tag "img"
const k: Record<string, string> = {};

// both tools without a policy check: these tests are about encryption
const tspod = (args: string[]) => tspodSkopeo(['--insecure-policy', ...args]);
const skopeo = (args: string[]) => runSkopeo(['--insecure-policy', ...args]);

const out = (name: string) => `oci:${join(dir, name)}:img`;

/** The manifest digest and parsed manifest of the "img" tag of a layout. */
function manifestOf(name: string): { digest: string; m: any } {
  const layout = join(dir, name);
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const digest: string = index.manifests.find((d: any) => d.annotations?.['org.opencontainers.image.ref.name'] === 'img').digest;
  return { digest, m: JSON.parse(readFileSync(join(layout, 'blobs/sha256', digest.slice(7)), 'utf8')) };
}

/** A two-layer gzip image in skopeo's dir: format, made with tar and gzip only. */
function makeTwoLayerImage(path: string): void {
  mkdirSync(path, { recursive: true });
  const layers: Buffer[] = [];
  const diffs: string[] = [];
  for (const n of [1, 2]) {
    const rootfs = mkdtempSync(join(tmpdir(), 'tspod-650-rootfs-'));
    writeFileSync(join(rootfs, `file${n}`), `layer ${n} ${Math.random()}\n`.repeat(200));
    const tar = execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '-C', rootfs, '-cf', '-', '.']);
    rmSync(rootfs, { recursive: true, force: true });
    const gz = execFileSync('gzip', ['-n'], { input: tar });
    layers.push(gz);
    diffs.push(`sha256:${sha(tar)}`);
    writeFileSync(join(path, sha(gz)), gz);
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffs }, config: {} }));
  writeFileSync(join(path, sha(config)), config);
  writeFileSync(join(path, 'version'), 'Directory Transport Version: 1.1\n');
  writeFileSync(join(path, 'manifest.json'), JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha(l)}`, size: l.length })),
  }));
}

test.before(async () => {
  if (skip) return;
  reg = existsSync('/usr/bin/docker-registry') ? await startRegistry() : undefined;
  dir = mkdtempSync(join(tmpdir(), 'tspod-650-'));
  const ssl = (...a: string[]) => execFileSync('openssl', a, { stdio: ['ignore', 'ignore', 'pipe'] });
  for (const name of ['rsa', 'wrong']) {
    k[name] = join(dir, `${name}.pem`);
    ssl('genrsa', '-out', k[name], '2048');
  }
  k.rsaPub = join(dir, 'rsa.pub.pem');
  ssl('rsa', '-in', k.rsa, '-pubout', '-out', k.rsaPub);
  k.ecSec1 = join(dir, 'ec.sec1.pem');
  k.ec = join(dir, 'ec.pem'); // PKCS#8: skopeo 1.9 reads only this form of EC key
  k.ecPub = join(dir, 'ec.pub.pem');
  ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', k.ecSec1);
  ssl('pkcs8', '-topk8', '-nocrypt', '-in', k.ecSec1, '-out', k.ec);
  ssl('ec', '-in', k.ecSec1, '-pubout', '-out', k.ecPub);
  k.locked = join(dir, 'locked.pem');
  ssl('pkcs8', '-topk8', '-in', k.rsa, '-out', k.locked, '-passout', 'pass:sekrit');
  makeTwoLayerImage(join(dir, 'dirimg'));
  src = out('src');
  const r = skopeo(['copy', '-q', `dir:${join(dir, 'dirimg')}`, src]);
  assert.is(r.code, 0, r.stderr);
});

test.after(async () => {
  if (skip) return;
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

t('tspod encrypts (RSA, all layers); skopeo decrypts to the identical image', async () => {
  const e = await tspod(['copy', '-q', '--encryption-key', `jwe:${k.rsaPub}`, src, out('ts-enc')]);
  assert.is(e.code, 0, e.stderr);
  const { m } = manifestOf('ts-enc');
  const plain = manifestOf('src').m;
  assert.equal(m.layers.map((l: any) => l.mediaType), [ENC_GZIP, ENC_GZIP]);
  for (const [i, l] of m.layers.entries()) {
    assert.is.not(l.digest, plain.layers[i].digest, 'layer data is encrypted');
    assert.is(l.size, plain.layers[i].size, 'CTR keeps sizes');
    const pub = JSON.parse(Buffer.from(l.annotations['org.opencontainers.image.enc.pubopts'], 'base64').toString());
    assert.is(pub.cipher, 'AES_256_CTR_HMAC_SHA256');
    assert.ok(l.annotations['org.opencontainers.image.enc.keys.jwe']);
  }
  assert.equal(m.config, plain.config, 'the config stays in the clear');
  const d = skopeo(['copy', '-q', '--decryption-key', k.rsa, out('ts-enc'), out('ts-enc-sk-dec')]);
  assert.is(d.code, 0, d.stderr);
  assert.is(manifestOf('ts-enc-sk-dec').digest, manifestOf('src').digest);
  const d2 = await tspod(['copy', '-q', '--decryption-key', k.rsa, out('ts-enc'), out('ts-enc-ts-dec')]);
  assert.is(d2.code, 0, d2.stderr);
  assert.is(manifestOf('ts-enc-ts-dec').digest, manifestOf('src').digest);
});

t('skopeo encrypts (RSA; EC; both recipients); tspod decrypts to the identical image', async () => {
  const cases: Array<[string, string[], string[]]> = [
    ['sk-rsa', [k.rsaPub], [k.rsa]],
    ['sk-ec', [k.ecPub], [k.ecSec1]],
    ['sk-both', [k.ecPub, k.rsaPub], [k.ec]],
    ['sk-both', [k.ecPub, k.rsaPub], [k.wrong, k.rsa]],
  ];
  for (const [name, pubs, privs] of cases) {
    if (!existsSync(join(dir, name))) {
      const e = skopeo(['copy', '-q', ...pubs.flatMap((p) => ['--encryption-key', `jwe:${p}`]), src, out(name)]);
      assert.is(e.code, 0, e.stderr);
      assert.equal(manifestOf(name).m.layers.map((l: any) => l.mediaType), [ENC_GZIP, ENC_GZIP]);
    }
    const target = `${name}-dec-${privs.length}`;
    const d = await tspod(['copy', '-q', ...privs.flatMap((p) => ['--decryption-key', p]), out(name), out(target)]);
    assert.is(d.code, 0, `${name}: ${d.stderr}`);
    assert.is(manifestOf(target).digest, manifestOf('src').digest, name);
  }
});

t('tspod encrypts for an EC and an RSA recipient; skopeo decrypts with either key', async () => {
  const e = await tspod(['copy', '-q', '--encryption-key', `jwe:${k.ecPub}`, '--encryption-key', `jwe:${k.rsaPub}`, src, out('ts-both')]);
  assert.is(e.code, 0, e.stderr);
  for (const key of [k.ec, k.rsa]) {
    const target = `ts-both-${key === k.ec ? 'ec' : 'rsa'}`;
    const d = skopeo(['copy', '-q', '--decryption-key', key, out('ts-both'), out(target)]);
    assert.is(d.code, 0, d.stderr);
    assert.is(manifestOf(target).digest, manifestOf('src').digest);
  }
});

t('zstd: layers recompressed then encrypted (+zstd+encrypted) decrypt the same with either tool', async () => {
  const z = ['--dest-compress-format', 'zstd'];
  const a = await tspod(['copy', '-q', ...z, '--encryption-key', `jwe:${k.rsaPub}`, src, out('ts-zstd')]);
  assert.is(a.code, 0, a.stderr);
  // skopeo records the gzip source digest inside the JWE although it encrypts zstd data: still decryptable
  const b = skopeo(['copy', '-q', ...z, '--encryption-key', `jwe:${k.rsaPub}`, src, out('sk-zstd')]);
  assert.is(b.code, 0, b.stderr);
  for (const name of ['ts-zstd', 'sk-zstd']) {
    assert.ok(manifestOf(name).m.layers.every((l: any) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd+encrypted'), name);
    const viaSk = skopeo(['copy', '-q', '--decryption-key', k.rsa, out(name), out(`${name}-sk`)]);
    assert.is(viaSk.code, 0, viaSk.stderr);
    const viaTs = await tspod(['copy', '-q', '--decryption-key', k.rsa, out(name), out(`${name}-ts`)]);
    assert.is(viaTs.code, 0, viaTs.stderr);
    assert.is(manifestOf(`${name}-ts`).digest, manifestOf(`${name}-sk`).digest, name);
    assert.ok(manifestOf(`${name}-ts`).m.layers.every((l: any) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd'));
  }
  // decrypt and recompress in one copy: zstd+encrypted -> gzip gives the source back
  const c = await tspod(['copy', '-q', '--decryption-key', k.rsa, '--dest-compress-format', 'gzip', out('ts-zstd'), out('ts-zstd-gzip')]);
  assert.is(c.code, 0, c.stderr);
  assert.equal(manifestOf('ts-zstd-gzip').m.layers.map((l: any) => l.mediaType), manifestOf('src').m.layers.map((l: any) => l.mediaType));
});

t('--all: every image of an index is encrypted; both tools decrypt the list to the same one', async () => {
  // An OCI index (one amd64 instance: the source image) as the "img" tag of a copy of the source layout.
  execFileSync('cp', ['-r', join(dir, 'src'), join(dir, 'list')]);
  const { digest, m } = manifestOf('src');
  const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: m.mediaType, digest, size: readFileSync(join(dir, 'src/blobs/sha256', digest.slice(7))).length, platform: { architecture: 'amd64', os: 'linux' } }] }));
  writeFileSync(join(dir, 'list/blobs/sha256', sha(list)), list);
  writeFileSync(join(dir, 'list/index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${sha(list)}`, size: list.length, annotations: { 'org.opencontainers.image.ref.name': 'img' } }] }));
  const e = await tspod(['copy', '-q', '--all', '--encryption-key', `jwe:${k.rsaPub}`, out('list'), out('list-enc')]);
  assert.is(e.code, 0, e.stderr);
  const encList = manifestOf('list-enc').m;
  const inst = JSON.parse(readFileSync(join(dir, 'list-enc/blobs/sha256', encList.manifests[0].digest.slice(7)), 'utf8'));
  assert.ok(inst.layers.every((l: any) => l.mediaType === ENC_GZIP));
  const a = skopeo(['copy', '-q', '--all', '--decryption-key', k.rsa, out('list-enc'), out('list-sk')]);
  assert.is(a.code, 0, a.stderr);
  const b = await tspod(['copy', '-q', '--all', '--decryption-key', k.rsa, out('list-enc'), out('list-ts')]);
  assert.is(b.code, 0, b.stderr);
  assert.is(manifestOf('list-ts').digest, manifestOf('list-sk').digest);
  assert.is(manifestOf('list-ts').m.manifests[0].digest, digest, 'the instance decrypts to the source image');
});

t('--encrypt-layer picks layers (negative from the end, comma lists); the rest stay as they were', async () => {
  const plain = manifestOf('src').m;
  for (const [flags, want] of [[['-1'], [false, true]], [['0'], [true, false]], [['0,-1'], [true, true]]] as const) {
    const name = `ts-layer-${flags.join('_')}`;
    const e = await tspod(['copy', '-q', '--encryption-key', `jwe:${k.rsaPub}`, ...flags.flatMap((f) => ['--encrypt-layer', f]), src, out(name)]);
    assert.is(e.code, 0, e.stderr);
    const { m } = manifestOf(name);
    assert.equal(m.layers.map((l: any) => l.mediaType === ENC_GZIP), want, name);
    m.layers.forEach((l: any, i: number) => { if (!want[i]) assert.equal(l, plain.layers[i]); });
    const d = skopeo(['copy', '-q', '--decryption-key', k.rsa, out(name), out(`${name}-dec`)]);
    assert.is(d.code, 0, d.stderr);
    assert.is(manifestOf(`${name}-dec`).digest, manifestOf('src').digest);
  }
});

t('without a decryption key an encrypted image is copied as it is, as skopeo does', async () => {
  const a = await tspod(['copy', '-q', out('sk-rsa'), out('as-is-ts')]);
  assert.is(a.code, 0, a.stderr);
  const b = skopeo(['copy', '-q', out('sk-rsa'), out('as-is-sk')]);
  assert.is(b.code, 0, b.stderr);
  assert.is(manifestOf('as-is-ts').digest, manifestOf('sk-rsa').digest);
  assert.is(manifestOf('as-is-sk').digest, manifestOf('sk-rsa').digest);
  const v = await tspod(['copy', '-q', '--decryption-key', k.rsa, src, out('plain-with-key')]);
  assert.is(v.code, 0, 'a key for an image that is not encrypted is not an error');
  assert.is(manifestOf('plain-with-key').digest, manifestOf('src').digest);
});

t('a password-protected key works as PATH:PASSWORD (and PATH:pass=PASSWORD)', async () => {
  for (const spec of [`${k.locked}:sekrit`, `${k.locked}:pass=sekrit`]) {
    const target = `locked-${spec.endsWith('pass=sekrit') ? 'pass' : 'plain'}`;
    const d = await tspod(['copy', '-q', '--decryption-key', spec, out('sk-rsa'), out(target)]);
    assert.is(d.code, 0, d.stderr);
    assert.is(manifestOf(target).digest, manifestOf('src').digest);
  }
});

t('through a registry: tspod pushes encrypted, skopeo pulls and decrypts; skopeo pushes, tspod decrypts', async () => {
  if (!reg) return console.log('# docker-registry not installed: registry case skipped');
  const repo = `docker://${reg.host}/enc-${Math.random().toString(36).slice(2, 8)}`;
  const tls = ['--dest-tls-verify=false'];
  const e = await tspod(['copy', '-q', ...tls, '--encryption-key', `jwe:${k.ecPub}`, src, `${repo}:ts`]);
  assert.is(e.code, 0, e.stderr);
  const d = skopeo(['copy', '-q', '--src-tls-verify=false', '--decryption-key', k.ec, `${repo}:ts`, out('reg-sk-dec')]);
  assert.is(d.code, 0, d.stderr);
  assert.is(manifestOf('reg-sk-dec').digest, manifestOf('src').digest);
  const e2 = skopeo(['copy', '-q', ...tls, '--encryption-key', `jwe:${k.rsaPub}`, src, `${repo}:sk`]);
  assert.is(e2.code, 0, e2.stderr);
  const d2 = await tspod(['copy', '-q', '--src-tls-verify=false', '--decryption-key', k.rsa, `${repo}:sk`, out('reg-ts-dec')]);
  assert.is(d2.code, 0, d2.stderr);
  assert.is(manifestOf('reg-ts-dec').digest, manifestOf('src').digest);
});

t('decrypting into containers-storage gives the source image; without a key the pull fails', async () => {
  const store = `containers-storage:[overlay@${join(dir, 'store/root')}+${join(dir, 'store/run')}]`;
  const d = await tspod(['copy', '-q', '--decryption-key', k.rsa, out('sk-rsa'), `${store}localhost/dec:1`]);
  assert.is(d.code, 0, d.stderr);
  const r = spawnSync(process.execPath, [CLI, '--root', join(dir, 'store/root'), '--runroot', join(dir, 'store/run'), 'image', 'inspect', '--format', '{{.Digest}}', 'localhost/dec:1'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), manifestOf('src').digest);
  const n = await tspod(['copy', '-q', out('sk-rsa'), `${store}localhost/enc:1`]);
  assert.is(n.code, 1, 'an encrypted layer is not a tar archive (podman 4.3 fails the same way)');
});

/** A one-line "Error: ..." and exit status 1; the destination directory does not exist afterwards. */
async function fails(args: string[], dest: string, re: RegExp): Promise<void> {
  const r = await tspod([...args, out(dest)]);
  assert.is(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, r.stderr);
  assert.match(lines[0], /^Error: /);
  assert.match(lines[0], re);
  assert.ok(!existsSync(join(dir, dest)), `${dest} left behind`);
}

t('wrong, missing or locked keys: one-line errors, exit 1, nothing left behind (skopeo exits 1 too)', async () => {
  await fails(['copy', '--decryption-key', k.wrong, out('sk-rsa')], 'e-wrong', /decrypting layer sha256:[0-9a-f]{64}: none of the private keys could decrypt the layer key \(RSA-OAEP: oaep decoding error\)/);
  assert.is(skopeo(['copy', '-q', '--decryption-key', k.wrong, out('sk-rsa'), out('e-wrong-sk')]).code, 1);
  await fails(['copy', '--decryption-key', k.ec, out('sk-rsa')], 'e-ec-for-rsa', /RSA-OAEP: not an RSA key/);
  await fails(['copy', '--decryption-key', join(dir, 'nope.pem'), out('sk-rsa')], 'e-nofile', /invalid decryption keys: unable to read file .*nope.pem: no such file or directory/);
  await fails(['copy', '--decryption-key', k.rsaPub, out('sk-rsa')], 'e-pub', /invalid decryption keys: unidentified private key in file/);
  await fails(['copy', '--decryption-key', k.locked, out('sk-rsa')], 'e-locked', /private key is password protected: give the password as PATH:PASSWORD/);
  await fails(['copy', '--decryption-key', `${k.locked}:nope`, out('sk-rsa')], 'e-badpw', /wrong password for private key/);
  await fails(['copy', '--encryption-key', `jwe:${k.rsa}`, src], 'e-privpub', /invalid encryption keys: file provided is not a public key/);
  assert.is(skopeo(['copy', '-q', '--encryption-key', `jwe:${k.rsa}`, src, out('e-privpub-sk')]).code, 1);
  await fails(['copy', '--encryption-key', `foo:${k.rsaPub}`, src], 'e-proto', /invalid encryption keys: provided protocol "foo" not recognized/);
  await fails(['copy', '--encrypt-layer', '0', src], 'e-nolayerkey', /--encrypt-layer can only be used with --encryption-key/);
  await fails(['copy', '--encryption-key', `jwe:${k.rsaPub}`, '--encrypt-layer', '2', src], 'e-range', /layer index 2 out of range \(2 layers exist\)/);
  await fails(['copy', '--encryption-key', `jwe:${k.rsaPub}`, '-f', 'v2s2', src], 'e-v2s2', /encrypted layers need an OCI manifest, which --format v2s2 does not allow/);
  await fails(['copy', '--encryption-key', `jwe:${k.rsaPub}`, '--preserve-digests', src], 'e-preserve', /preserving digests is not possible/);
  const archive = await tspod(['copy', out('sk-rsa'), `docker-archive:${join(dir, 'e-archive.tar')}`]);
  assert.is(archive.code, 1);
  assert.match(archive.stderr, /encrypted layers need an OCI manifest, which the destination docker-archive:.* does not accept \(use --decryption-key to decrypt them\)/);
  assert.ok(!existsSync(join(dir, 'e-archive.tar')));
});

t('a tampered encrypted layer fails the HMAC check: exit 1, nothing written; skopeo refuses it too', async () => {
  // Flip one byte of an encrypted layer and re-address it, so only the HMAC can notice.
  const from = join(dir, 'sk-rsa');
  const to = join(dir, 'tampered');
  execFileSync('cp', ['-r', from, to]);
  const { m } = manifestOf('tampered');
  const blob = readFileSync(join(to, 'blobs/sha256', m.layers[1].digest.slice(7)));
  blob[blob.length >> 1] ^= 0xff;
  writeFileSync(join(to, 'blobs/sha256', sha(blob)), blob);
  m.layers[1].digest = `sha256:${sha(blob)}`;
  const mb = Buffer.from(JSON.stringify(m));
  writeFileSync(join(to, 'blobs/sha256', sha(mb)), mb);
  writeFileSync(join(to, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: m.mediaType, digest: `sha256:${sha(mb)}`, size: mb.length, annotations: { 'org.opencontainers.image.ref.name': 'img' } }] }));
  await fails(['copy', '--decryption-key', k.rsa, out('tampered')], 'tampered-dec', /HMAC mismatch/);
  assert.is(skopeo(['copy', '-q', '--decryption-key', k.rsa, out('tampered'), out('tampered-sk')]).code, 1);
});

test.run();
