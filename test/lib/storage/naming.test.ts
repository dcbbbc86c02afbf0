// Table-driven: the names podman 4.3 (libimage) makes, and its messages for names it cannot make.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizeLocalName, ociLayoutStorageName, localPathName } from '../../../lib/storage/naming.ts';

test('normalizeLocalName: names without a registry go under localhost/, ":latest" when untagged', () => {
  const cases: [string, string][] = [
    ['latest', 'localhost/latest:latest'],
    ['mytag', 'localhost/mytag:latest'],
    ['foo:1.0', 'localhost/foo:1.0'],
    ['foo/bar', 'localhost/foo/bar:latest'],
    ['localhost/x', 'localhost/x:latest'],
    ['quay.io/x/y:z', 'quay.io/x/y:z'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['host:5000/a', 'host:5000/a:latest'],
    [`quay.io/a:1@sha256:${'a'.repeat(64)}`, `quay.io/a@sha256:${'a'.repeat(64)}`],
  ];
  for (const [input, want] of cases) assert.is(normalizeLocalName(input), want, input);
});

test('normalizeLocalName: podman\'s errors', () => {
  assert.throws(() => normalizeLocalName('Upper'), (e: Error) => e.message === 'normalizing name "Upper": repository name must be lowercase');
  assert.throws(() => normalizeLocalName('a b'), (e: Error) => e.message === 'normalizing name "a b": invalid reference format');
});

test('OCI layout paths: localhost/PATH:latest, or the storage reference error', () => {
  assert.is(localPathName('/tmp/x'), 'localhost/tmp/x');
  assert.is(ociLayoutStorageName('/tmp/x'), 'localhost/tmp/x:latest');
  assert.is(ociLayoutStorageName('rel/dir'), 'localhost/rel/dir:latest');
  assert.throws(() => ociLayoutStorageName('./x'), (e: Error) => e.message === 'parsing "localhost/./x": parsing named reference "localhost/./x": invalid reference format');
  assert.throws(() => ociLayoutStorageName('/tmp/X'),
    (e: Error) => e.message === 'parsing "localhost/tmp/X": parsing named reference "localhost/tmp/X": invalid reference format: repository name must be lowercase');
});

test.run();
