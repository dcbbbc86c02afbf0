// copyImage between the file transports, with skopeo and podman as peers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { copyImage, type CopyOptions } from '../../../lib/copy/index.ts';
import { parseImageName } from '../../../lib/transports/index.ts';
import { makeImage, sha256, writeDirImage, writeDirIndex, type FixtureImage } from './fixture.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tspod-copy-test-'));
const hasSkopeo = existsSync('/usr/bin/skopeo');
let img: FixtureImage;
const SRC = join(tmp, 'src');

async function copy(src: string, dest: string, opts: CopyOptions = {}) {
  return copyImage(await parseImageName(src), await parseImageName(dest), opts);
}
function skopeo(...args: string[]): string {
  return execFileSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
async function rejects(p: Promise<unknown>, re: RegExp): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.match((err as Error).message, re);
    return err as Error;
  }
  throw new Error('expected an error');
}

test.before(async () => {
  img = await makeImage({ layers: 3 });
  writeDirImage(SRC, img);
});
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const FILE_DESTS = (p: string) => [`dir:${p}-dir`, `oci:${p}-oci:t1`, `oci-archive:${p}-oa.tar:t1`];

test('every pair of dir/oci/oci-archive keeps the manifest digest, and prints skopeo progress', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const first = FILE_DESTS(join(tmp, 'a'));
  for (const d of first) {
    const r = await copy(`dir:${SRC}`, d, { reportWriter: out });
    assert.is(r.manifestDigest, img.manifestDigest, d);
  }
  for (const s of first) {
    for (const d of FILE_DESTS(join(tmp, 'b-' + s.split(':')[0]))) {
      const r = await copy(s, d);
      assert.is(r.manifestDigest, img.manifestDigest, `${s} -> ${d}`);
    }
  }
  assert.match(text, /^Getting image source signatures\nCopying blob sha256:[0-9a-f]{64}\n/);
  assert.match(text, new RegExp(`Copying config ${img.configDigest}\nWriting manifest to image destination\nStoring signatures\n`));
});

test('skopeo reads what tspod wrote and tspod reads what skopeo wrote', async () => {
  if (!hasSkopeo) return console.log('# skip: no skopeo');
  const p = join(tmp, 'sk');
  for (const d of FILE_DESTS(p)) {
    await copy(`dir:${SRC}`, d);
    assert.is(sha256(Buffer.from(skopeo('inspect', '--raw', d))), img.manifestDigest, d);
    const back = `dir:${p}-back-${d.split(':')[0]}`;
    skopeo('copy', '-q', d, back);
    const r = await copy(back, `oci:${p}-fromsk:x`);
    assert.is(r.manifestDigest, img.manifestDigest);
  }
  // docker-archive: tspod generates the same manifest skopeo does for an archive
  await copy(`dir:${SRC}`, `docker-archive:${p}-da.tar:example.com/a/b:c`);
  const skRaw = skopeo('inspect', '--raw', `docker-archive:${p}-da.tar`);
  const r = await copy(`docker-archive:${p}-da.tar:example.com/a/b:c`, `dir:${p}-da-dir`);
  assert.is(r.manifestDigest, sha256(Buffer.from(skRaw)));
  skopeo('copy', '-q', `dir:${SRC}`, `docker-archive:${p}-skda.tar:x/y:z`);
  const r2 = await copy(`docker-archive:${p}-skda.tar`, `oci:${p}-skda-oci`);
  assert.is(JSON.parse(readFileSync(join(`${p}-skda-oci`, 'blobs/sha256', r2.manifestDigest.slice(7)), 'utf8')).config.digest, img.configDigest);
});

