import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseChallenges, preferredChallenge } from '../../../lib/registry/challenge.ts';

const cases: [string, { scheme: string; params: Record<string, string> }[]][] = [
  ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
  ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } }]],
  ['bearer Realm=https://a/token, Service=reg', [{ scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg' } }]],
  ['Bearer realm="a\\"b",error="insufficient_scope"', [{ scheme: 'bearer', params: { realm: 'a"b', error: 'insufficient_scope' } }]],
  ['Basic realm="x", Bearer realm="https://t/token",service="s"',
    [{ scheme: 'basic', params: { realm: 'x' } }, { scheme: 'bearer', params: { realm: 'https://t/token', service: 's' } }]],
  ['Bearer realm="https://t/token",scope="repository:a:pull repository:b:pull"',
    [{ scheme: 'bearer', params: { realm: 'https://t/token', scope: 'repository:a:pull repository:b:pull' } }]],
  ['', []],
];

test('parseChallenges: table', () => {
  for (const [input, want] of cases) assert.equal(parseChallenges(input), want, input);
});

test('parseChallenges: several header lines, Bearer preferred over Basic', () => {
  const cs = parseChallenges(['Basic realm="r"', 'Bearer realm="https://t/token"']);
  assert.is(cs.length, 2);
  assert.is(preferredChallenge(cs)?.scheme, 'bearer');
  assert.is(preferredChallenge(parseChallenges('Basic realm="r"'))?.scheme, 'basic');
  assert.is(preferredChallenge(parseChallenges('Negotiate abc')), undefined);
});

test.run();
