// @rootless
// The "layered" fixture image (test/helpers/images.ts: whiteouts, an opaque dir, a hardlink, a file owned
// by 1000, xattrs) stored through the containers-storage destination, then mounted with the kernel's
// overlayfs from the store's layer dirs: the merged tree must be exactly what the image describes.
// Also the busybox layer compressed with zstd (zstd-napi), which must give the same diffID as gzip.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reexecInUserNamespace } from '../../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);

const { execFileSync } = await import('node:child_process');
const { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { Readable } = await import('node:stream');
const { openStore } = await import('../../../lib/storage/index.ts');
const { isRootless } = await import('../../../lib/rootless/index.ts');
const { lgetxattr, mount, umount } = await import('../../../lib/native/libc.ts');
const { sha256Digest } = await import('../../../lib/oci/digest.ts');
const H = await import('../../helpers/images.ts');
const { storeImage } = await import('./fixture.ts');

let root = '';
test.before.each(() => { root = mkdtempSync(join(tmpdir(), 'tspod-layered-')); });
test.after.each(() => rmSync(root, { recursive: true, force: true }));

async function layered() {
  const base = await H.buildLayer(H.busyboxEntries());
  const upper = await Promise.all(H.layeredEntries().map((e) => H.buildLayer(e)));
  const img = H.buildImage({ layers: [base, ...upper] });
  const blobs = new Map<string, Buffer>([[img.config.digest, img.config.bytes], ...img.layers.map((l) => [l.digest, l.bytes] as [string, Buffer])]);
  return { manifest: img.manifest.bytes, config: img.config.bytes, blobs, layerDigests: img.layers.map((l) => l.digest), diffIDs: img.layers.map((l) => l.diffID), id: img.config.digest.slice(7) };
}

test('the layered image merges as overlayfs to exactly the expected tree', async () => {
  const img = await layered();
  await storeImage(`[${root}+${root}/run]localhost/layered:1`, img);
  const store = await openStore({ graphRoot: root, runRoot: join(root, 'run') });
  const rec = await store.lookupImage('layered:1');
  const lower = rec.layers.map((d) => store.layerDir(d)).reverse().join(':');
  const merged = join(root, 'merged');
  mkdirSync(merged);
  try {
    mount('overlay', merged, 'overlay', 0, `lowerdir=${lower}${isRootless() ? ',userxattr' : ''}`);
  } catch (err) {
    console.log(`# skip: overlay mount not possible here: ${(err as Error).message}`);
    return;
  }
  try {
    for (const [p, want] of Object.entries(H.LAYERED_EXPECTED_DATA)) {
      const abs = join(merged, p);
      const st = lstatSync(abs);
      if (want.type === 'dir') assert.ok(st.isDirectory(), p);
      if (want.type === 'symlink') assert.is(readlinkSync(abs), want.target, p);
      if (want.type === 'file') assert.is(readFileSync(abs, 'utf8'), want.content, p);
      if (want.uid !== undefined) assert.is(st.uid, want.uid, `${p} uid`);
      if (want.mode !== undefined) assert.is(st.mode & 0o7777, want.mode, `${p} mode`);
      if (want.hardlinkOf) assert.is(st.ino, lstatSync(join(merged, want.hardlinkOf)).ino, `${p} hardlink`);
      for (const [k, v] of Object.entries(want.xattr ?? {})) assert.is(lgetxattr(abs, k)?.toString(), v, `${p} ${k}`);
    }
    for (const p of H.LAYERED_ABSENT) assert.not.ok(existsSync(join(merged, p)), `${p} must be hidden`);
    assert.ok(lstatSync(join(merged, 'bin/busybox')).isFile());
  } finally {
    umount(merged);
  }
});

test('a zstd layer (zstd-napi) stores with the same diffID as its gzip twin', async () => {
  const base = await H.buildLayer(H.busyboxEntries());
  const zst = execFileSync('zstd', ['-q', '-c', '-3'], { input: base.tar, maxBuffer: 64 << 20 });
  const store = await openStore({ graphRoot: root, runRoot: join(root, 'run') });
  const r = await store.putLayer(Readable.from([zst]), { expectedDigest: sha256Digest(zst) });
  assert.is(r.diffID, base.diffID);
  assert.is(r.compressedDigest, sha256Digest(zst));
  const again = await store.putLayer(Readable.from([base.bytes]), { expectedDigest: base.digest });
  assert.is(again.diffID, base.diffID, 'same layer: extracted once, the first record kept');
  assert.ok(store.blobPath(base.digest), 'the gzip blob is kept too');
  assert.is(readFileSync(join(store.layerDir(base.diffID), 'etc/passwd'), 'utf8'), H.PASSWD);
});

test.run();
