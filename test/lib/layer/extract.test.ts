// @rootless
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { extractLayer, cleanEntryPath } from '../../../lib/layer/extract.ts';
import { lgetxattr, mknod, S_IFCHR } from '../../../lib/native/libc.ts';
import { TspodError } from '../../../lib/errors.ts';
import { makeTar } from './make-tar.ts';

const rootless = process.env.TSPOD_TEST_ROOTLESS === '1' || process.getuid!() !== 0;
const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
let dir = '';
test.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'tspod-extract-')); });
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

/** A stream handing out the buffer in small pieces, so chunk boundaries fall inside headers. */
function chunked(buf: Buffer, size = 700): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

async function extractError(tar: Buffer, dest: string): Promise<TspodError> {
  const err = await extractLayer(chunked(tar), dest).then(() => undefined, (e) => e);
  assert.instance(err, TspodError, 'extraction must fail');
  return err;
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

test('cleanEntryPath makes absolute names relative and refuses ..', () => {
  assert.is(cleanEntryPath('/etc/./passwd'), 'etc/passwd');
  assert.is(cleanEntryPath('./'), '');
  assert.throws(() => cleanEntryPath('a/../../b'), /outside the layer/);
});

test('gzip layer: files, modes, owners, times, symlinks, hardlinks, fifos, digests', async () => {
  const tar = makeTar([
    { name: './', type: 'directory', mode: 0o755 },
    { name: './bin/', type: 'directory', mode: 0o711, mtime: 1_500_000_000 },
    { name: './bin/tool', content: 'x'.repeat(100_000), mode: 0o4755, uid: rootless ? process.getuid!() : 1000, gid: rootless ? process.getgid!() : 1001, mtime: 1_400_000_000 },
    { name: './bin/same', type: 'link', linkname: './bin/tool' },
    { name: './bin/sl', type: 'symlink', linkname: '/usr/bin/whatever' },
    { name: '/abs/file', content: 'made relative' },
    { name: './p', type: 'fifo', mode: 0o600 },
    { name: 'a/b/c/deep', content: 'implicit parents' },
  ]);
  const gz = gzipSync(tar);
  const dest = join(dir, 'out');
  const r = await extractLayer(chunked(gz), dest, { expectedDigest: sha(gz), expectedDiffID: sha(tar) });
  assert.equal(r, { digest: sha(gz), diffID: sha(tar), size: gz.length, uncompressedSize: tar.length, compression: 'gzip' });
  const tool = statSync(join(dest, 'bin/tool'));
  assert.is(tool.size, 100_000);
  assert.is(tool.mode & 0o7777, 0o4755);
  assert.is(tool.mtimeMs, 1_400_000_000_000);
  assert.is(tool.nlink, 2);
  assert.is(statSync(join(dest, 'bin/same')).ino, tool.ino);
  if (!rootless) assert.equal([tool.uid, tool.gid], [1000, 1001]);
  assert.is(statSync(join(dest, 'bin')).mode & 0o7777, 0o711);
  assert.is(statSync(join(dest, 'bin')).mtimeMs, 1_500_000_000_000);
  assert.is(readlinkSync(join(dest, 'bin/sl')), '/usr/bin/whatever');
  assert.is(readFileSync(join(dest, 'abs/file'), 'utf8'), 'made relative');
  assert.ok(lstatSync(join(dest, 'p')).isFIFO());
  assert.is(readFileSync(join(dest, 'a/b/c/deep'), 'utf8'), 'implicit parents');
});

test('uncompressed and zstd layers; blobFile keeps the input bytes', async () => {
  const tar = makeTar([{ name: 'f', content: 'zstd content' }]);
  const plain = await extractLayer(chunked(tar), join(dir, 'plain'));
  assert.is(plain.compression, 'none');
  assert.is(plain.digest, plain.diffID);
  const zst = execFileSync('zstd', ['-q', '-c'], { input: tar });
  const blob = join(dir, 'blob');
  const r = await extractLayer(chunked(zst, 5), join(dir, 'z'), { expectedDigest: sha(zst), blobFile: blob });
  assert.is(r.compression, 'zstd');
  assert.is(r.diffID, sha(tar));
  assert.is(readFileSync(join(dir, 'z/f'), 'utf8'), 'zstd content');
  assert.equal(readFileSync(blob), zst);
});

test('digest mismatch is an error', async () => {
  const gz = gzipSync(makeTar([{ name: 'f', content: 'x' }]));
  const err = await extractLayer(chunked(gz), join(dir, 'o'), { expectedDigest: 'sha256:' + '0'.repeat(64) }).then(() => undefined, (e) => e);
  assert.instance(err, TspodError);
  assert.is(err.code, 'DIGEST_MISMATCH');
  assert.match(err.message, /expected sha256:0000/);
});

test('truncated and corrupt archives are errors', async () => {
  const tar = makeTar([{ name: 'f', content: 'x'.repeat(5000) }]);
  const e1 = await extractError(tar.subarray(0, 2048), join(dir, 'a'));
  assert.match(e1.message, /unexpected end/);
  const bad = Buffer.from(tar);
  bad[10] ^= 0xff;
  const e2 = await extractError(bad, join(dir, 'b'));
  assert.match(e2.message, /checksum/);
  const gz = gzipSync(tar);
  const e3 = await extractError(gz.subarray(0, gz.length - 20), join(dir, 'c'));
  assert.is(e3.code, 'INVALID_LAYER');
});

test('malicious: .. in an entry name', async () => {
  const out = join(dir, 'out');
  const err = await extractError(makeTar([{ name: '../evil', content: 'x' }]), out);
  assert.is(err.code, 'LAYER_ESCAPE');
  assert.match(err.message, /"\.\.\/evil"/);
  assert.not.ok(existsSync(join(dir, 'evil')));
});

test('malicious: absolute symlink, then a write through it', async () => {
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  const err = await extractError(makeTar([
    { name: 'lnk', type: 'symlink', linkname: outside },
    { name: 'lnk/pwned', content: 'x' },
  ]), join(dir, 'out'));
  assert.is(err.code, 'LAYER_ESCAPE');
  assert.match(err.message, /lnk\/pwned.*symbolic link/);
  assert.not.ok(existsSync(join(outside, 'pwned')));
});

test('malicious: relative symlink leaving the tree as a parent directory', async () => {
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  const err = await extractError(makeTar([
    { name: 'd/', type: 'directory' },
    { name: 'd/up', type: 'symlink', linkname: '../../outside' },
    { name: 'd/up/x', content: 'x' },
  ]), join(dir, 'out'));
  assert.is(err.code, 'LAYER_ESCAPE');
  assert.not.ok(existsSync(join(outside, 'x')));
});

test('malicious: a symlink inside the tree as a parent directory is refused too', async () => {
  const err = await extractError(makeTar([
    { name: 'real/', type: 'directory' },
    { name: 'alias', type: 'symlink', linkname: 'real' },
    { name: 'alias/file', content: 'x' },
  ]), join(dir, 'out'));
  assert.match(err.message, /parent "alias" is a symbolic link/);
});

test('malicious: hardlinks to outside the tree', async () => {
  const outside = join(dir, 'secret');
  mkdirSync(join(dir, 'out1'));
  const e1 = await extractError(makeTar([{ name: 'h', type: 'link', linkname: '../secret' }]), join(dir, 'out1'));
  assert.is(e1.code, 'LAYER_ESCAPE');
  const e2 = await extractError(makeTar([{ name: 'h', type: 'link', linkname: outside }]), join(dir, 'out2'));
  assert.match(e2.message, /does not exist in the layer/);
  const e3 = await extractError(makeTar([
    { name: 'etc', type: 'symlink', linkname: '/etc' },
    { name: 'h', type: 'link', linkname: 'etc/passwd' },
  ]), join(dir, 'out3'));
  assert.match(e3.message, /through symbolic link "etc"/);
  assert.not.ok(existsSync(join(dir, 'out3/h')));
});

test('whiteouts become char 0:0 devices, opaque markers become the overlay xattr', async () => {
  if (!canMknod()) {
    console.log('# skip: mknod of a whiteout device needs a user namespace (run through bin/tspod)');
    return;
  }
  const out = join(dir, 'out');
  await extractLayer(chunked(makeTar([
    { name: 'etc/.wh.gone', content: '' },
    { name: 'var/', type: 'directory' },
    { name: 'var/.wh..wh..opq', content: '' },
    { name: 'var/keep', content: 'k' },
    { name: '.wh..wh.plnk/1234', content: '' },
  ])), out);
  const wh = lstatSync(join(out, 'etc/gone'));
  assert.ok(wh.isCharacterDevice());
  assert.is(wh.rdev, 0);
  assert.not.ok(existsSync(join(out, 'etc/.wh.gone')));
  assert.is(lgetxattr(join(out, 'var'), rootless ? 'user.overlay.opaque' : 'trusted.overlay.opaque')?.toString(), 'y');
  assert.not.ok(existsSync(join(out, 'var/.wh..wh..opq')));
  assert.is(readFileSync(join(out, 'var/keep'), 'utf8'), 'k');
});

test('xattrs: binary values kept, overlay attributes from the tar dropped', async () => {
  const out = join(dir, 'out');
  const bin = Buffer.from([0x00, 0xff, 0x80, 0x01, 0x0a]);
  await extractLayer(chunked(makeTar([
    { name: 'f', content: 'x', xattrs: { 'user.bin': bin, 'user.overlay.redirect': '/x', 'trusted.overlay.opaque': 'y' } },
  ])), out);
  const got = lgetxattr(join(out, 'f'), 'user.bin');
  if (got === undefined) {
    console.log('# skip: file system without user xattrs');
    return;
  }
  assert.equal(got, bin);
  assert.is(lgetxattr(join(out, 'f'), 'user.overlay.redirect'), undefined);
  if (!rootless) assert.is(lgetxattr(join(out, 'f'), 'trusted.overlay.opaque'), undefined);
});

test('security.capability round-trips (rootful)', async () => {
  if (rootless) return;
  // VFS_CAP_REVISION_2 with CAP_NET_RAW effective+permitted
  const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
  const out = join(dir, 'out');
  await extractLayer(chunked(makeTar([{ name: 'ping', content: 'x', mode: 0o755, xattrs: { 'security.capability': cap } }])), out);
  assert.equal(lgetxattr(join(out, 'ping'), 'security.capability'), cap);
});

test('a later entry replaces an earlier one of another type', async () => {
  const out = join(dir, 'out');
  await extractLayer(chunked(makeTar([
    { name: 'x/', type: 'directory' },
    { name: 'x/inner', content: 'old' },
    { name: 'x', content: 'now a file' },
    { name: 'y', type: 'symlink', linkname: '/nowhere' },
    { name: 'y', content: 'file, not through the link' },
  ])), out);
  assert.is(readFileSync(join(out, 'x'), 'utf8'), 'now a file');
  assert.ok(lstatSync(join(out, 'y')).isFile());
});

test.run();