test('format conversion gives skopeo\'s bytes; zstd into schema2 is refused; --preserve-digests keeps the manifest as skopeo does', async () => {
  const p = join(tmp, 'conv');
  const r = await copy(`dir:${SRC}`, `dir:${p}-v2s2`, { format: 'v2s2' });
  if (hasSkopeo) {
    skopeo('copy', '-q', '--format', 'v2s2', `dir:${SRC}`, `dir:${p}-sk-v2s2`);
    assert.is(r.manifestDigest, sha256(readFileSync(join(`${p}-sk-v2s2`, 'manifest.json'))));
    const back = await copy(`dir:${p}-v2s2`, `dir:${p}-back-oci`, { format: 'oci' });
    skopeo('copy', '-q', '--format', 'oci', `dir:${p}-sk-v2s2`, `dir:${p}-sk-oci`);
    assert.is(back.manifestDigest, sha256(readFileSync(join(`${p}-sk-oci`, 'manifest.json'))));
  }
  await rejects(copy(`dir:${SRC}`, `dir:${p}-z`, { format: 'v2s2', compression: 'zstd', destCtx: { dirForceCompress: true } }), /zstd/);
  // containers/image: a manifest that must not change is written as it is (--format notwithstanding),
  // and a destination that cannot take it refuses it
  const pd = await copy(`dir:${SRC}`, `dir:${p}-pd`, { format: 'v2s2', preserveDigests: true });
  assert.is(pd.manifestDigest, img.manifestDigest);
  await rejects(copy(`dir:${SRC}`, `docker-archive:${p}-pd.tar`, { preserveDigests: true }), /Unsupported manifest type, need a Docker schema 2 manifest/);
  assert.not.ok(existsSync(`${p}-pd.tar`), 'nothing left behind');
});

test('recompression to zstd and back records new digests that verify', async () => {
  const p = join(tmp, 'zstd');
  const z = await copy(`dir:${SRC}`, `oci:${p}:z`, { compression: 'zstd' });
  const m = JSON.parse(z.manifest.toString());
  assert.ok(m.layers.every((l: { mediaType: string }) => l.mediaType.endsWith('+zstd')));
  assert.is.not(z.manifestDigest, img.manifestDigest);
  // a dir: destination keeps layers as they are unless told to compress (containers/image DirForceCompress)
  const kept = await copy(`oci:${p}:z`, `dir:${p}-kept`, { compression: 'gzip' });
  assert.is(kept.manifestDigest, z.manifestDigest);
  const g = await copy(`oci:${p}:z`, `dir:${p}-gz`, { compression: 'gzip', destCtx: { dirForceCompress: true } });
  const gm = JSON.parse(g.manifest.toString());
  assert.ok(gm.layers.every((l: { mediaType: string }) => l.mediaType.endsWith('+gzip')));
  if (hasSkopeo) skopeo('copy', '-q', `oci:${p}:z`, `dir:${p}-skz`); // skopeo verifies every digest
  // decompressing into docker-archive gives layers whose digests are the diffIDs
  const da = await copy(`oci:${p}:z`, `docker-archive:${p}.tar:z/z:z`);
  assert.equal(JSON.parse(da.manifest.toString()).layers.map((l: { digest: string }) => l.digest), img.layers.map((l) => l.diffID));
});

test('a digest mismatch mid-copy leaves no partial image in the destination', async () => {
  const bad = join(tmp, 'bad');
  writeDirImage(bad, img);
  const l = img.layers[1];
  const corrupted = Buffer.from(l.data);
  corrupted[corrupted.length - 20] ^= 0xff;
  writeFileSync(join(bad, l.digest.slice(7)), corrupted);
  for (const d of [`dir:${tmp}/bad-dir`, `oci:${tmp}/bad-oci:x`, `oci-archive:${tmp}/bad.tar`, `docker-archive:${tmp}/bad-da.tar`]) {
    const err = await rejects(copy(`dir:${bad}`, d), /digest mismatch|Digest did not match|size mismatch|unexpected end|invalid|incorrect/);
    void err;
  }
  assert.not.ok(existsSync(`${tmp}/bad-dir`), 'dir: removed');
  assert.not.ok(existsSync(`${tmp}/bad-oci/index.json`), 'oci: no index.json');
  assert.equal(existsSync(`${tmp}/bad-oci/blobs/sha256`) ? readdirSync(`${tmp}/bad-oci/blobs/sha256`) : [], [], 'oci: no blobs left');
  assert.not.ok(existsSync(`${tmp}/bad.tar`), 'oci-archive: no archive');
  assert.not.ok(existsSync(`${tmp}/bad-da.tar`), 'docker-archive: no archive');
  // an existing image in a dir: destination survives a failed copy over it
  await copy(`dir:${SRC}`, `dir:${tmp}/keep`);
  const img2 = await makeImage({ layers: 2 });
  writeDirImage(`${tmp}/bad2`, img2);
  writeFileSync(join(`${tmp}/bad2`, img2.layers[0].digest.slice(7)), Buffer.concat([img2.layers[0].data, Buffer.from('x')]));
  await rejects(copy(`dir:${tmp}/bad2`, `dir:${tmp}/keep`), /size mismatch/);
  const r = await copy(`dir:${tmp}/keep`, `dir:${tmp}/keep2`);
  assert.is(r.manifestDigest, img.manifestDigest);
});

