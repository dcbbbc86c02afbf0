// @rootless
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extractLayer } from '../../../lib/layer/extract.ts';
import { generateTar, layerTar } from '../../../lib/layer/diff.ts';
import { TarParser, type TarHeader } from '../../../lib/layer/tar.ts';
import { mknod, S_IFCHR } from '../../../lib/native/libc.ts';
import { makeTar } from './make-tar.ts';

let dir = '';
test.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'tspod-diff-')); });
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

async function entries(stream: Readable): Promise<TarHeader[]> {
  const out: TarHeader[] = [];
  const p = new TarParser({ entry: (h) => out.push(h), data: () => {}, end: () => {} });
  for await (const c of stream) p.write(c);
  p.finish();
  return out;
}

function canMknod(): boolean {
  try {
    mknod(join(dir, 'probe'), S_IFCHR, 0, 0);
    rmSync(join(dir, 'probe'));
    return true;
  } catch {
    return false;
  }
}

test('whiteouts and opaque dirs turn back into .wh. entries; content survives a round trip', async () => {
  if (!canMknod()) {
    console.log('# skip: whiteout devices need a user namespace');
    return;
  }
  const src = join(dir, 'src');
  await extractLayer(Readable.from([makeTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.gone', content: '' },
    { name: 'var/', type: 'directory' },
    { name: 'var/.wh..wh..opq', content: '' },
    { name: 'var/f', content: 'hello', mode: 0o640 },
    { name: 'var/g', type: 'link', linkname: 'var/f' },
    { name: 'var/s', type: 'symlink', linkname: 'f' },
    { name: 'long/' + 'n'.repeat(150), content: 'long name' },
  ])]), src);
  const list = await entries(layerTar(src));
  const names = list.map((h) => `${h.type}:${h.name}`);
  assert.ok(names.includes('file:etc/.wh.gone'), names.join(' '));
  assert.ok(names.includes('file:var/.wh..wh..opq'), names.join(' '));
  assert.ok(names.includes('link:var/g'), names.join(' '));
  assert.ok(names.includes('symlink:var/s'));
  assert.ok(names.includes('file:long/' + 'n'.repeat(150)));
  // extracting the generated tar gives the same tree
  const copy = join(dir, 'copy');
  await extractLayer(layerTar(src), copy);
  assert.ok(lstatSync(join(copy, 'etc/gone')).isCharacterDevice());
  assert.is(readFileSync(join(copy, 'var/f'), 'utf8'), 'hello');
  assert.is(statSync(join(copy, 'var/f')).mode & 0o777, 0o640);
  assert.is(statSync(join(copy, 'var/g')).ino, statSync(join(copy, 'var/f')).ino);
  assert.is(readFileSync(join(copy, 'long/' + 'n'.repeat(150)), 'utf8'), 'long name');
});

test('the same tree gives the same tar', async () => {
  const src = join(dir, 'src');
  await extractLayer(Readable.from([makeTar([{ name: 'b', content: '2' }, { name: 'a', content: '1' }, { name: 'd/', type: 'directory' }])]), src);
  const collect = async () => { const parts: Buffer[] = []; for await (const c of generateTar(src)) parts.push(c); return Buffer.concat(parts); };
  const one = await collect();
  assert.equal(one, await collect());
  const names = (await entries(Readable.from([one]))).map((h) => h.name);
  assert.equal(names, ['a', 'b', 'd/']);
});

test.run();
