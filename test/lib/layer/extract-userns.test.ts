// @rootless
// Extraction inside the rootless user namespace (as `tspod` runs it): ownership maps through the
// subordinate ids, whiteouts and user.overlay.opaque work, security.capability is stored for the
// namespace's root. Rootful this runs as plain root.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reexecInUserNamespace } from '../../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);

const { lstatSync, mkdtempSync, rmSync, statSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const { Readable } = await import('node:stream');
const { gzipSync } = await import('node:zlib');
const { extractLayer } = await import('../../../lib/layer/extract.ts');
const { lgetxattr } = await import('../../../lib/native/libc.ts');
const { isRootless } = await import('../../../lib/rootless/index.ts');
const { makeTar } = await import('./make-tar.ts');

let dir = '';
test.before.each(() => { dir = mkdtempSync(join(tmpdir(), 'tspod-extract-ns-')); });
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

test('ownership, whiteouts and opaque dirs as the runtime will see them', async () => {
  const rootless = isRootless();
  const out = join(dir, 'out');
  await extractLayer(Readable.from([gzipSync(makeTar([
    { name: 'home/', type: 'directory', uid: 1000, gid: 1000, mode: 0o750 },
    { name: 'home/f', content: 'x', uid: 1000, gid: 100 },
    { name: 'etc/.wh.motd', content: '' },
    { name: 'var/', type: 'directory' },
    { name: 'var/.wh..wh..opq', content: '' },
  ]))]), out, { ignoreChownErrors: false });
  const f = statSync(join(out, 'home/f'));
  assert.equal([f.uid, f.gid], [1000, 100]);
  assert.is(statSync(join(out, 'home')).mode & 0o777, 0o750);
  const wh = lstatSync(join(out, 'etc/motd'));
  assert.ok(wh.isCharacterDevice() && wh.rdev === 0);
  assert.is(lgetxattr(join(out, 'var'), rootless ? 'user.overlay.opaque' : 'trusted.overlay.opaque')?.toString(), 'y');
});

test('security.capability is kept (the kernel stores it for the namespace root)', async () => {
  const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex');
  const out = join(dir, 'out');
  await extractLayer(Readable.from([makeTar([{ name: 'ping', content: 'x', mode: 0o755, xattrs: { 'security.capability': cap } }])]), out);
  const got = lgetxattr(join(out, 'ping'), 'security.capability');
  assert.ok(got, 'capability set');
  // inside the namespace it reads back as the v2 value that was written
  assert.equal(got!.subarray(4, 8), cap.subarray(4, 8));
});

test('an owner outside the mapped range is a clear error (rootless)', async () => {
  if (!isRootless()) return;
  const err = await extractLayer(Readable.from([makeTar([{ name: 'f', content: 'x', uid: 4_000_000 }])]), join(dir, 'out'), { ignoreChownErrors: false })
    .then(() => undefined, (e) => e);
  assert.ok(err, 'must fail');
  assert.is(err.code, 'INSUFFICIENT_IDS');
  assert.match(err.message, /entry "f".*insufficient UIDs/);
});

test.run();
