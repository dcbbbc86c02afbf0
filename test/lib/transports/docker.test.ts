// The docker:// transport against a real registry (Debian's docker-registry): round trips keep the
// manifest digest, skopeo reads what tspod wrote and the other way round, a blob the registry serves
// corrupted fails the copy and leaves nothing, --all keeps the index, delete by tag.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyImage, type CopyOptions } from '../../../lib/copy/index.ts';
import { parseImageName } from '../../../lib/transports/index.ts';
import { startRegistry, type Registry } from '../../helpers/registry.ts';
import { makeImage, sha256, writeDirImage, writeDirIndex, type FixtureImage } from '../copy/fixture.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tspod-docker-test-'));
process.env.TSPOD_BLOB_INFO_CACHE = join(tmp, 'blob-cache.json');
let reg: Registry;
let img: FixtureImage;
const ctx = { tlsVerify: false };
const SRC = join(tmp, 'src');

async function copy(src: string, dest: string, opts: CopyOptions = {}) {
  return copyImage(await parseImageName(src), await parseImageName(dest), { srcCtx: ctx, destCtx: ctx, ...opts });
}
function skopeo(...args: string[]): string {
  return execFileSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.match((err as Error).message, re);
    return;
  }
  throw new Error('expected an error');
}

test.before(async () => {
  reg = await startRegistry();
  img = await makeImage({ layers: 3, size: 64 * 1024 });
  writeDirImage(SRC, img);
});
test.after(async () => {
  await reg.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('dir -> docker -> docker (another repo) -> oci -> dir keeps the manifest digest', async () => {
  const a = `docker://${reg.host}/rt/a:1`;
  const b = `docker://${reg.host}/rt/b:2`;
  assert.is((await copy(`dir:${SRC}`, a)).manifestDigest, img.manifestDigest);
  assert.is((await copy(a, b)).manifestDigest, img.manifestDigest);
  assert.is((await copy(b, `oci:${tmp}/rt-oci:x`)).manifestDigest, img.manifestDigest);
  assert.is((await copy(`oci:${tmp}/rt-oci:x`, `dir:${tmp}/rt-dir`)).manifestDigest, img.manifestDigest);
  // the second push skipped or mounted every blob; the destination repo serves them all
  const m = JSON.parse(skopeo('inspect', '--tls-verify=false', '--raw', b));
  assert.is(m.layers.length, 3);
  skopeo('copy', '-q', '--src-tls-verify=false', b, `dir:${tmp}/sk-check`);
  // by digest
  assert.is((await copy(`docker://${reg.host}/rt/b@${img.manifestDigest}`, `dir:${tmp}/by-digest`)).manifestDigest, img.manifestDigest);
});

test('skopeo reads what tspod pushed; tspod reads what skopeo pushed', async () => {
  const t = `docker://${reg.host}/peer/tspod:1`;
  await copy(`dir:${SRC}`, t);
  assert.is(sha256(Buffer.from(skopeo('inspect', '--tls-verify=false', '--raw', t))), img.manifestDigest);
  const s = `docker://${reg.host}/peer/skopeo:1`;
  skopeo('copy', '-q', '--dest-tls-verify=false', `dir:${SRC}`, s);
  assert.is((await copy(s, `dir:${tmp}/from-skopeo`)).manifestDigest, img.manifestDigest);
  // a format conversion on push gives skopeo's digest
  const conv = await copy(`dir:${SRC}`, `docker://${reg.host}/peer/v2s2:1`, { format: 'v2s2' });
  skopeo('copy', '-q', '--format', 'v2s2', '--dest-tls-verify=false', `dir:${SRC}`, `docker://${reg.host}/peer/v2s2-sk:1`);
  assert.is(conv.manifestDigest, sha256(Buffer.from(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/peer/v2s2-sk:1`))));
});

test('a blob the registry serves corrupted fails the copy and leaves no image', async () => {
  const name = `docker://${reg.host}/corrupt/x:1`;
  await copy(`dir:${SRC}`, name);
  const l = img.layers[2];
  const blobFile = join(reg.dir, 'storage/docker/registry/v2/blobs/sha256', l.digest.slice(7, 9), l.digest.slice(7), 'data');
  assert.ok(existsSync(blobFile), blobFile);
  const bad = Buffer.from(readFileSync(blobFile));
  bad[100] ^= 0xff;
  writeFileSync(blobFile, bad);
  try {
    await rejects(copy(name, `dir:${tmp}/corrupt-dir`), /Digest did not match/);
    assert.not.ok(existsSync(`${tmp}/corrupt-dir`));
    await rejects(copy(name, `oci:${tmp}/corrupt-oci:x`), /Digest did not match/);
    assert.not.ok(existsSync(`${tmp}/corrupt-oci/index.json`));
    // another registry: the blob has to be streamed (in this one it would be mounted)
    const other = await startRegistry();
    try {
      await rejects(copy(name, `docker://${other.host}/corrupt/y:1`), /Digest did not match/);
      await rejects(copy(`docker://${other.host}/corrupt/y:1`, `dir:${tmp}/never`), /manifest unknown/);
    } finally {
      await other.stop();
    }
  } finally {
    writeFileSync(blobFile, l.data);
  }
});

test('an index: --all pushes every instance and the index unchanged; one instance by arch', async () => {
  const p = join(tmp, 'multi');
  const { index, images } = await writeDirIndex(p);
  const name = `docker://${reg.host}/multi/x:1`;
  assert.is((await copy(`dir:${p}`, name, { all: true })).manifestDigest, sha256(index));
  assert.is(sha256(Buffer.from(skopeo('inspect', '--tls-verify=false', '--raw', name))), sha256(index));
  const one = await copyImage(await parseImageName(name), await parseImageName(`dir:${tmp}/one`), { srcCtx: { ...ctx, arch: 'arm64' } });
  assert.is(one.manifestDigest, images.arm64.manifestDigest);
  const all = await copy(name, `oci:${tmp}/multi-oci:all`, { all: true });
  assert.is(all.manifestDigest, sha256(index));
});

test('delete by tag resolves the digest; then the image is gone', async () => {
  const name = `docker://${reg.host}/del/x:1`;
  await copy(`dir:${SRC}`, name);
  await (await parseImageName(name)).deleteImage(ctx);
  await rejects(copy(name, `dir:${tmp}/deleted`), /manifest unknown/);
});

test.run();
