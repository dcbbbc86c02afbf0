// @rootless
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { containersStorageTransport, type StorageReference } from '../../../lib/transports/containers-storage/transport.ts';
import type { Manifest } from '../../../lib/oci/types.ts';
import { makeImage, storeImage } from '../storage/fixture.ts';

let root = '';
test.before.each(() => { root = mkdtempSync(join(tmpdir(), 'tspod-cs-')); });
test.after.each(() => rmSync(root, { recursive: true, force: true }));

const ID = 'a'.repeat(64);
const parse = (s: string) => containersStorageTransport.parseReference(s) as StorageReference;

test('reference syntax', () => {
  const cases: [string, string | undefined, string | undefined, string][] = [
    ['busybox', 'docker.io/library/busybox:latest', undefined, 'docker.io/library/busybox:latest'],
    ['quay.io/a/b:1', 'quay.io/a/b:1', undefined, 'quay.io/a/b:1'],
    [ID, undefined, ID, ID],
    [`busybox@${ID}`, 'docker.io/library/busybox:latest', ID, `docker.io/library/busybox:latest@${ID}`],
    [`[overlay@/var/lib/x+/run/x]busybox`, 'docker.io/library/busybox:latest', undefined, '[overlay@/var/lib/x+/run/x]docker.io/library/busybox:latest'],
    [`[/g]x:1`, 'docker.io/library/x:1', undefined, '[/g]docker.io/library/x:1'],
  ];
  for (const [input, named, id, str] of cases) {
    const r = parse(input);
    assert.is(r.named, named, input);
    assert.is(r.id, id, input);
    assert.is(r.stringWithinTransport(), str, input);
    assert.is(parse(r.stringWithinTransport()).stringWithinTransport(), str, 'round trip ' + input);
  }
  assert.is(parse('[/g+/r]busybox').spec.graphRoot, '/g');
  assert.is(parse('[/g+/r]busybox').spec.runRoot, '/r');
  assert.throws(() => parse('[relative]busybox'), /absolute/);
  assert.throws(() => parse('[/g'), /missing "\]"/);
  assert.throws(() => parse('Busybox'), /invalid containers-storage reference/);
  assert.throws(() => parse(''), /no image name/);
  assert.ok(parse('quay.io/a/b:1').policyConfigurationNamespaces().includes('[overlay@]quay.io/a'));
});

test('source returns the stored manifest and blobs byte for byte; destination reuses what exists', async () => {
  const img = makeImage([[{ name: 'f', content: 'one' }], [{ name: 'g', content: 'two' }]]);
  await storeImage(`[${root}+${root}/run]localhost/rt:1`, img);
  const src = await parse(`[${root}+${root}/run]localhost/rt:1`).newImageSource({});
  const m = await src.getManifest();
  assert.equal(m.bytes, img.manifest);
  const man = JSON.parse(m.bytes.toString()) as Manifest;
  for (const d of [man.config, ...man.layers]) {
    const { stream, size } = await src.getBlob(d);
    const h = createHash('sha256');
    let n = 0;
    for await (const c of stream) { h.update(c); n += c.length; }
    assert.is('sha256:' + h.digest('hex'), d.digest);
    assert.is(n, size);
  }
  await src.close();
  const dest = await parse(`[${root}+${root}/run]localhost/rt:2`).newImageDestination({});
  assert.ok(await dest.tryReusingBlob(man.layers[0], { isConfig: false, layerIndex: 0 }));
  assert.ok(await dest.tryReusingBlob(man.config, { isConfig: true, layerIndex: -1 }));
  assert.is(await dest.tryReusingBlob({ ...man.layers[0], digest: 'sha256:' + 'b'.repeat(64) }, { isConfig: false, layerIndex: 0 }), undefined);
  await dest.putManifest(img.manifest, man.mediaType!);
  assert.ok(dest.supportsSignatures());
  await dest.putSignatures([Buffer.from([0, 1, 2, 255])]);
  await dest.commit();
  await dest.close();
  const signed = await parse(`[${root}+${root}/run]localhost/rt:2`).newImageSource({});
  assert.equal(await signed.getSignatures(), [Buffer.from([0, 1, 2, 255])]);
  const byId = await parse(`[${root}+${root}/run]${img.id}`).newImageSource({});
  assert.equal((await byId.getManifest()).bytes, img.manifest);
  const missing = await parse(`[${root}+${root}/run]localhost/nope:1`).newImageSource({}).then(() => undefined, (e) => e);
  assert.match(String(missing?.message), /image not known/);
});

test('deleteImage removes the image', async () => {
  const img = makeImage([[{ name: 'f', content: 'x' }]]);
  await storeImage(`[${root}+${root}/run]localhost/del:1`, img);
  await parse(`[${root}+${root}/run]localhost/del:1`).deleteImage({});
  const err = await parse(`[${root}+${root}/run]localhost/del:1`).newImageSource({}).then(() => undefined, (e) => e);
  assert.ok(err);
});

test('putBlob refuses an escaping layer and a wrong digest, naming the image; nothing is stored', async () => {
  const { gzipSync } = await import('node:zlib');
  const { Readable } = await import('node:stream');
  const { readdirSync } = await import('node:fs');
  const { makeTar } = await import('../layer/make-tar.ts');
  const { sha256Digest } = await import('../../../lib/oci/digest.ts');
  const dest = await parse(`[${root}+${root}/run]localhost/evil:1`).newImageDestination({});
  const evil = gzipSync(makeTar([{ name: 'x', type: 'symlink', linkname: '/etc' }, { name: 'x/passwd', content: 'pwned' }]));
  const e1 = await dest.putBlob(Readable.from([evil]), { digest: sha256Digest(evil), size: evil.length }, { isConfig: false, layerIndex: 0 }).then(() => undefined, (e) => e);
  assert.is(e1?.code, 'LAYER_ESCAPE');
  assert.match(e1.message, /localhost\/evil:1.*"x\/passwd".*symbolic link/);
  const good = gzipSync(makeTar([{ name: 'f', content: 'x' }]));
  const e2 = await dest.putBlob(Readable.from([good]), { digest: 'sha256:' + '1'.repeat(64), size: good.length }, { isConfig: false, layerIndex: 0 }).then(() => undefined, (e) => e);
  assert.is(e2?.code, 'DIGEST_MISMATCH');
  await dest.close();
  assert.equal(readdirSync(join(root, 'layers')), []);
  assert.equal(readdirSync(join(root, 'blobs', 'sha256')), []);
});

test.run();
