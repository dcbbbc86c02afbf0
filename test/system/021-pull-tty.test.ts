// @rootless
// Pull progress: bars redrawn in place on a terminal (script(1) gives tspod a pty), plain lines off one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureEnv, type FixtureEnv } from '../helpers/global-setup.ts';

const TSPOD = join(dirname(fileURLToPath(import.meta.url)), '../../bin/tspod');
let fx: FixtureEnv;
let dir = '';
const store = (name: string) => ['--root', join(dir, name), '--runroot', join(dir, name + '-run')];

test.before(async () => {
  fx = await fixtureEnv();
  dir = mkdtempSync(join(tmpdir(), 'tspod-sys-pull-tty-'));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('on a terminal: one bar line per blob, redrawn, ending "done"; then "skipped" when present', () => {
  const which = spawnSync('script', ['--version']);
  if (which.status !== 0) return console.log('# skip: script(1) (util-linux) is not installed');
  const cmd = [TSPOD, ...store('a'), 'pull', '--tls-verify=false', `${fx.registry}/layered:latest`].join(' ');
  const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TERM: 'xterm' } });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\x1b\[\d+A/, 'cursor moved up to redraw');
  const done = r.stdout.match(/Copying blob [0-9a-f]{12} done/g) ?? [];
  assert.ok(done.length >= 3, `a done line per layer:\n${r.stdout}`);
  assert.match(r.stdout, /Writing manifest to image destination/);
});

test('off a terminal: plain lines with full digests, no escape sequences', () => {
  const r = spawnSync(TSPOD, [...store('b'), 'pull', '--tls-verify=false', `${fx.registry}/layered:latest`], { encoding: 'utf8', timeout: 60_000, input: '' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /Copying blob sha256:[0-9a-f]{64}\n/);
  assert.not.match(r.stderr, /\x1b\[/);
});

test.run();
