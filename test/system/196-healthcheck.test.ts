// @rootless
// Health checks as podman 4.3 keeps them (compared side by side): --health-* flags in Config.Healthcheck,
// `healthcheck run` results in State.Health and ps, retries and start period, timeout,
// --health-on-failure, and the errors. No systemd runs here, so no timer runs the checks.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { containerTests, uniqueName } from '../helpers/containers.ts';

const { t, f } = containerTests();

const systemd = existsSync('/run/systemd/system');
const json = async (ref: string, format: string) => JSON.parse((await f.tspod(['inspect', '--format', `{{json ${format}}}`, ref])).stdout);
const check = (name: string) => f.tspod(['healthcheck', 'run', name]);

t('a failing check: starting, then unhealthy after --health-retries failures; a pass makes it healthy; ps shows and filters it', async () => {
  const name = uniqueName('hc');
  const d = await f.tspod(['run', '-d', '--name', name, '--health-cmd', 'echo probing; test -e /tmp/ok', '--health-retries', '2', f.image, 'sleep', '1000']);
  assert.is(d.code, 0, d.stderr);
  // podman's lines where no systemd manager runs the timer (this machine: no systemd as PID 1)
  if (!systemd) assert.match(d.stderr, /^ERRO\[0000\] unable to get systemd connection to add healthchecks: dial unix \S+: connect: no such file or directory$/m);
  assert.equal(await json(name, '.Config.Healthcheck'), { Test: ['CMD-SHELL', 'echo probing; test -e /tmp/ok'], Interval: 30e9, Timeout: 30e9, Retries: 2 });
  assert.equal(await json(name, '.State.Health'), { Status: 'starting', FailingStreak: 0, Log: null });
  assert.match((await f.tspod(['ps', '--format', '{{.Status}}', '-f', `name=${name}`])).stdout, /^Up .* \(starting\)\n$/);
  let r = await check(name);
  assert.equal([r.code, r.stdout], [1, 'unhealthy\n']);
  let h = await json(name, '.State.Health');
  assert.equal([h.Status, h.FailingStreak, h.Log.length, h.Log[0].ExitCode, h.Log[0].Output], ['starting', 1, 1, 1, 'probing']);
  r = await check(name);
  assert.is(r.code, 1);
  assert.is((await json(name, '.State.Health')).Status, 'unhealthy');
  assert.match((await f.tspod(['ps', '--format', '{{.Names}} {{.Status}}', '-f', 'health=unhealthy'])).stdout, new RegExp(`^${name} Up .* \\(unhealthy\\)$`, 'm'));
  assert.is((await f.tspod(['exec', name, 'touch', '/tmp/ok'])).code, 0);
  r = await check(name);
  assert.equal([r.code, r.stdout], [0, '']);
  h = await json(name, '.State.Health');
  assert.equal([h.Status, h.FailingStreak, h.Log.length], ['healthy', 0, 3]);
  assert.ok((await f.tspod(['ps', '-q', '-f', 'health=healthy', '-f', `name=${name}`])).stdout.trim().length === 12);
  const rm = await f.tspod(['rm', '-f', '-t', '0', name]);
  if (!systemd) assert.match(rm.stderr, /Removing timer for container \w+ healthcheck/);
});

t('--health-start-period: failures then do not count; the log keeps the last 5 runs', async () => {
  const name = uniqueName('hcsp');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--health-cmd', 'false', '--health-start-period', '1h', '--health-retries', '1', f.image, 'sleep', '1000'])).code, 0);
  for (let i = 0; i < 6; i++) assert.is((await check(name)).code, 1);
  const h = await json(name, '.State.Health');
  assert.equal([h.Status, h.FailingStreak, h.Log.length], ['starting', 0, 5]);
  assert.is((await json(name, '.Config.Healthcheck')).StartPeriod, 3600e9);
  await f.tspod(['rm', '-f', '-t', '0', name]);
});

t('--health-timeout ends a check that hangs; --health-on-failure kill kills the container that turned unhealthy', async () => {
  const name = uniqueName('hcto');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--health-cmd', 'sleep 60', '--health-timeout', '1s', '--health-retries', '1',
    '--health-interval', 'disable', '--health-on-failure', 'kill', f.image, 'sleep', '1000'])).code, 0);
  assert.is((await json(name, '.Config.HealthcheckOnFailureAction')), 'kill');
  assert.not.ok('Interval' in (await json(name, '.Config.Healthcheck')));
  const r = await check(name);
  assert.is(r.code, 1);
  const h = await json(name, '.State.Health');
  assert.is(h.Log[0].Output, 'Health check exceeded timeout of 1s');
  assert.is((await f.tspod(['wait', name])).stdout, '137\n');
  await f.tspod(['rm', '-f', name]);
});

t('errors as podman: no check, not running, no such container, bad flags', async () => {
  const name = uniqueName('nohc');
  const d = await f.tspod(['run', '-d', '--name', name, f.image, 'sleep', '1000']);
  const id = d.stdout.trim();
  let r = await check(name);
  assert.equal([r.code, r.stderr], [125, `Error: container ${id} has no defined healthcheck\n`]);
  assert.equal(await json(name, '.State.Health'), { Status: '', FailingStreak: 0, Log: null });
  await f.tspod(['rm', '-f', '-t', '0', name]);
  const stopped = uniqueName('stopped');
  const c = await f.tspod(['create', '--name', stopped, '--health-cmd', 'true', f.image, 'true']);
  r = await check(stopped);
  assert.equal([r.code, r.stderr], [125, `Error: container ${c.stdout.trim()} is not running\n`]);
  await f.tspod(['rm', stopped]);
  r = await check('no-such-ctr');
  assert.equal([r.code, r.stderr], [125, 'Error: unable to look up no-such-ctr to perform a health check: no container with name or ID "no-such-ctr" found: no such container\n']);
  for (const [flags, msg] of [
    [['--health-cmd', 'true', '--health-interval', 'abc'], 'invalid healthcheck-interval: time: invalid duration "abc"'],
    [['--health-cmd', 'true', '--health-retries', '0'], 'healthcheck-retries must be greater than 0'],
    [['--health-cmd', 'true', '--health-timeout', '0s'], 'healthcheck-timeout must be at least 1 second'],
    [['--no-healthcheck', '--health-cmd', 'true'], 'cannot specify both --no-healthcheck and --health-cmd'],
    [['--health-cmd', 'true', '--health-on-failure', 'bogus'], 'invalid on-failure action "bogus" for health check: supported actions are none,kill,restart,stop'],
  ] as const) {
    r = await f.tspod(['create', ...flags, f.image, 'true']);
    assert.equal([r.code, r.stderr], [125, `Error: ${msg}\n`], flags.join(' '));
  }
});

test.run();
