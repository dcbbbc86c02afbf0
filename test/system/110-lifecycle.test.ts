// @rootless
// Detached containers and the verbs around them: ps, logs, exec, stop, kill, wait, restart, rm,
// names and short IDs, --rm and cleanup by conmon after tspod exited, reaping of dead containers.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerTests, uniqueName } from '../helpers/containers.ts';
import { mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { NAME_WORDS } from '../../lib/containers/names.ts';

const { t, f } = containerTests();

// generous: the suite runs files in parallel on a small machine, and each check is a tspod process
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.unreachable(`timed out waiting for ${what}`);
}

t('run -d prints the ID; ps shows it Up; logs; exec sees env/user/cwd; stop -t makes it Exited (137)', async () => {
  const name = uniqueName('web');
  const d = await f.tspod(['run', '-d', '--name', name, '-e', 'X=1', f.image, 'sh', '-c', 'echo started; echo oops >&2; exec sleep 1000']);
  assert.is(d.code, 0, d.stderr);
  const id = d.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ps = await f.tspod(['ps']);
  assert.is(ps.code, 0);
  assert.match(ps.stdout, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/);
  assert.match(ps.stdout, new RegExp(`${id.slice(0, 12)}\\s+${f.image.replace(/[.]/g, '\\.')}\\s+sh -c echo starte\\.\\.\\.\\s+.*\\s+Up .*${name}`));
  await until(async () => (await f.tspod(['logs', name])).stdout === 'started\n', 'log output');
  const logs = await f.tspod(['logs', '-t', name]);
  assert.match(logs.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+[+Z][\d:]* started\n$/);
  assert.match(logs.stderr, /oops/);
  const ex = await f.tspod(['exec', '-e', 'Y=2', '-u', 'bb', '-w', '/tmp', name, 'sh', '-c', 'echo $X $Y $(id -u) $(pwd)']);
  assert.is(ex.code, 0, ex.stderr);
  assert.is(ex.stdout, '1 2 1000 /tmp\n');
  const exCode = await f.tspod(['exec', name, 'sh', '-c', 'exit 7']);
  assert.is(exCode.code, 7);
  const exNf = await f.tspod(['exec', name, 'no-such-cmd']);
  assert.is(exNf.code, 127, exNf.stderr);
  const exIn = await f.tspod(['exec', '-i', name, 'cat'], { input: 'piped\n' });
  assert.is(exIn.stdout, 'piped\n');
  // sleep as PID 1 ignores SIGTERM: stop falls back to SIGKILL after -t
  const stop = await f.tspod(['stop', '-t', '1', name]);
  assert.is(stop.code, 0, stop.stderr);
  assert.is(stop.stdout, `${name}\n`);
  const st = await f.tspod(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}', name]);
  assert.is(st.stdout, 'exited 137 false\n');
  const psa = await f.tspod(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}} {{.Status}}']);
  assert.match(psa.stdout, new RegExp(`^${name} Exited \\(137\\) .* ago\\n$`));
  const exStopped = await f.tspod(['exec', name, 'true']);
  assert.is(exStopped.code, 125);
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('stop sends the stop signal first; kill -s; wait returns the exit code', async () => {
  const name = uniqueName('sig');
  const script = 'trap "echo got-term; exit 3" TERM; trap "echo got-usr1" USR1; echo ready; while true; do sleep 0.1; done';
  assert.is((await f.tspod(['run', '-d', '--name', name, f.image, 'sh', '-c', script])).code, 0);
  await until(async () => (await f.tspod(['logs', name])).stdout.includes('ready'), 'ready');
  const k = await f.tspod(['kill', '-s', 'USR1', name]);
  assert.is(k.code, 0, k.stderr);
  await until(async () => (await f.tspod(['logs', name])).stdout.includes('got-usr1'), 'USR1 delivered');
  const waiter = f.tspod(['wait', name]);
  const s = await f.tspod(['stop', name]);
  assert.is(s.code, 0, s.stderr);
  const w = await waiter;
  assert.is(w.code, 0, w.stderr);
  assert.is(w.stdout, '3\n');
  assert.match((await f.tspod(['logs', name])).stdout, /got-term/);
  const again = await f.tspod(['kill', name]);
  assert.is(again.code, 125, 'kill on a stopped container fails');
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('names are unique; short IDs and name lookups; rm of a running container needs -f', async () => {
  const name = uniqueName('uniq');
  const a = await f.tspod(['run', '-d', '--name', name, f.image, 'sleep', '1000']);
  assert.is(a.code, 0, a.stderr);
  const id = a.stdout.trim();
  const b = await f.tspod(['create', '--name', name, f.image, 'true']);
  assert.is(b.code, 125);
  assert.match(b.stderr, /already in use/);
  const byPrefix = await f.tspod(['inspect', '--format', '{{.Name}}', id.slice(0, 8)]);
  assert.is(byPrefix.stdout, `${name}\n`);
  assert.is((await f.tspod(['container', 'exists', name])).code, 0);
  assert.is((await f.tspod(['container', 'exists', uniqueName('nope')])).code, 1);
  const rm = await f.tspod(['rm', name]);
  assert.is(rm.code, 2, rm.stderr);
  const rmf = await f.tspod(['rm', '-f', '-t', '0', id.slice(0, 12)]);
  assert.is(rmf.code, 0, rmf.stderr);
  const gone = await f.tspod(['rm', name]);
  assert.is(gone.code, 1);
  assert.match(gone.stderr, /no such container/);
  const reuse = await f.tspod(['run', '--rm', '--name', name, f.image, 'true']);
  assert.is(reuse.code, 0, 'the name is free again');
});

t('run -d --rm: conmon removes the container after tspod exited', async () => {
  const name = uniqueName('autorm');
  const r = await f.tspod(['run', '-d', '--rm', '--name', name, f.image, 'sh', '-c', 'sleep 0.3']);
  assert.is(r.code, 0, r.stderr);
  await until(async () => (await f.tspod(['container', 'exists', name])).code === 1, 'removal by the exit command');
});

t('a detached container exiting on its own is reaped: Exited with its code, restartable', async () => {
  const name = uniqueName('reap');
  assert.is((await f.tspod(['run', '-d', '--name', name, f.image, 'sh', '-c', 'exit 5'])).code, 0);
  await until(async () => (await f.tspod(['ps', '-a', '--filter', `name=${name}`, '--filter', 'status=exited', '-q'])).stdout.trim() !== '', 'exited');
  const st = await f.tspod(['inspect', '--format', '{{.State.ExitCode}}', name]);
  assert.is(st.stdout, '5\n');
  const ex = await f.tspod(['ps', '-a', '--filter', 'exited=5', '--format', '{{.Names}}']);
  assert.match(ex.stdout, new RegExp(name));
  const s = await f.tspod(['start', '-a', name]);
  assert.is(s.code, 5, 'start -a returns the exit code');
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('a container whose monitor died is reaped as exited the next time anyone looks', async () => {
  const name = uniqueName('dead');
  assert.is((await f.tspod(['run', '-d', '--network', 'none', '--name', name, f.image, 'sleep', '1000'])).code, 0);
  const pids = (await f.tspod(['inspect', '--format', '{{.State.ConmonPid}} {{.State.Pid}}', name])).stdout.trim().split(' ').map(Number);
  assert.ok(pids[0] > 0 && pids[1] > 0, `pids ${pids}`);
  for (const p of pids) process.kill(p, 'SIGKILL');
  await until(async () => (await f.tspod(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.State}}'])).stdout.startsWith('Exited ('), 'reaped'); // podman 4.3: .State is the status text
  const st = await f.tspod(['inspect', '--format', '{{.State.Running}} {{.State.Error}}', name]);
  assert.match(st.stdout, /^false conmon exited/);
  const rm = await f.tspod(['rm', name]);
  assert.is(rm.code, 0, rm.stderr);
});

t('restart policy on-failure restarts until the retries are used', async () => {
  const name = uniqueName('restart');
  assert.is((await f.tspod(['run', '-d', '--name', name, '--restart', 'on-failure:2', f.image, 'sh', '-c', 'echo run; exit 1'])).code, 0);
  await until(async () => (await f.tspod(['logs', name])).stdout === 'run\nrun\nrun\n', 'three runs');
  await until(async () => (await f.tspod(['inspect', '--format', '{{.State.Status}} {{.RestartCount}}', name])).stdout === 'exited 2\n', 'final state');
  assert.is((await f.tspod(['rm', '-f', name])).code, 0);
});

t('--init runs catatonit as PID 1', async () => {
  const r = await f.tspod(['run', '--rm', '--init', f.image, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\/run\/podman-init -- sh/);
});

t('ps -q / --no-trunc / -n / --filter label / ancestor / --format json', async () => {
  const name = uniqueName('ps');
  const c = await f.tspod(['create', '--name', name, '--label', 'team=blue', f.image, 'true']);
  const id = c.stdout.trim();
  const q = await f.tspod(['ps', '-aq', '--filter', 'label=team=blue']);
  assert.is(q.stdout, `${id.slice(0, 12)}\n`);
  const nt = await f.tspod(['ps', '-a', '--no-trunc', '-q', '--filter', `id=${id.slice(0, 6)}`]);
  assert.is(nt.stdout, `${id}\n`);
  const last = await f.tspod(['ps', '-n', '1', '-q']);
  assert.is(last.stdout, `${id.slice(0, 12)}\n`);
  const anc = await f.tspod(['ps', '-a', '-q', '--filter', `ancestor=${f.image}`, '--filter', `name=${name}`]);
  assert.is(anc.stdout, `${id.slice(0, 12)}\n`);
  const js = JSON.parse((await f.tspod(['ps', '-a', '--format', 'json', '--filter', `name=${name}`])).stdout);
  assert.is(js.length, 1);
  assert.is(js[0].Id, id);
  assert.equal(js[0].Names, [name]);
  assert.is(js[0].State, 'created');
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('top lists the container\'s processes with container PIDs; pause/unpause where the freezer allows', async () => {
  const name = uniqueName('top');
  const d = await f.tspod(['run', '-d', '--network', 'none', '--name', name, f.image, 'sh', '-c', 'sleep 100 & exec sleep 200']);
  assert.is(d.code, 0, d.stderr);
  await until(async () => (await f.tspod(['top', name, 'pid', 'args'])).stdout.includes('sleep 100'), 'both processes');
  const top = await f.tspod(['top', name, 'pid', 'args']);
  assert.is(top.code, 0, top.stderr);
  assert.match(top.stdout, /^PID\s+COMMAND\n1\s+sleep 200\n\d+\s+sleep 100\n$/);
  const p = await f.tspod(['pause', name]);
  if (process.env.TSPOD_TEST_ROOTLESS && !(await import('node:fs')).existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    assert.is(p.code, 125, 'no freezer for rootless cgroup v1');
    assert.match(p.stderr, /not supported/);
  } else {
    assert.is(p.code, 0, p.stderr);
    assert.is((await f.tspod(['inspect', '--format', '{{.State.Status}}', name])).stdout, 'paused\n');
    const u = await f.tspod(['unpause', name]);
    assert.is(u.code, 0, u.stderr);
    assert.is((await f.tspod(['inspect', '--format', '{{.State.Status}}', name])).stdout, 'running\n');
  }
  const rm = await f.tspod(['rm', '-f', '-t', '0', name]);
  assert.is(rm.code, 0, rm.stderr);
});

t('logs --tail and --since; log-driver none refuses logs', async () => {
  const name = uniqueName('logs');
  assert.is((await f.tspod(['run', '--network', 'none', '--name', name, f.image, 'sh', '-c', 'for i in 1 2 3 4; do echo line$i; done'])).code, 0);
  assert.is((await f.tspod(['logs', '--tail', '2', name])).stdout, 'line3\nline4\n');
  assert.is((await f.tspod(['logs', '--since', '1h', name])).stdout, 'line1\nline2\nline3\nline4\n');
  assert.is((await f.tspod(['logs', '--until', '2000-01-01T00:00:00Z', name])).stdout, '');
  assert.is((await f.tspod(['rm', name])).code, 0);
  const quiet = uniqueName('nolog');
  const r = await f.tspod(['run', '--network', 'none', '--log-driver', 'none', '--name', quiet, f.image, 'echo', 'shown']);
  assert.is(r.stdout, 'shown\n', 'attached output still arrives');
  assert.is((await f.tspod(['logs', quiet])).code, 125);
  assert.is((await f.tspod(['rm', quiet])).code, 0);
});

t('a generated name that is taken is generated again (half the names in use: every create still succeeds)', async () => {
  const owner = await f.tspod(['create', '--name', uniqueName('owner'), f.image, 'true']);
  assert.is(owner.code, 0, owner.stderr);
  const ownerId = owner.stdout.trim();
  const namesDir = join(f.root, 'containers', 'names');
  mkdirSync(namesDir, { recursive: true });
  const taken: string[] = [];
  let i = 0;
  for (const l of NAME_WORDS.left) for (const r of NAME_WORDS.right) {
    if (i++ % 2) continue;
    try { symlinkSync(ownerId, join(namesDir, `${l}_${r}`)); taken.push(`${l}_${r}`); } catch { /* a real one */ }
  }
  try {
    const ids: string[] = [];
    for (let n = 0; n < 8; n++) {
      const c = await f.tspod(['create', f.image, 'true']);
      assert.is(c.code, 0, c.stderr);
      ids.push(c.stdout.trim());
    }
    const names = (await f.tspod(['ps', '-a', '--format', '{{.ID}} {{.Names}}', '--no-trunc'])).stdout;
    for (const id of ids) {
      const name = new RegExp(`^${id} (\\S+)$`, 'm').exec(names)?.[1];
      assert.ok(name && !taken.includes(name), `container ${id} got a taken name (${name})`);
      assert.is(readlinkSync(join(namesDir, name!)), id);
    }
    assert.is((await f.tspod(['rm', ...ids])).code, 0);
  } finally {
    for (const n of taken) try { unlinkSync(join(namesDir, n)); } catch { /* gone */ }
    await f.tspod(['rm', '-f', ownerId]);
  }
});

test.run();
