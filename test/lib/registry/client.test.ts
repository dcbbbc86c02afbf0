// RegistryClient against the real fixture registries (docker-registry): plain, basic and token auth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { RegistryClient, RegistryError } from '../../../lib/registry/client.ts';
import { fixtureEnv } from '../../helpers/global-setup.ts';
import { readFixtures } from '../../helpers/images.ts';
import { freePort, startRegistry } from '../../helpers/registry.ts';
import * as MT from '../../../lib/oci/media-types.ts';

const env = await fixtureEnv();
const tmp = mkdtempSync(join(tmpdir(), 'tspod-client-test-'));
const sfx = randomBytes(3).toString('hex');
const ACCEPT = [MT.OCI_MANIFEST, MT.OCI_INDEX, MT.DOCKER_MANIFEST, MT.DOCKER_MANIFEST_LIST];
const clients: RegistryClient[] = [];
const client = (registry: string, ctx = {}) => {
  const c = new RegistryClient({ registry, ctx: { retryDelayMs: 10, ...ctx } });
  clients.push(c);
  return c;
};
const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const readAll = async (s: Readable) => { const c: Buffer[] = []; for await (const x of s) c.push(x as Buffer); return Buffer.concat(c); };
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e) => e as RegistryError);
const creds = { username: env.username, password: env.password };

test.after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  rmSync(tmp, { recursive: true, force: true });
});

test('getManifest/headManifest return the pushed fixture; a missing tag is MANIFEST_UNKNOWN / undefined', async () => {
  const c = client(env.registry);
  const f = readFixtures(env.ociDir).find((x) => x.name === 'multiarch' && x.tag === 'v2s2')!;
  const m = await c.getManifest('multiarch', 'v2s2', ACCEPT);
  assert.is(m.digest, f.digest);
  assert.is(m.mediaType, MT.DOCKER_MANIFEST_LIST);
  assert.is(sha(m.bytes), f.digest);
  const h = await c.headManifest('multiarch', 'v2s2', ACCEPT);
  assert.equal(h, { digest: f.digest, mediaType: MT.DOCKER_MANIFEST_LIST, size: m.bytes.length });
  assert.is(await c.headManifest('multiarch', `nope-${sfx}`, ACCEPT), undefined);
  const e = await fail(c.getManifest('multiarch', `nope-${sfx}`, ACCEPT));
  assert.ok(e instanceof RegistryError);
  assert.is(e.status, 404);
  assert.is(e.code, 'MANIFEST_UNKNOWN');
  assert.is(e.message, 'manifest unknown');
});

test('blobs: monolithic and streamed uploads, exists, ranged reads, cross-repo mount', async () => {
  const c = client(env.registry);
  const repo = `client-${sfx}/a`;
  const data = randomBytes(300_000);
  const d = sha(data);
  assert.is(await c.blobExists(repo, d), undefined);
  await c.uploadBlob(repo, d, data.length, Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
  assert.is(await c.blobExists(repo, d), data.length);
  const whole = await c.getBlob(repo, d);
  assert.is(whole.size, data.length);
  assert.ok((await readAll(whole.stream)).equals(data));
  const tail = await c.getBlob(repo, d, 1234);
  assert.is(tail.size, data.length - 1234);
  assert.ok((await readAll(tail.stream)).equals(data.subarray(1234)));
  // unknown size: PATCH stream then PUT
  const data2 = randomBytes(5000);
  await c.uploadBlob(repo, sha(data2), -1, Readable.from([data2]));
  assert.is(await c.blobExists(repo, sha(data2)), 5000);
  // a wrong digest is refused by the registry
  const bad = await fail(c.uploadBlob(repo, sha(Buffer.from('other')), data2.length, Readable.from([data2])));
  assert.is(bad.status, 400);
  assert.is(bad.code, 'DIGEST_INVALID');
  // mount into another repository, and a mount from a repository without the blob
  assert.ok(await c.mountBlob(`client-${sfx}/b`, d, repo));
  assert.is(await c.blobExists(`client-${sfx}/b`, d), data.length);
  assert.not.ok(await c.mountBlob(`client-${sfx}/c`, d, `client-${sfx}/nothing`));
  assert.is(await c.blobExists(`client-${sfx}/c`, d), undefined);
});

test('putManifest, listTags with Link pagination, catalog, deleteManifest', async () => {
  const c = client(env.registry);
  const repo = `client-${sfx}/tags`;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  await c.uploadBlob(repo, sha(config), config.length, Readable.from([config]));
  const man = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.OCI_MANIFEST,
    config: { mediaType: MT.OCI_CONFIG, digest: sha(config), size: config.length }, layers: [] }));
  const tags = ['t1', 't2', 't3', 't4', 't5'];
  for (const t of tags) assert.is(await c.putManifest(repo, t, man, MT.OCI_MANIFEST), sha(man));
  // docker-registry 2.8 lists tags in directory order and does not paginate them (the Link case
  // is in client-faults.test.ts); _catalog does paginate: pages of one must still give everything.
  assert.equal((await c.listTags(repo)).sort(), tags);
  const all = await c.catalog(1);
  assert.ok(all.includes(repo) && all.includes('busybox') && all.includes('layered'), all.join(','));
  await c.deleteManifest(repo, sha(man));
  assert.is((await fail(c.getManifest(repo, 't1', ACCEPT))).status, 404);
  assert.is((await fail(c.listTags(`client-${sfx}/none`))).code, 'NAME_UNKNOWN');
});

