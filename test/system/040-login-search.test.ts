// tspod login / logout / search against the fixture registries (basic and token auth), checked
// against podman: each reads the auth file the other wrote, and search prints what podman prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureEnv } from '../helpers/global-setup.ts';
import { freePort } from '../helpers/registry.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
const env = await fixtureEnv();
const tmp = mkdtempSync(join(tmpdir(), 'tspod-sys-login-'));
chmodSync(tmp, 0o700);
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function run(cmd: string[], expect: number, args: string[], input = '', extraEnv: Record<string, string> = {}): { out: string; err: string } {
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], { encoding: 'utf8', timeout: 60_000, input, env: { ...process.env, REGISTRY_AUTH_FILE: '', ...extraEnv } });
  assert.is(r.status, expect, `${cmd.at(-1)} ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
}
const tspod = (expect: number, ...args: string[]) => run(TSPOD, expect, args);
const tspodIn = (input: string, expect: number, ...args: string[]) => run(TSPOD, expect, args, input);
const podman = (expect: number, ...args: string[]) => run(['podman'], expect, args);
const { username: user, password } = env;

test('login to a basic-auth registry: wrong password refused, right one stored 0600, podman reads it', () => {
  const auth = join(tmp, 'basic.json');
  const bad = tspod(125, 'login', '--authfile', auth, '-u', user, '-p', 'wrong-pass', env.basic);
  assert.is(bad.err, `Error: logging into "${env.basic}": invalid username/password\n`);
  assert.not.ok(existsSync(auth), 'nothing written for refused credentials');
  assert.is(tspod(0, 'login', '--authfile', auth, '-u', user, '-p', password, env.basic).out, 'Login Succeeded!\n');
  assert.is(statSync(auth).mode & 0o777, 0o600);
  const file = JSON.parse(readFileSync(auth, 'utf8'));
  assert.is(Buffer.from(file.auths[env.basic].auth, 'base64').toString(), `${user}:${password}`);
  assert.is(podman(0, 'login', '--authfile', auth, '--get-login', env.basic).out, `${user}\n`);
  assert.match(podman(0, 'login', '--authfile', auth, '--tls-verify=false', env.basic).out, /Existing credentials are valid/);
  assert.is(tspod(0, 'login', '--authfile', auth, '--get-login', env.basic).out, `${user}\n`);
  assert.is(tspod(0, 'login', '--authfile', auth, env.basic).out,
    `Authenticating with existing credentials for ${env.basic}\nExisting credentials are valid. Already logged in to ${env.basic}\n`);
  assert.is(tspod(0, 'logout', '--authfile', auth, env.basic).out, `Removed login credentials for ${env.basic}\n`);
  assert.is(tspod(125, 'logout', '--authfile', auth, env.basic).err, `Error: not logged into ${env.basic}\n`);
  assert.is(tspod(125, 'login', '--authfile', auth, '--get-login', env.basic).err, `Error: not logged into ${env.basic}\n`);
});

test('login to a token-auth registry with --password-stdin; tspod reads what podman login wrote', () => {
  const auth = join(tmp, 'token.json');
  assert.is(tspodIn(`${password}\n`, 0, 'login', '--authfile', auth, '-u', user, '--password-stdin', env.token).out, 'Login Succeeded!\n');
  assert.match(podman(0, 'login', '--authfile', auth, '--tls-verify=false', env.token).out, /Already logged in to/);
  assert.is(tspodIn('nope\n', 125, 'login', '--authfile', auth, '-u', user, '--password-stdin', env.token).err,
    `Error: logging into "${env.token}": invalid username/password\n`);
  const pa = join(tmp, 'podman.json');
  podman(0, 'login', '--authfile', pa, '--tls-verify=false', '-u', user, '-p', password, env.basic);
  assert.is(tspod(0, 'login', '--authfile', pa, '--get-login', env.basic).out, `${user}\n`);
  assert.match(tspod(0, 'login', '--authfile', pa, env.basic).out, /Already logged in/);
  // prompts read from a pipe when no flags are given
  const pr = join(tmp, 'prompt.json');
  const p = tspodIn(`${user}\n${password}\n`, 0, 'login', '--authfile', pr, env.token);
  assert.is(p.out, 'Login Succeeded!\n');
  assert.match(p.err, /Username: Password: /);
  assert.is(tspod(0, 'logout', '--authfile', pr, '--all').out, 'Removed login credentials for all registries\n');
  assert.is(tspod(125, 'login', '--authfile', pr, '--get-login', env.token).err, `Error: not logged into ${env.token}\n`);
});

test('login argument errors as podman', () => {
  const auth = join(tmp, 'args.json');
  assert.is(tspod(125, 'login', '--authfile', auth, '-u', 'a', '-p', 'b', '--password-stdin', env.basic).err, "Error: Can't specify both --password-stdin and --password\n");
  assert.is(tspod(125, 'login', '--authfile', auth, '--password-stdin', env.basic).err, 'Error: Must provide --username with --password-stdin\n');
  assert.is(tspod(125, 'login', '--authfile', auth, '-p', 'b', env.basic).err, 'Username: Error: getting username and password: reading username: EOF\n');
});

test('an unreachable registry is a one-line error naming it', async () => {
  const port = await freePort();
  const r = tspod(125, 'login', '--authfile', join(tmp, 'x.json'), '-u', 'a', '-p', 'b', `127.0.0.1:${port}`);
  assert.is(r.err, `Error: authenticating creds for "127.0.0.1:${port}": pinging container registry 127.0.0.1:${port}: connection refused\n`);
});

test('search lists the catalog like podman: all, a term, --limit, --list-tags, json, nothing', () => {
  const H = env.registry;
  for (const args of [[`${H}/`], [`${H}/busy`], ['--limit', '2', `${H}/`], ['--list-tags', `${H}/busybox`], ['--list-tags', '--format', 'json', `${H}/layered`],
    ['--format', 'json', `${H}/multi`], ['--format', '{{.Name}} {{.Index}}', `${H}/a`], ['--compatible', `${H}/bus`], [`${H}/nothing-here`]]) {
    const mine = tspod(0, 'search', ...args).out;
    const theirs = podman(0, 'search', '--tls-verify=false', ...args).out;
    assert.is(mine, theirs, `search ${args.join(' ')}`);
  }
  const all = tspod(0, 'search', `${H}/`).out.split('\n');
  assert.match(all[0], /^NAME\s+DESCRIPTION$/);
  for (const n of ['busybox', 'layered', 'multiarch', 'uncompressed']) assert.ok(all.some((l) => l.startsWith(`${H}/${n} `)), n);
});

test('search on an auth registry: 401 with a login hint, fine with --creds', () => {
  const r = tspod(125, 'search', `${env.basic}/`);
  assert.is(r.err, `Error: couldn't search registry "${env.basic}": unauthorized: authentication required\ntry \`tspod login\` with credentials for this registry (or --creds)\n`);
  tspod(0, 'search', '--creds', `${user}:${password}`, `${env.basic}/`);
  tspod(0, 'search', '--creds', `${user}:${password}`, `${env.token}/`);
});

