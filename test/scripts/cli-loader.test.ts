// dist/tspod.js (scripts/cli-loader.cjs): the bundle runs with the code cache made at build time; a
// missing or rejected cache still runs the CLI and leaves a per-user cache for the next start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const loader = join(repo, 'dist/tspod.js');
const bundle = /"bundle":"([^"]+)"/.exec(existsSync(loader) ? readFileSync(loader, 'utf8') : '')?.[1];
const skip = bundle ? '' : 'dist/tspod.js not built by scripts/build.mjs (node scripts/build.mjs js)';
const cacheName = (bundle ?? '').replace(/\.cjs$/, '.cache');
let tmp = '';

function tspod(cli: string, args: string[], opts: { nodeArgs?: string[] } = {}) {
  const env = { ...process.env, XDG_CACHE_HOME: join(tmp, 'cache') };
  return spawnSync(process.execPath, [...(opts.nodeArgs ?? []), cli, ...args], { env, encoding: 'utf8', timeout: 30_000 });
}
const ownCache = () => join(tmp, 'cache/tspod', cacheName);

test.before.each(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tspod-loader-'));
});
test.after.each(() => rmSync(tmp, { recursive: true, force: true }));

test('the build ships a code cache that V8 accepts: nothing is written for the user', () => {
  if (skip) return console.log(`# skipped: ${skip}`);
  assert.ok(existsSync(join(repo, 'dist', cacheName)), `dist/${cacheName} missing: the build's training run failed`);
  const r = tspod(loader, ['version']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Client:\s+tspod\nVersion:/);
  assert.not.ok(existsSync(join(tmp, 'cache/tspod')), 'the shipped cache was rejected');
});

test('a corrupt cache: the CLI still runs, exit codes kept, and a per-user cache replaces it once', () => {
  if (skip) return console.log(`# skipped: ${skip}`);
  const dist = join(tmp, 'dist');
  cpSync(join(repo, 'dist'), dist, { recursive: true });
  writeFileSync(join(dist, cacheName), Buffer.alloc(4096, 7));
  const cli = join(dist, 'tspod.js');
  let r = tspod(cli, ['version', '--format', '{{.Client.Version}}']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.ok(existsSync(ownCache()), 'no per-user cache written');
  const mtime = statSync(ownCache()).mtimeMs;
  r = tspod(cli, ['images', '--bogus']);
  assert.is(r.status, 125);
  assert.is(r.stderr, 'Error: Unknown argument: bogus\n');
  assert.is(statSync(ownCache()).mtimeMs, mtime, 'the per-user cache was rejected and rewritten');
  // a cache of another build in the same place is removed when a new one is saved
  writeFileSync(join(tmp, 'cache/tspod/tspod-000000000000.cache'), 'old');
  rmSync(ownCache());
  r = tspod(cli, ['version']);
  assert.is(r.status, 0, r.stderr);
  assert.equal(readdirSync(join(tmp, 'cache/tspod')), [cacheName]);
});

test('a hot verb saves a cache of its own after its first successful run, and then starts from it', () => {
  if (skip) return console.log(`# skipped: ${skip}`);
  const store = ['--root', join(tmp, 'root'), '--runroot', join(tmp, 'run')];
  const psCache = join(tmp, 'cache/tspod', cacheName.replace(/\.cache$/, '.ps.cache'));
  let r = tspod(loader, [...store, 'ps', '--bogus']);
  assert.is(r.status, 125);
  assert.not.ok(existsSync(psCache), 'a failed command saved a cache');
  r = tspod(loader, [...store, 'ps', '-a']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^CONTAINER ID/);
  assert.ok(existsSync(psCache), 'no cache of `ps` saved (the verb is found after the global options)');
  const mtime = statSync(psCache).mtimeMs;
  r = tspod(loader, [...store, 'ps', '-q']);
  assert.is(r.status, 0, r.stderr);
  assert.is(statSync(psCache).mtimeMs, mtime, 'the saved cache was rejected and rewritten');
  // other verbs keep to the shipped one
  r = tspod(loader, ['version']);
  assert.is(r.status, 0, r.stderr);
  assert.equal(readdirSync(join(tmp, 'cache/tspod')), [cacheName.replace(/\.cache$/, '.ps.cache')]);
});

test('the bundle is all ASCII, so the loader reads it as latin1 (one-byte source for V8)', () => {
  if (skip) return console.log(`# skipped: ${skip}`);
  assert.match(readFileSync(loader, 'utf8'), /"ascii":true/);
  assert.not.match(readFileSync(join(repo, 'dist', bundle!), 'latin1'), /[^\x00-\x7f]/);
});

test('node started with flags compiles without a cache and writes none', () => {
  if (skip) return console.log(`# skipped: ${skip}`);
  const r = tspod(loader, ['version'], { nodeArgs: ['--max-semi-space-size=8'] });
  assert.is(r.status, 0, r.stderr);
  assert.not.ok(existsSync(join(tmp, 'cache/tspod')));
});

test.run();
