// @rootless
// containers-auth.json: lookup order, namespaces, docker's config.json and .dockercfg, credential
// helpers (a real docker-credential-* executable on PATH), atomic 0600 writes, and podman reading
// what tspod wrote.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authFilePath, authFilePaths, getCredentials, removeAllCredentials, removeCredentials, setCredentials,
} from '../../../lib/config/auth.ts';
import { invalidateRegistriesCache } from '../../../lib/config/registries.ts';

const dir = mkdtempSync(join(tmpdir(), 'tspod-auth-'));
const home = join(dir, 'home');
const runtime = join(dir, 'run');
mkdirSync(home, { recursive: true });
mkdirSync(runtime, { recursive: true });
const b64 = (s: string) => Buffer.from(s).toString('base64');
const regConf = join(dir, 'registries.conf');
writeFileSync(regConf, '');
const emptyDrop = join(dir, 'none.d');

// Isolate from the machine's real files.
const savedEnv = { ...process.env };
Object.assign(process.env, { HOME: home, XDG_RUNTIME_DIR: runtime, XDG_CONFIG_HOME: join(home, '.config') });
delete process.env.REGISTRY_AUTH_FILE;
delete process.env.DOCKER_CONFIG;
const ctx = { registriesConf: regConf, registriesDir: emptyDrop };

function writeJson(p: string, v: unknown) {
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, JSON.stringify(v));
}

test('default paths in containers-auth.json order', () => {
  assert.is(authFilePath(ctx), join(runtime, 'containers/auth.json'));
  assert.equal(authFilePaths(ctx).map((p) => [p.path, p.legacy]), [
    [join(runtime, 'containers/auth.json'), false],
    [join(home, '.config/containers/auth.json'), false],
    [join(home, '.docker/config.json'), false],
    [join(home, '.dockercfg'), true],
  ]);
  assert.equal(authFilePaths({ ...ctx, authFile: '/x/auth.json' }).map((p) => p.path), ['/x/auth.json']);
});

test('lookup: first file wins, longest namespace key wins, docker URL keys match by host', () => {
  writeJson(join(runtime, 'containers/auth.json'), { auths: { 'r.example': { auth: b64('run:1') }, 'r.example/team': { auth: b64('team:2') } } });
  writeJson(join(home, '.config/containers/auth.json'), { auths: { 'r.example': { auth: b64('cfg:3') }, 'only.cfg': { auth: b64('cfg:4') } } });
  writeJson(join(home, '.docker/config.json'), { auths: { 'https://index.docker.io/v1/': { auth: b64('hub:5') }, 'tok.example': { identitytoken: 'T0K' } } });
  writeJson(join(home, '.dockercfg'), { 'https://legacy.example/v1/': { auth: b64('old:6') } });
  const cases: [string, string, string][] = [
    ['r.example', 'run', '1'],
    ['r.example/team/app', 'team', '2'],
    ['r.example/team', 'team', '2'],
    ['r.example/other/app', 'run', '1'],
    ['only.cfg/x', 'cfg', '4'],
    ['docker.io', 'hub', '5'],
    ['docker.io/library/busybox', 'hub', '5'],
    ['legacy.example', 'old', '6'],
  ];
  for (const [key, user, pass] of cases) {
    const c = getCredentials(key, ctx);
    assert.equal([c?.username, c?.password], [user, pass], key);
  }
  assert.is(getCredentials('tok.example', ctx)?.identityToken, 'T0K');
  assert.is(getCredentials('nothing.example', ctx), undefined);
  assert.equal(getCredentials('r.example', { ...ctx, credentials: { username: 'c', password: 'd' } })?.username, 'c');
});

