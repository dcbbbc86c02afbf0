// @rootless
// lib/native/libc.ts against the real kernel. In the rootless run the file re-runs itself inside the
// user namespace (bin/tspod __ns-exec), where tspod's own code calls these functions.
import { reexecInUserNamespace } from '../../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  flock, LOCK_EX, LOCK_SH, LOCK_UN, lgetxattr, lsetxattr, makedev, mknod, mount, S_IFCHR, S_IFIFO, tryFlock, umount,
} from '../../../lib/native/libc.ts';
import { TspodError } from '../../../lib/errors.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tspod-libc-'));
const rootlessNs = process.env._TSPOD_USERNS === '1';

test('makedev encodes like glibc', () => {
  assert.is(makedev(0, 0), 0n);
  assert.is(makedev(1, 3), 0x103n);
  assert.is(makedev(259, 65536), 268501760n); // gnu_dev_makedev(259, 65536)
  assert.is(Number(makedev(1, 3)), lstatSync('/dev/null').rdev);
});

test('mknod: the overlay whiteout (char 0:0) and a FIFO', () => {
  const wh = join(tmp, 'whiteout');
  mknod(wh, S_IFCHR | 0o000);
  const st = lstatSync(wh);
  assert.ok(st.isCharacterDevice(), 'char device');
  assert.is(st.rdev, 0);
  const fifo = join(tmp, 'fifo');
  mknod(fifo, S_IFIFO | 0o644);
  assert.ok(lstatSync(fifo).isFIFO());
});

test('mknod: failure is a TspodError naming the path', () => {
  try {
    mknod(join(tmp, 'no-such-dir', 'x'), S_IFIFO | 0o644);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TspodError);
    assert.match((e as Error).message, /mknod `.*no-such-dir\/x`: No such file or directory/);
  }
});

test('xattr: binary round trip with lsetxattr/lgetxattr, absent is undefined', () => {
  // tmpfs before 6.6 has no user.* xattrs: fall back to a directory on the repo's filesystem
  let dir = join(tmp, 'x');
  mkdirSync(dir);
  const value = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x80]);
  try {
    lsetxattr(dir, 'user.tspod.test', value);
  } catch {
    dir = mkdtempSync(join(process.cwd(), '.tspod-xattr-'));
    try {
      lsetxattr(dir, 'user.tspod.test', value);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      console.log(`# skip: no user xattrs on tmpdir or the checkout: ${(e as Error).message}`);
      return;
    }
  }
  try {
    assert.equal(lgetxattr(dir, 'user.tspod.test'), value);
    assert.is(lgetxattr(dir, 'user.tspod.absent'), undefined);
    // the opaque marker the rootless overlay driver writes
    lsetxattr(dir, 'user.overlay.opaque', Buffer.from('y'));
    assert.is(lgetxattr(dir, 'user.overlay.opaque')?.toString(), 'y');
  } finally {
    if (!dir.startsWith(tmp)) rmSync(dir, { recursive: true, force: true });
  }
});

test('flock: contention with another process, async wait keeps the event loop running', async () => {
  const file = join(tmp, 'lock');
  writeFileSync(file, '');
  const fd = openSync(file, 'r+');
  try {
    assert.ok(tryFlock(fd, LOCK_EX), 'free lock is taken');
    // util-linux flock(1) in another process: -n fails while we hold it
    assert.is(spawnSync('flock', ['-n', file, 'true']).status, 1, 'other process is refused');
    await flock(fd, LOCK_UN);
    assert.is(spawnSync('flock', ['-n', file, 'true']).status, 0, 'free again after unlock');

    // the other process holds it until we tell it to go (it reads a line on stdin)
    const holder = spawn('flock', [file, 'sh', '-c', 'echo locked; read _'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const holderClosed = new Promise((r) => holder.once('close', r));
    await new Promise<void>((res) => holder.stdout.once('data', () => res()));
    assert.not.ok(tryFlock(fd, LOCK_SH), 'held elsewhere');
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const waiting = flock(fd, LOCK_EX).then(() => ticks);
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(ticks > 0, 'event loop runs while flock waits');
    holder.stdin.end('\n');
    const ticksAtLock = await waiting;
    clearInterval(ticker);
    assert.ok(ticksAtLock > 0);
    await holderClosed;
    assert.is(spawnSync('flock', ['-n', file, 'true']).status, 1, 'we hold it now');
  } finally {
    closeSync(fd);
  }
});

test('mount/umount: a tmpfs in our mount namespace', () => {
  if (process.getuid!() !== 0) return console.log('# skip: mount needs root or the user namespace');
  const m = join(tmp, 'mnt');
  mkdirSync(m);
  mount('tmpfs', m, 'tmpfs', 0, 'size=1m');
  try {
    assert.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${m} `), 'listed in mountinfo');
    writeFileSync(join(m, 'f'), 'x');
  } finally {
    umount(m);
  }
  assert.not.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${m} `), 'gone after umount');
  assert.throws(() => umount(m), /umount `.*mnt`: Invalid argument/);
});

test('in the rootless run this file executes inside the user namespace', () => {
  if (process.env.TSPOD_TEST_ROOTLESS !== '1') return;
  assert.ok(rootlessNs, 'reexecInUserNamespace put us in the namespace');
  assert.is(process.getuid!(), 0);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
