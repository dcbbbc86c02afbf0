import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goTimestamp, referenceMatches, repoTag } from '../../../lib/storage/report.ts';

test('repoTag splits stored names', () => {
  assert.equal(repoTag('docker.io/library/busybox:latest'), { repository: 'docker.io/library/busybox', tag: 'latest' });
  assert.equal(repoTag('quay.io/a/b@sha256:' + 'a'.repeat(64)), { repository: 'quay.io/a/b', tag: '<none>' });
  assert.equal(repoTag('localhost:5000/x:1'), { repository: 'localhost:5000/x', tag: '1' });
});

test('reference filter matches full, repository and short forms with globs', () => {
  const n = 'docker.io/library/busybox:latest';
  for (const p of ['busybox', 'busybox:latest', 'library/busybox', 'docker.io/library/busybox', n, 'busy*', '*box:latest', 'docker.io/*/busybox']) {
    assert.ok(referenceMatches(n, p), p);
  }
  for (const p of ['busybox:1', 'box', 'quay.io/*', 'alpine']) assert.not.ok(referenceMatches(n, p), p);
});

test('goTimestamp drops insignificant fractional zeros like Go', () => {
  assert.is(goTimestamp('2024-01-01T00:00:00.000Z'), '2024-01-01T00:00:00Z');
  assert.is(goTimestamp('2024-01-01T00:00:00.120Z'), '2024-01-01T00:00:00.12Z');
  assert.is(goTimestamp('2024-01-01T00:00:00.065794908+02:00'), '2024-01-01T00:00:00.065794908+02:00');
});

test.run();
