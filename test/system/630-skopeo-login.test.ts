// tspod skopeo login/logout against basic and token auth registries; the auth file they write is
// the one skopeo reads, and the other way round.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureEnv, type FixtureEnv } from '../helpers/global-setup.ts';
import { makeDirImage } from '../helpers/dir-image.ts';
import { skopeoSkip, tspodSkopeo } from '../helpers/skopeo.ts';

const skip = skopeoSkip();
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

let dir: string;
let fx: FixtureEnv;
let img: string;

const tspod = (args: string[], input?: string) => tspodSkopeo(args, { input });

test.before(async () => {
  if (skip) return;
  fx = await fixtureEnv();
  dir = mkdtempSync(join(tmpdir(), 'tspod-630-'));
  img = join(dir, 'img');
  makeDirImage(img);
});
test.after(() => {
  if (!skip) rmSync(dir, { recursive: true, force: true });
});

for (const kind of ['basic', 'token'] as const) {
  t(`login/logout on a ${kind} auth registry`, async () => {
    const host = fx[kind];
    const authfile = join(dir, `${kind}.json`);
    const bad = await tspod(['login', '--authfile', authfile, '--tls-verify=false', '-u', fx.username, '-p', 'wrong', host]);
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /invalid username\/password/, bad.stderr);
    assert.ok(!existsSync(authfile), 'nothing stored for a failed login');
    const ok = await tspod(['login', '--authfile', authfile, '--tls-verify=false', '-u', fx.username, '--password-stdin', host], `${fx.password}\n`);
    assert.is(ok.code, 0, ok.stderr);
    assert.is(ok.stdout, 'Login Succeeded!\n');
    assert.ok(JSON.parse(readFileSync(authfile, 'utf8')).auths[host]);
    const who = await tspod(['login', '--authfile', authfile, '--get-login', host]);
    assert.is(who.stdout, `${fx.username}\n`);

    const dest = `docker://${host}/l${Math.random().toString(36).slice(2, 8)}/app:1`;
    const push = await tspod(['--insecure-policy', 'copy', '-q', '--dest-tls-verify=false', '--authfile', authfile, `dir:${img}`, dest]);
    assert.is(push.code, 0, push.stderr);
    const peer = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', '--authfile', authfile, dest], { encoding: 'utf8' });
    assert.is(peer.status, 0, peer.stderr);

    const out = await tspod(['logout', '--authfile', authfile, host]);
    assert.is(out.code, 0, out.stderr);
    assert.is(out.stdout, `Removed login credentials for ${host}\n`);
    const again = await tspod(['logout', '--authfile', authfile, host]);
    assert.is(again.code, 1);
    assert.match(again.stderr, /not logged into/);

    // skopeo's login is read by tspod.
    const sk = spawnSync('skopeo', ['login', '--authfile', authfile, '--tls-verify=false', '-u', fx.username, '-p', fx.password, host], { encoding: 'utf8' });
    assert.is(sk.status, 0, sk.stderr);
    const inspect = await tspod(['inspect', '--raw', '--tls-verify=false', '--authfile', authfile, dest]);
    assert.is(inspect.code, 0, inspect.stderr);
    const all = await tspod(['logout', '--authfile', authfile, '--all']);
    assert.is(all.code, 0);
    assert.equal(JSON.parse(readFileSync(authfile, 'utf8')).auths, {});
  });
}

test.run();
