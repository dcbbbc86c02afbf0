// Table-driven tests of the distribution reference grammar and docker.io normalisation.
// Cases follow docker/distribution reference's normalize_test.go and reference_test.go, and the
// error texts podman 4.3 prints for `podman pull BAD`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  familiarName, familiarString, isShortName, normalize, parseNamed, parseReference, withDefaultTag, withTag,
} from '../../../lib/reference/index.ts';
import { TspodError } from '../../../lib/errors.ts';

const D = 'sha256:' + 'a'.repeat(64);

// input -> [registry, repository, tag, digest] after ParseNormalizedNamed
const normalized: [string, string, string, string | undefined, string | undefined][] = [
  ['busybox', 'docker.io', 'library/busybox', undefined, undefined],
  ['busybox:1.36', 'docker.io', 'library/busybox', '1.36', undefined],
  ['foo/bar', 'docker.io', 'foo/bar', undefined, undefined],
  ['foo/bar/baz:T_1.x-y', 'docker.io', 'foo/bar/baz', 'T_1.x-y', undefined],
  ['docker.io/busybox', 'docker.io', 'library/busybox', undefined, undefined],
  ['index.docker.io/busybox', 'docker.io', 'library/busybox', undefined, undefined],
  ['docker.io/library/busybox:latest', 'docker.io', 'library/busybox', 'latest', undefined],
  ['localhost/busybox', 'localhost', 'busybox', undefined, undefined],
  ['localhost:5000/a/b:c', 'localhost:5000', 'a/b', 'c', undefined],
  ['127.0.0.1:5000/x', '127.0.0.1:5000', 'x', undefined, undefined],
  ['quay.io/podman/stable', 'quay.io', 'podman/stable', undefined, undefined],
  ['Example.COM/foo', 'Example.COM', 'foo', undefined, undefined],
  ['[::1]:5000/ns/img:t', '[::1]:5000', 'ns/img', 't', undefined],
  [`busybox@${D}`, 'docker.io', 'library/busybox', undefined, D],
  [`quay.io/a/b:v1@${D}`, 'quay.io', 'a/b', 'v1', D],
  ['a.b-c.d/f__g.h---i', 'a.b-c.d', 'f__g.h---i', undefined, undefined],
  ['a-b/c', 'docker.io', 'a-b/c', undefined, undefined],
];

for (const [input, registry, repository, tag, digest] of normalized) {
  test(`parseNamed(${JSON.stringify(input)})`, () => {
    const r = parseNamed(input);
    assert.equal([r.registry, r.repository, r.tag, r.digest], [registry, repository, tag, digest]);
    assert.is(r.name, `${registry}/${repository}`);
    assert.is(r.toString(), `${registry}/${repository}${tag ? ':' + tag : ''}${digest ? '@' + digest : ''}`);
  });
}

// input -> exact error message (podman 4.3.1: `podman pull INPUT`)
const invalid: [string, string][] = [
  ['UPPER', 'repository name must be lowercase'],
  ['a/B', 'repository name must be lowercase'],
  ['busybox:', 'invalid reference format'],
  [':tag', 'invalid reference format'],
  ['a@sha256:abc', 'invalid reference format'],
  ['a//b', 'invalid reference format'],
  ['a:b:c', 'invalid reference format'],
  ['-a', 'invalid reference format'],
  ['a/', 'invalid reference format'],
  ['', 'invalid reference format'],
  ['a'.repeat(260), 'repository name must not be more than 255 characters'],
  ['a:' + 'x'.repeat(129), 'invalid reference format'],
  [`a@sha256:${'A'.repeat(64)}`, 'invalid checksum digest format'],
  [`a@sha256:${'a'.repeat(63)}`, 'invalid checksum digest length'],
  [`a@sha256:${'a'.repeat(31)}`, 'invalid reference format'],
  [`a@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
  [`a@sha512:${'a'.repeat(64)}`, 'invalid checksum digest length'],
  ['0'.repeat(64), `invalid repository name (${'0'.repeat(64)}), cannot specify 64-byte hexadecimal strings`],
  ['foo bar', 'invalid reference format'],
];

for (const [input, message] of invalid) {
  test(`parseNamed rejects ${JSON.stringify(input.slice(0, 40))}`, () => {
    try {
      parseNamed(input);
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, TspodError);
      // podman's text; tspod names the input: parsing reference "INPUT": invalid reference format
      const want = message === 'invalid reference format' ? `parsing reference ${JSON.stringify(input)}: ${message}` : message;
      assert.is((err as TspodError).message, want);
      assert.is((err as TspodError).code, 'INVALID_REFERENCE');
      assert.is((err as TspodError).exitCode, 125);
    }
  });
}

test('normalize adds :latest only without tag or digest', () => {
  assert.is(normalize('busybox'), 'docker.io/library/busybox:latest');
  assert.is(normalize('foo/bar:1'), 'docker.io/foo/bar:1');
  assert.is(normalize(`busybox@${D}`), `docker.io/library/busybox@${D}`);
  assert.is(withDefaultTag(parseNamed('localhost/x')).toString(), 'localhost/x:latest');
  assert.is(withTag(parseNamed(`quay.io/a:1@${D}`), '2').toString(), `quay.io/a:2@${D}`);
});

test('parseReference does not normalise', () => {
  assert.throws(() => parseReference(''), /repository name must have at least one component/);
  const r = parseReference('foo/bar:1');
  assert.equal([r.registry, r.repository, r.tag], ['foo', 'bar', '1']);
  assert.equal([parseReference('busybox').registry, parseReference('busybox').repository], ['', 'busybox']);
});

const familiar: [string, string, string][] = [
  ['docker.io/library/busybox:latest', 'busybox', 'busybox:latest'],
  ['docker.io/foo/bar', 'foo/bar', 'foo/bar'],
  ['docker.io/library/a/b', 'library/a/b', 'library/a/b'],
  ['quay.io/x/y:1', 'quay.io/x/y', 'quay.io/x/y:1'],
  ['localhost/x', 'localhost/x', 'localhost/x'],
];
for (const [input, name, str] of familiar) {
  test(`familiarName(${input})`, () => {
    assert.is(familiarName(input), name);
    assert.is(familiarString(input), str);
  });
}

// containers/image shortnames_test.go TestIsShortName
const shortNames: [string, boolean][] = [
  ['busybox', true], ['busybox:tag', true], ['library/busybox', true], ['a/b/c', true], [`busybox@${D}`, true],
  ['quay.io/busybox', false], ['localhost/busybox', false], ['localhost:5000/x', false], ['docker.io/busybox', false],
  ['server.org:5000/lib/image', false], ['example.com/a', false], ['UPPER', false],
];
for (const [input, short] of shortNames) {
  test(`isShortName(${input}) is ${short}`, () => assert.is(isShortName(input), short));
}

test.run();
