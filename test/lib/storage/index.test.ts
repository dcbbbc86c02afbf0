// @rootless
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { openStore, type Store } from '../../../lib/storage/index.ts';
import { TspodError } from '../../../lib/errors.ts';
import { makeImage, storeImage } from './fixture.ts';
import { makeTar } from '../layer/make-tar.ts';

let root = '';
let store: Store;
test.before.each(async () => {
  root = mkdtempSync(join(tmpdir(), 'tspod-store-'));
  store = await openStore({ graphRoot: root, runRoot: join(root, 'run') });
});
test.after.each(() => rmSync(root, { recursive: true, force: true }));

const ref = (name: string) => `[${root}+${root}/run]${name}`;
const base = () => makeImage([[{ name: 'bin/', type: 'directory' }, { name: 'bin/sh', content: '#!' }], [{ name: 'etc/hostname', content: 'x' }]]);

async function rejects(p: Promise<unknown>): Promise<TspodError> {
  const e = await p.then(() => undefined, (err) => err);
  assert.instance(e, TspodError);
  return e;
}

test('an image stored through the destination is listed, found and readable', async () => {
  const img = base();
  await storeImage(ref('docker.io/library/busybox:latest'), img);
  const list = await store.listImages();
  assert.is(list.length, 1);
  const r = list[0];
  assert.is(r.id, img.id);
  assert.equal(r.names, ['docker.io/library/busybox:latest']);
  assert.equal(r.layers, img.diffIDs);
  assert.is(r.created, '2024-01-02T03:04:05Z');
  assert.ok(r.size > 0);
  for (const q of ['busybox', 'busybox:latest', 'library/busybox', 'docker.io/library/busybox', img.id, img.id.slice(0, 12), img.id.slice(0, 3), `sha256:${img.id}`, `busybox@${r.digest}`]) {
    assert.is((await store.lookupImage(q)).id, img.id, q);
  }
  const e = await rejects(store.lookupImage('nosuch'));
  assert.is(e.code, 'NO_SUCH_IMAGE');
  assert.is(e.message, 'nosuch: image not known');
  assert.is(e.exitCode, 125);
  assert.is((await store.imageConfig(img.id)).rootfs.diff_ids.length, 2);
  assert.equal((await store.imageManifest(img.id)).bytes, img.manifest);
  assert.is(readFileSync(join(store.layerDir(img.diffIDs[0]), 'bin/sh'), 'utf8'), '#!');
  assert.equal(readFileSync(store.blobPath(img.layerDigests[0])!), img.blobs.get(img.layerDigests[0]));
});

test('short names match any registry by path suffix; localhost too', async () => {
  const img = base();
  await storeImage(ref('quay.io/foo/tool:1'), img);
  assert.is((await store.lookupImage('tool:1')).id, img.id);
  assert.is((await store.lookupImage('foo/tool:1')).id, img.id);
  assert.is(await store.findImage('tool'), undefined); // tag latest does not exist
  const other = makeImage([[{ name: 'x', content: 'y' }]]);
  await storeImage(ref('localhost/tool:latest'), other);
  assert.is((await store.lookupImage('tool')).id, other.id);
});

test('a name moves to the newer image, leaving the old one dangling; tag and untag', async () => {
  const a = base();
  const b = makeImage([[{ name: 'v2', content: '2' }]]);
  await storeImage(ref('localhost/app:latest'), a);
  await storeImage(ref('localhost/app:latest'), b);
  const list = await store.listImages();
  assert.equal(list.find((r) => r.id === a.id)!.names, []);
  assert.equal(list.find((r) => r.id === b.id)!.names, ['localhost/app:latest']);
  await store.tagImage(a.id, 'localhost/app:old');
  assert.is((await store.lookupImage('app:old')).id, a.id);
  await store.untagImage(a.id, 'localhost/app:old');
  assert.is(await store.findImage('app:old'), undefined);
  const e = await rejects(store.untagImage(a.id, 'localhost/app:old'));
  assert.is(e.code, 'TAG_NOT_KNOWN');
  assert.equal((await store.lookupImage(a.id)).namesHistory, ['localhost/app:old', 'localhost/app:latest']);
});

test('removeImage deletes unshared layers and blobs, keeps shared ones', async () => {
  const shared = [{ name: 'shared', content: 's' }];
  const a = makeImage([shared, [{ name: 'a', content: 'a' }]]);
  const b = makeImage([shared, [{ name: 'b', content: 'b' }]]);
  await storeImage(ref('localhost/a:1'), a);
  await storeImage(ref('localhost/b:1'), b);
  assert.is(readdirSync(join(root, 'layers')).filter((n) => !n.startsWith('.')).length, 3, 'shared layer stored once');
  const rep = await store.removeImage(a.id);
  assert.equal(rep, { id: a.id, untagged: ['localhost/a:1'], deleted: true });
  assert.ok(existsSync(store.layerDir(a.diffIDs[0])), 'shared layer kept');
  assert.not.ok(existsSync(store.layerDir(a.diffIDs[1])));
  assert.is(store.blobPath(a.layerDigests[1]), undefined);
  assert.ok(store.blobPath(b.layerDigests[0]));
  assert.is((await store.listImages()).length, 1);
});