test('setCredentials writes 0600 atomically, keeps other keys, podman reads it', async () => {
  const file = join(dir, 'written/auth.json');
  const c = { ...ctx, authFile: file };
  assert.is(await setCredentials('127.0.0.1:5999', 'alice', 'p:w', c), file);
  await setCredentials('127.0.0.1:5999/team', 'bob', 'x', c);
  assert.is(statSync(file).mode & 0o777, 0o600);
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(Object.keys(doc.auths), ['127.0.0.1:5999', '127.0.0.1:5999/team']);
  assert.is(doc.auths['127.0.0.1:5999'].auth, b64('alice:p:w'));
  assert.equal(getCredentials('127.0.0.1:5999/team/app', c)?.username, 'bob');
  if (spawnSync('podman', ['--version']).status === 0) {
    const r = spawnSync('podman', ['login', '--get-login', '--authfile', file, '127.0.0.1:5999'], { encoding: 'utf8' });
    assert.is(r.stdout.trim(), 'alice');
  }
  await removeCredentials('127.0.0.1:5999', c);
  assert.equal(Object.keys(JSON.parse(readFileSync(file, 'utf8')).auths), ['127.0.0.1:5999/team']);
  try {
    await removeCredentials('127.0.0.1:5999', c);
    assert.unreachable('second logout must fail');
  } catch (err) {
    assert.is((err as Error).message, 'not logged into 127.0.0.1:5999');
    assert.is((err as any).exitCode, 125);
  }
  await removeAllCredentials(c);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).auths, {});
});

test('keys with tags, digests or schemes are refused', async () => {
  for (const k of ['r.example/img:tag', 'r.example/img@sha256:abc', 'https://r.example']) {
    try {
      await setCredentials(k, 'u', 'p', { ...ctx, authFile: join(dir, 'bad.json') });
      assert.unreachable(k);
    } catch (err) {
      assert.is((err as any).code, 'INVALID_AUTH_KEY', k);
    }
  }
  assert.not.ok(existsSync(join(dir, 'bad.json')));
});

test('credential helpers: from credHelpers in a file and from registries.conf', async () => {
  const bin = join(dir, 'bin');
  const store = join(dir, 'helper-store.json');
  mkdirSync(bin, { recursive: true });
  // A minimal docker-credential helper speaking the real protocol (get/store/erase on stdin).
  writeFileSync(join(bin, 'docker-credential-tspodtest'), `#!/usr/bin/env node
const fs = require('fs'); const f = ${JSON.stringify(store)};
const db = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')) : {};
const input = fs.readFileSync(0, 'utf8').trim();
const op = process.argv[2];
if (op === 'get') { if (!db[input]) { process.stdout.write('credentials not found in native keychain'); process.exit(1); }
  process.stdout.write(JSON.stringify({ ServerURL: input, Username: db[input][0], Secret: db[input][1] })); }
else if (op === 'store') { const o = JSON.parse(input); db[o.ServerURL] = [o.Username, o.Secret]; fs.writeFileSync(f, JSON.stringify(db)); }
else if (op === 'erase') { if (!db[input]) process.exit(1); delete db[input]; fs.writeFileSync(f, JSON.stringify(db)); }
`);
  chmodSync(join(bin, 'docker-credential-tspodtest'), 0o755);
  process.env.PATH = `${bin}:${process.env.PATH}`;
  writeFileSync(store, JSON.stringify({ 'helped.example': ['hu', 'hp'] }));
  writeJson(join(home, '.docker/config.json'), { credHelpers: { 'helped.example': 'tspodtest' } });
  assert.equal(getCredentials('helped.example/x', ctx)?.username, 'hu');
  const withHelper = join(dir, 'helper.conf');
  writeFileSync(withHelper, 'credential-helpers = ["tspodtest", "containers-auth.json"]\n');
  invalidateRegistriesCache();
  const hctx = { registriesConf: withHelper, registriesDir: emptyDrop };
  assert.is(await setCredentials('stored.example', 'su', 'sp', hctx), 'docker-credential-tspodtest');
  assert.equal(JSON.parse(readFileSync(store, 'utf8'))['stored.example'], ['su', 'sp']);
  assert.equal(getCredentials('stored.example', hctx)?.password, 'sp');
  await removeCredentials('stored.example', hctx);
  assert.is(getCredentials('stored.example', hctx), undefined);
});

test('a malformed auth entry is skipped like docker does', () => {
  const f = join(dir, 'nocolon.json');
  writeJson(f, { auths: { 'x.example': { auth: b64('nocolon') } } });
  assert.is(getCredentials('x.example', { ...ctx, authFile: f }), undefined);
});

test('a broken auth file is a clear error', () => {
  const f = join(dir, 'broken.json');
  writeFileSync(f, '{ not json');
  assert.throws(() => getCredentials('x.example', { ...ctx, authFile: f }), /unmarshaling JSON at ".*broken.json"/);
});

test.after(() => {
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});
test.run();
