// @rootless
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { launcherEnv, launcherPath, needsLauncher, nsExecArgv, parseLauncherError } from '../../../lib/native/launcher.ts';

test('launcherPath finds bin/tspod of this checkout', () => {
  const p = launcherPath();
  assert.ok(p.endsWith('/bin/tspod'), p);
  assert.ok(existsSync(p));
});

test('nsExecArgv runs a program as uid 0 in the namespace when rootless, unchanged when root', () => {
  const argv = nsExecArgv(['id', '-u']);
  if (process.getuid!() === 0) assert.equal(argv, ['id', '-u']);
  else assert.equal(argv.slice(1), ['__ns-exec', 'id', '-u']);
  assert.is(needsLauncher(), process.getuid!() !== 0);
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), '0');
});

test('launcher errors come back as JSON and parse into a TspodError', () => {
  const r = spawnSync(launcherPath(), ['__ns-exec', '/no/such/program'], { encoding: 'utf8', env: launcherEnv(), timeout: 20_000 });
  assert.is(r.status, 127);
  const e = parseLauncherError(r.stderr);
  assert.ok(e, r.stderr);
  assert.is(e!.code, 'LAUNCHER_NOT_FOUND');
  assert.match(e!.message, /exec `\/no\/such\/program`: errno 2/);
  assert.is(e!.exitCode, 125);
  assert.is(parseLauncherError('plain text\n'), undefined);
});

test.run();