test('basic auth: 401 with a login hint without credentials; --creds and an auth file work', async () => {
  const anon = await fail(client(env.basic).getManifest('x', 'latest', ACCEPT));
  assert.is(anon.status, 401);
  assert.is(anon.code, 'UNAUTHORIZED');
  assert.match(anon.hint!, /tspod login/);
  const wrong = await fail(client(env.basic, { credentials: { username: env.username, password: 'wrong-pw' } }).getManifest('x', 'latest', ACCEPT));
  assert.is(wrong.status, 401);
  assert.not.match(`${wrong.message} ${wrong.url} ${wrong.hint}`, /wrong-pw/);
  const c = client(env.basic, { credentials: creds });
  const data = Buffer.from(`basic ${sfx}`);
  await c.uploadBlob(`b-${sfx}`, sha(data), data.length, Readable.from([data]));
  assert.is(await c.blobExists(`b-${sfx}`, sha(data)), data.length);
  const authFile = join(tmp, 'auth.json');
  writeFileSync(authFile, JSON.stringify({ auths: { [env.basic]: { auth: Buffer.from(`${env.username}:${env.password}`).toString('base64') } } }));
  assert.is(await client(env.basic, { authFile }).blobExists(`b-${sfx}`, sha(data)), data.length);
});

test('token auth: anonymous refused with a hint; tokens requested per scope and cached', async () => {
  const reg = await startRegistry({ auth: 'token' });
  try {
    const anon = await fail(client(reg.host).getManifest('x', 'latest', ACCEPT));
    assert.is(anon.status, 401);
    assert.match(anon.hint!, /tspod login/);
    const wrong = await fail(client(reg.host, { credentials: { username: reg.username!, password: 'nope-pw' } }).blobExists('x', sha(Buffer.from('x'))));
    assert.is(wrong.message, 'invalid username/password');
    assert.not.match(`${wrong.message} ${wrong.url}`, /nope-pw/);
    const c = client(reg.host, { credentials: { username: reg.username!, password: reg.password! } });
    const before = (await reg.tokenServer!.requests()).length;
    const data = Buffer.from(`token ${sfx}`);
    await c.uploadBlob('tok/a', sha(data), data.length, Readable.from([data]));
    await c.blobExists('tok/a', sha(data));
    await c.blobExists('tok/a', sha(data));
    assert.ok(await c.mountBlob('tok/b', sha(data), 'tok/a'));
    assert.equal(await c.catalog(), ['tok/a', 'tok/b']);
    const seen = (await reg.tokenServer!.requests()).slice(before);
    assert.equal(seen.map((r) => r.scopes.join(' ')), [
      'repository:tok/a:pull,push',
      'repository:tok/a:pull',
      'repository:tok/b:pull,push repository:tok/a:pull',
      'registry:catalog:*',
    ]);
    assert.ok(seen.every((r) => r.authorized && r.account === reg.username));
  } finally {
    await reg.stop();
  }
});

test('the shared token registry takes the shared test user', async () => {
  const c = client(env.token, { credentials: creds });
  assert.equal(await c.listTags('nothing-here').catch((e) => e.code), 'NAME_UNKNOWN');
});

test('an unreachable registry fails at once with a one-line error naming it', async () => {
  const port = await freePort();
  const e = await fail(client(`127.0.0.1:${port}`, { retryDelayMs: 5000 }).getManifest('busybox', 'latest', ACCEPT));
  assert.is(e.message, `pinging container registry 127.0.0.1:${port}: connection refused`);
  assert.is(e.status, 0);
  assert.not.ok(e.isTemporary());
});

test.run();