test('an index: one instance chosen by arch, or every instance with all', async () => {
  const p = join(tmp, 'multi');
  const { index, images } = await writeDirIndex(p);
  const arm = await copy(`dir:${p}`, `oci:${p}-one:arm`, { srcCtx: { arch: 'arm64' } });
  assert.is(arm.manifestDigest, images.arm64.manifestDigest);
  const amd = await copy(`dir:${p}`, `oci:${p}-one:amd`, { srcCtx: { arch: 'amd64' } });
  assert.is(amd.manifestDigest, images.amd64.manifestDigest);
  await rejects(copy(`dir:${p}`, `dir:${p}-s390x`, { srcCtx: { arch: 's390x' } }), /no image found in manifest list for architecture s390x/);
  const all = await copy(`dir:${p}`, `oci:${p}-all:all`, { all: true });
  assert.is(all.manifestDigest, sha256(index));
  const back = await copy(`oci:${p}-all:all`, `dir:${p}-back`, { all: true });
  assert.is(back.manifestDigest, sha256(index));
  assert.ok(existsSync(join(`${p}-back`, `${images.arm64.manifestDigest.slice(7)}.manifest.json`)));
  if (hasSkopeo) assert.match(skopeo('inspect', '--raw', `oci:${p}-all:all`), /"architecture":"arm64"/);
  await rejects(copy(`dir:${p}`, `docker-archive:${p}.tar`, { all: true }), /does not support copying multiple images/);
});

test('one OCI layout holds several images by name; names are replaced, not duplicated', async () => {
  const p = join(tmp, 'layout');
  const other = await makeImage({ layers: 1 });
  writeDirImage(join(tmp, 'other'), other);
  await copy(`dir:${SRC}`, `oci:${p}:a`);
  await copy(`dir:${join(tmp, 'other')}`, `oci:${p}:b`);
  await copy(`dir:${join(tmp, 'other')}`, `oci:${p}:a`);
  const idx = JSON.parse(readFileSync(join(p, 'index.json'), 'utf8'));
  const names = idx.manifests.map((m: any) => m.annotations?.['org.opencontainers.image.ref.name']).filter(Boolean).sort();
  assert.equal(names, ['a', 'b']);
  await rejects(copy(`oci:${p}`, `dir:${tmp}/amb`), /more than one image/);
  await rejects(copy(`oci:${p}:nope`, `dir:${tmp}/nope`), /no descriptor found for reference "nope"/);
  await (await parseImageName(`oci:${p}:a`)).deleteImage({});
  const after = JSON.parse(readFileSync(join(p, 'index.json'), 'utf8'));
  assert.equal(after.manifests.map((m: any) => m.annotations?.['org.opencontainers.image.ref.name']).filter(Boolean), ['b']);
});

test('podman loads a docker-archive tspod wrote', async () => {
  if (!existsSync('/usr/bin/podman') || process.getuid?.() !== 0) return console.log('# skip: podman as root needed');
  const name = `localhost/tspod-copy-test-${process.pid}:v1`;
  await copy(`dir:${SRC}`, `docker-archive:${tmp}/load.tar:${name}`);
  try {
    const out = execFileSync('podman', ['load', '-i', `${tmp}/load.tar`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out, new RegExp(`Loaded image: ${name}`));
    const id = execFileSync('podman', ['image', 'inspect', '--format', '{{.Id}}', name], { encoding: 'utf8' }).trim();
    assert.is(id, img.configDigest.slice(7));
  } finally {
    try { execFileSync('podman', ['rmi', name], { stdio: 'ignore' }); } catch {}
  }
});

test.run();
