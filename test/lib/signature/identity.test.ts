import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { identityMatches, parseDockerRef, dockerRefString, type SignedIdentity } from '../../../lib/signature/identity.ts';

const D = 'sha256:' + 'a'.repeat(64);

test('parseDockerRef normalises like ParseNormalizedNamed', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox'],
    ['busybox:1', 'docker.io/library/busybox:1'],
    ['index.docker.io/foo/bar', 'docker.io/foo/bar'],
    ['localhost/x:y', 'localhost/x:y'],
    ['127.0.0.1:5000/a/b@' + D, '127.0.0.1:5000/a/b@' + D],
    ['quay.io/a/b:t@' + D, 'quay.io/a/b:t@' + D],
  ];
  for (const [i, want] of cases) assert.is(dockerRefString(parseDockerRef(i)), want, i);
  for (const bad of ['', 'UPPER', 'a/b:bad tag', 'x@sha256:zz']) assert.throws(() => parseDockerRef(bad), undefined, bad);
});

test('signedIdentity rules (table from containers-policy.json(5))', () => {
  const exact: SignedIdentity = { type: 'matchExact' };
  const rde: SignedIdentity = { type: 'matchRepoDigestOrExact' };
  const repo: SignedIdentity = { type: 'matchRepository' };
  const cases: [SignedIdentity, string | undefined, string, boolean][] = [
    [exact, 'example.com/a/b:1', 'example.com/a/b:1', true],
    [exact, 'example.com/a/b:1', 'example.com/a/b:2', false],
    [exact, 'example.com/a/b:1', 'example.com/a/b', false],
    [exact, undefined, 'example.com/a/b:1', false],
    [rde, 'example.com/a/b:1', 'example.com/a/b:1', true],
    [rde, 'example.com/a/b:1', 'example.com/a/b:2', false],
    [rde, 'example.com/a/b@' + D, 'example.com/a/b:anything', true],
    [rde, 'example.com/a/b@' + D, 'example.com/a/c:anything', false],
    [rde, 'busybox:latest', 'docker.io/library/busybox:latest', true],
    [repo, 'example.com/a/b:1', 'example.com/a/b:9', true],
    [repo, 'example.com/a/b:1', 'example.com/a/c:1', false],
    [{ type: 'exactReference', dockerReference: 'example.com/x:1' }, undefined, 'example.com/x:1', true],
    [{ type: 'exactReference', dockerReference: 'example.com/x:1' }, 'example.com/y:1', 'example.com/x:2', false],
    [{ type: 'exactRepository', dockerRepository: 'example.com/x' }, undefined, 'example.com/x:7', true],
    [{ type: 'exactRepository', dockerRepository: 'example.com/x' }, undefined, 'example.com/y:7', false],
    [{ type: 'remapIdentity', prefix: 'mirror.local/ns', signedPrefix: 'example.com/ns' }, 'mirror.local/ns/app:1', 'example.com/ns/app:1', true],
    [{ type: 'remapIdentity', prefix: 'mirror.local/ns', signedPrefix: 'example.com/ns' }, 'mirror.local/ns/app:1', 'mirror.local/ns/app:1', false],
    [{ type: 'remapIdentity', prefix: 'mirror.local/ns', signedPrefix: 'example.com/ns' }, 'other.local/ns/app:1', 'other.local/ns/app:1', true],
    [{ type: 'remapIdentity', prefix: 'mirror.local/ns', signedPrefix: 'example.com/ns' }, 'mirror.local/nsx/app:1', 'example.com/nsx/app:1', false],
  ];
  for (const [rule, img, sig, want] of cases) assert.is(identityMatches(rule, img, sig), want, `${rule.type} ${img} ${sig}`);
});

test.run();
