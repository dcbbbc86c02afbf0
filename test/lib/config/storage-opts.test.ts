// --storage-opt parsing: containers/storage's overlay option names and errors (table-driven).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStorageOpts } from '../../../lib/config/storage-opts.ts';

const OK: [string[], object][] = [
  [[], {}],
  [[''], {}],
  [['overlay.mountopt=nodev,metacopy=on'], { mountOpt: 'nodev,metacopy=on' }],
  [['mountopt=nodev', 'overlay2.MOUNTOPT = noexec '], { mountOpt: 'noexec' }],
  [['.mount_program=/bin/sh'], { mountProgram: '/bin/sh' }],
  [['overlay.ignore_chown_errors=true', 'overlay.skip_mount_home=0', 'overlay.size=10G', 'overlay.force_mask=shared'], {}],
];
for (const [opts, want] of OK) {
  test(`accepted: ${JSON.stringify(opts)}`, () => assert.equal(parseStorageOpts(opts), want));
}

const BAD: [string, string][] = [
  ['bogus', 'unable to parse key/value option: bogus'],
  ['overlay.bogus=1', 'overlay: Unknown option overlay.bogus'],
  ['Overlay.Bogus=1', 'overlay: Unknown option overlay.bogus'],
  ['overlay.ignore_chown_errors=yes', 'strconv.ParseBool: parsing "yes": invalid syntax'],
  ['overlay.mount_program=/nonexistent/fuse', 'overlay: can\'t stat program "/nonexistent/fuse": stat /nonexistent/fuse: no such file or directory'],
];
for (const [opt, msg] of BAD) {
  test(`refused: ${opt}`, () => {
    try {
      parseStorageOpts([opt]);
      assert.unreachable('accepted');
    } catch (err) {
      assert.is((err as Error).message, msg);
      assert.is((err as { code?: string }).code, 'STORAGE_OPT');
    }
  });
}

test.run();