test('without a registry: login, logout and search use unqualified-search-registries', () => {
  const conf = join(tmp, 'registries.conf');
  writeFileSync(conf, `unqualified-search-registries = ["${env.basic}", "${env.registry}"]\n`);
  const e = { CONTAINERS_REGISTRIES_CONF: conf };
  const auth = join(tmp, 'default.json');
  assert.is(run(TSPOD, 0, ['login', '--authfile', auth, '-u', user, '-p', password], '', e).out, 'Login Succeeded!\n');
  assert.ok(JSON.parse(readFileSync(auth, 'utf8')).auths[env.basic]);
  // the basic registry answers with the stored credentials, the plain one has the fixtures
  const found = run(TSPOD, 0, ['search', '--authfile', auth, 'busy'], '', e).out;
  assert.match(found, new RegExp(`^NAME\\s+DESCRIPTION\n${env.registry.replace(/\./g, '\\.')}/busybox\\s*\n$`));
  assert.is(run(TSPOD, 0, ['logout', '--authfile', auth], '', e).out, `Removed login credentials for ${env.basic}\n`);
  // without the credentials the basic registry fails: a warning, the other registry still answers
  const r = run(TSPOD, 0, ['search', '--authfile', auth, 'busy'], '', e);
  assert.match(r.err, new RegExp(`^Warning: couldn't search registry "${env.basic}": unauthorized`));
  assert.match(r.out, /busybox/);
});

test.run();
