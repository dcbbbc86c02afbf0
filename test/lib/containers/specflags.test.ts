// The parsers of --device, --shm-size, --pid/--ipc/--uts and the additional gids, with podman 4.3's results.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { additionalGids, parseDevice, parseNamespaceMode, parseShmSize } from '../../../lib/containers/specflags.ts';
import type { ContainerConfig } from '../../../lib/containers/types.ts';

test('parseDevice: HOST[:CONTAINER][:PERMS] as podman ParseDevice', () => {
  assert.equal(parseDevice('/dev/null'), { source: '/dev/null', destination: '/dev/null', permissions: 'rwm' });
  assert.equal(parseDevice('/dev/null:/dev/n'), { source: '/dev/null', destination: '/dev/n', permissions: 'rwm' });
  assert.equal(parseDevice('/dev/null:rw'), { source: '/dev/null', destination: '/dev/null', permissions: 'rw' });
  assert.equal(parseDevice('/dev/null:/dev/n:r'), { source: '/dev/null', destination: '/dev/n', permissions: 'r' });
  for (const [d, msg] of [['/dev/null:rel', 'invalid device mode: rel'], ['/dev/null:/dev/n:rr', 'invalid device mode: rr'],
    ['/dev/null:', 'invalid device mode: '], ['a:/b:r:x', 'invalid device specification: a:/b:r:x']]) {
    assert.throws(() => parseDevice(d), (e: Error) => e.message === msg, d);
  }
});

test('parseShmSize: go-units RAMInBytes (binary units)', () => {
  assert.is(parseShmSize('10'), 10);
  assert.is(parseShmSize('1m'), 1048576);
  assert.is(parseShmSize('1.5k'), 1536);
  assert.is(parseShmSize('2GB'), 2 * 1024 ** 3);
  assert.is(parseShmSize('1kib'), 1024);
  for (const s of ['abc', '-1', '1x']) assert.throws(() => parseShmSize(s), (e: Error) => e.message === `unable to translate --shm-size: invalid size: '${s}'`);
});

test('parseNamespaceMode: host, private, errors', () => {
  assert.is(parseNamespaceMode('pid', 'host'), 'host');
  assert.is(parseNamespaceMode('uts', 'private'), undefined);
  assert.is(parseNamespaceMode('ipc', 'none'), 'none');
  assert.throws(() => parseNamespaceMode('pid', 'none'), /unrecognized namespace mode none passed/);
  assert.throws(() => parseNamespaceMode('uts', 'bogus'), /unrecognized namespace mode bogus passed/);
});

test('additionalGids: primary gid unless 0, user groups unless a group was given, then --group-add, no repeats', () => {
  const root = mkdtempSync(join(tmpdir(), 'tspod-gids-'));
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nbb:x:1000:\nextra:x:2000:bb\n');
  const cfg = (user: string, groupAdd?: string[]) => ({ id: 'c1', user, groupAdd }) as ContainerConfig;
  assert.equal(additionalGids(root, cfg('', ['extra', '42', '42']), { gid: 0, additionalGids: [] }), [2000, 42]);
  assert.equal(additionalGids(root, cfg('bb', ['extra', '42']), { gid: 1000, additionalGids: [2000] }), [1000, 2000, 42]);
  assert.equal(additionalGids(root, cfg('bb:bb'), { gid: 1000, additionalGids: [2000] }), [1000]);
  assert.equal(additionalGids(root, cfg('', ['keep-groups']), { gid: 0, additionalGids: [] }), []);
  assert.throws(() => additionalGids(root, cfg('', ['nosuch']), { gid: 0, additionalGids: [] }), /Unable to find group nosuch: no matching entries in group file/);
  rmSync(root, { recursive: true });
});

test.run();
