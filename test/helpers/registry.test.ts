// The fixture registries themselves: each auth kind answers as distribution does, and podman (a
// peer client) can log in to the basic and token ones with the right password only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRegistry } from './registry.ts';

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'tspod-regtest-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

async function podmanLogin(host: string, user: string, password: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run('podman', ['login', '--tls-verify=false', '--authfile', join(tmp, `${host}.json`), '-u', user, '-p', password, host]);
    return { code: 0, out: r.stdout };
  } catch (e) {
    return { code: (e as { code: number }).code, out: (e as { stderr: string }).stderr };
  }
}

test('plain registry answers /v2/ with 200 and keeps pushed blobs; stop() removes it', async () => {
  const reg = await startRegistry();
  try {
    assert.match(reg.host, /^127\.0\.0\.1:\d+$/);
    const res = await fetch(`${reg.url}/v2/`);
    assert.is(res.status, 200);
    assert.is(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    // upload a blob monolithically and read it back
    const post = await fetch(`${reg.url}/v2/t/blobs/uploads/`, { method: 'POST' });
    assert.is(post.status, 202);
    const loc = new URL(post.headers.get('location')!, reg.url);
    const digest = 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
    loc.searchParams.set('digest', digest);
    assert.is((await fetch(loc, { method: 'PUT', body: 'hello' })).status, 201);
    assert.is(await (await fetch(`${reg.url}/v2/t/blobs/${digest}`)).text(), 'hello');
  } finally {
    await reg.stop();
  }
  assert.not.ok(existsSync(reg.dir));
  const err = await fetch(`${reg.url}/v2/`).then(() => undefined, (e) => e);
  assert.ok(err, 'registry still answering after stop()');
});

test('basic auth registry: 401 with a Basic challenge, podman login with the right password only', async () => {
  const reg = await startRegistry({ auth: 'basic' });
  try {
    const res = await fetch(`${reg.url}/v2/`);
    assert.is(res.status, 401);
    assert.match(res.headers.get('www-authenticate')!, /^Basic realm=/);
    const ok = await podmanLogin(reg.host, reg.username!, reg.password!);
    assert.is(ok.code, 0, ok.out);
    assert.match(ok.out, /Login Succeeded!/);
    const bad = await podmanLogin(reg.host, reg.username!, 'wrong');
    assert.is(bad.code, 125);
    assert.match(bad.out, /invalid username\/password/);
    assert.match(readFileSync(join(reg.dir, 'htpasswd'), 'utf8'), new RegExp(`^${reg.username}:\\$2y\\$`));
  } finally {
    await reg.stop();
  }
});

test('token auth registry: Bearer challenge, the token server grants scopes to valid users', async () => {
  const reg = await startRegistry({ auth: 'token' });
  try {
    const res = await fetch(`${reg.url}/v2/`);
    assert.is(res.status, 401);
    const ch = res.headers.get('www-authenticate')!;
    assert.match(ch, /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token",service="tspod-test-registry"/);
    const auth = 'Basic ' + Buffer.from(`${reg.username}:${reg.password}`).toString('base64');
    const t = await fetch(`${reg.tokenServer!.realm}?service=tspod-test-registry&scope=repository:x/y:pull,push`, { headers: { authorization: auth } });
    const body = (await t.json()) as { token: string; access_token: string };
    assert.is(body.token, body.access_token);
    const claims = JSON.parse(Buffer.from(body.token.split('.')[1], 'base64url').toString());
    assert.equal(claims.access, [{ type: 'repository', name: 'x/y', actions: ['pull', 'push'] }]);
    const v2 = await fetch(`${reg.url}/v2/`, { headers: { authorization: `Bearer ${body.token}` } });
    assert.is(v2.status, 200);
    // a tampered token is refused by the registry
    const forged = body.token.slice(0, -4) + (body.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.is((await fetch(`${reg.url}/v2/`, { headers: { authorization: `Bearer ${forged}` } })).status, 401);
    const bad = await fetch(`${reg.tokenServer!.realm}?service=tspod-test-registry`, { headers: { authorization: 'Basic ' + Buffer.from('x:y').toString('base64') } });
    assert.is(bad.status, 401);
    const ok = await podmanLogin(reg.host, reg.username!, reg.password!);
    assert.is(ok.code, 0, ok.out);
    assert.is((await podmanLogin(reg.host, reg.username!, 'wrong')).code, 125);
    const seen = await reg.tokenServer!.requests();
    assert.ok(seen.some((r) => r.account === reg.username && r.authorized));
  } finally {
    await reg.stop();
  }
});

test.run();