test('removeImage refuses an image a container uses, unless forced', async () => {
  const a = base();
  await storeImage(ref('localhost/used:1'), a);
  mkdirSync(join(root, 'containers', 'c1'), { recursive: true });
  writeFileSync(join(root, 'containers', 'c1', 'config.json'), JSON.stringify({ id: 'c1'.padEnd(64, '0'), names: ['web'], imageId: a.id }));
  const e = await rejects(store.removeImage(a.id));
  assert.is(e.code, 'IMAGE_IN_USE');
  assert.match(e.message, /in use by a container/);
  await store.removeImage(a.id, { force: true });
  assert.is((await store.listImages()).length, 0);
  assert.ok(existsSync(store.layerDir(a.diffIDs[0])), 'the container still needs its layers');
});

test('a layer with the wrong digest leaves nothing behind', async () => {
  const gz = gzipSync(makeTar([{ name: 'f', content: 'x' }]));
  const e = await rejects(store.putLayer(Readable.from([gz]), { expectedDigest: 'sha256:' + 'a'.repeat(64) }));
  assert.is(e.code, 'DIGEST_MISMATCH');
  assert.equal(readdirSync(join(root, 'layers')), []);
  assert.equal(readdirSync(join(root, 'blobs', 'sha256')), []);
});

test('a layer that escapes is refused with the entry named, store unchanged', async () => {
  const gz = gzipSync(makeTar([{ name: '../../etc/evil', content: 'x' }]));
  const e = await rejects(store.putLayer(Readable.from([gz]), { what: 'storing layer of localhost/evil' }));
  assert.is(e.code, 'LAYER_ESCAPE');
  assert.match(e.message, /localhost\/evil.*"\.\.\/\.\.\/etc\/evil"/);
  assert.equal(readdirSync(join(root, 'layers')), []);
});

test('crash leftovers: stale temp dirs are cleaned, records with missing files ignored', async () => {
  const a = base();
  await storeImage(ref('localhost/ok:1'), a);
  // a dead process's temp dir and a record whose files never made it
  mkdirSync(join(root, 'layers', '.tmp-999999-abc', 'diff'), { recursive: true });
  const recs = JSON.parse(readFileSync(join(root, 'images.json'), 'utf8'));
  recs.images.push({ ...recs.images[0], id: 'f'.repeat(64), names: ['localhost/ghost:1'] });
  writeFileSync(join(root, 'images.json'), JSON.stringify(recs));
  assert.equal((await store.listImages()).map((r) => r.names[0]), ['localhost/ok:1']);
  assert.is(await store.findImage('localhost/ghost:1'), undefined);
  store.cleanTemp();
  assert.not.ok(existsSync(join(root, 'layers', '.tmp-999999-abc')));
  // a live process's temp dir stays
  mkdirSync(join(root, 'layers', `.tmp-${process.pid}-x`));
  store.cleanTemp();
  assert.ok(existsSync(join(root, 'layers', `.tmp-${process.pid}-x`)));
});

test('several processes committing into one store at once leave it consistent', async () => {
  const child = join(import.meta.dirname, 'commit-child.ts');
  const tags = ['t1', 't2', 't3', 't4'];
  const codes = await Promise.all(tags.map((t) => new Promise<number>((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, root, t], { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('close', (c) => res(c ?? -1));
  })));
  assert.equal(codes, [0, 0, 0, 0]);
  const list = await store.listImages();
  assert.is(list.length, 4);
  for (const t of tags) assert.ok(await store.findImage(`localhost/concurrent:${t}`), t);
  assert.is(list.filter((r) => r.names.includes('localhost/contested:latest')).length, 1);
  const layers = readdirSync(join(root, 'layers'));
  assert.is(layers.filter((n) => !n.startsWith('.')).length, 5, 'one shared + four own layers');
  assert.is(layers.filter((n) => n.startsWith('.')).length, 0, 'no temp dirs left');
});

test('putLayerFromDirectory stores a diff dir as a gzip layer and extracts it again', async () => {
  const upper = join(root, 'upper');
  mkdirSync(join(upper, 'etc'), { recursive: true });
  writeFileSync(join(upper, 'etc', 'motd'), 'hello');
  const info = await store.putLayerFromDirectory(upper);
  assert.is(readFileSync(join(store.layerDir(info.diffID), 'etc/motd'), 'utf8'), 'hello');
  assert.ok(store.blobPath(info.compressedDigest));
  assert.is(store.layerByCompressedDigest(info.compressedDigest)?.diffID, info.diffID);
});

test('kill -9 in the middle of a layer: the next writer cleans up and the store works', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'slow-child.ts'), root], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise((res) => child.on('close', res));
  let tmp: string | undefined;
  for (let i = 0; i < 500 && !tmp; i++) {
    await new Promise((r) => setTimeout(r, 20));
    tmp = readdirSync(join(root, 'layers')).find((n) => n.startsWith('.tmp-') && existsSync(join(root, 'layers', n, 'diff', 'big')));
  }
  assert.ok(tmp, 'extraction started');
  child.kill('SIGKILL');
  await exited;
  assert.equal(await store.listImages(), []);
  const img = base();
  await storeImage(ref('localhost/after:1'), img);
  assert.not.ok(existsSync(join(root, 'layers', tmp!)), 'stale temp dir removed');
  assert.equal(readdirSync(join(root, 'blobs', 'sha256')).filter((n) => n.startsWith('.')), []);
  assert.is((await store.lookupImage('after:1')).id, img.id);
});

test.run();
