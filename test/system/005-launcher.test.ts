// @rootless
// The native launcher bin/tspod: create/join of the rootless namespaces, its errors, and the three
// bugs of the first proof (NATIVE-FACTS.md) as regression tests. Tests that kill or create a pause
// process use a private XDG_RUNTIME_DIR, so the shared namespace other test files use stays put.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = join(root, 'bin/tspod');
const TIMEOUT = 20_000;
const uid = process.getuid!();
const rootless = uid !== 0;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: TIMEOUT, env: { ...process.env, ...env }, cwd: root });
  assert.not.ok(r.error, `${cmd} ${args.join(' ')}: ${r.error?.message} (a hang here is the bug under test)`);
  return r;
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name]).status === 0;
}

/** Live (non-zombie) processes named `name` owned by `owner`. */
function liveProcesses(owner: number, name: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/status`, 'utf8');
      const get = (k: string) => new RegExp(`^${k}:\\s+(\\S+)`, 'm').exec(st)?.[1];
      if (get('Name') === name && get('State') !== 'Z' && Number(get('Uid')) === owner) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function waitGone(owner: number, pids: number[]): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const left = liveProcesses(owner, 'tspod-pause').filter((p) => pids.length === 0 || pids.includes(p));
    if (left.length === 0) return [];
    await new Promise((r) => setTimeout(r, 50));
  }
  return liveProcesses(owner, 'tspod-pause');
}

/** A private run dir: its own pause process and namespaces. */
function privateRuntime() {
  const xdg = mkdtempSync(join(tmpdir(), 'tspod-launcher-'));
  chmodSync(xdg, 0o700);
  const env = { XDG_RUNTIME_DIR: xdg };
  const pidFile = join(xdg, 'tspod/pause.pid');
  return {
    env,
    pausePid: (): number | undefined => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined),
    cleanup: async () => {
      const p = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
      if (p > 0) {
        try { process.kill(p, 'SIGTERM'); } catch { /* already gone */ }
        await waitGone(uid, [p]);
      }
      rmSync(xdg, { recursive: true, force: true });
    },
  };
}

test('launcher: version needs no namespace and works for everyone', () => {
  const r = run(TSPOD, ['version']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /Version:\s+\d/);
});

if (!rootless) {
  test('launcher (root): runs node directly and ignores inherited rootless markers', () => {
    const r = run(TSPOD, ['unshare', 'true'], { _TSPOD_ROOTLESS_UID: '4242' });
    assert.is(r.status, 125);
    assert.match(r.stderr, /^Error: please use unshare with rootless$/m);
    const id = run(TSPOD, ['__ns-exec', 'id', '-u']);
    assert.is(id.status, 0, id.stderr);
    assert.is(id.stdout.trim(), '0');
    const missing = run(TSPOD, ['__ns-exec', '/no/such/program']);
    assert.is(missing.status, 127);
    assert.is(missing.stderr, 'Error: exec `/no/such/program`: No such file or directory\n');
    const notExec = run(TSPOD, ['__ns-exec', '/etc/passwd']);
    assert.is(notExec.status, 126);
  });

  test('launcher: user without subordinate ids gets one clear line and 125', () => {
    if (!userExists('tspodnosub')) return console.log('# skip: no tspodnosub user (test/helpers/setup-user.sh)');
    const r = run('runuser', ['-u', 'tspodnosub', '--', TSPOD, 'images']);
    assert.is(r.status, 125, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0], /^Error: .*"tspodnosub" in \/etc\/subuid.*usermod --add-subuids 100000-165535 --add-subgids 100000-165535 tspodnosub/);
  });

  test('launcher: a refused mapping fails promptly and leaves no pause process holding the lock', async () => {
    if (!userExists('tspodbad')) return console.log('# skip: no tspodbad user (test/helpers/setup-user.sh)');
    const badUid = Number(run('id', ['-u', 'tspodbad']).stdout.trim());
    for (let i = 0; i < 2; i++) { // the second run would block on pause.lock if the first left it held
      const r = run('runuser', ['-u', 'tspodbad', '--', 'env', `XDG_RUNTIME_DIR=/run/user/${badUid}`, TSPOD, '__ns-exec', 'true']);
      assert.is(r.status, 125, r.stderr);
      assert.match(r.stderr, /newuidmap|newgidmap/);
      assert.match(r.stderr, /^Error: .*\/etc\/sub[ug]id$/m);
    }
    assert.equal(await waitGone(badUid, []), [], 'pause process left behind');
  });

  test('launcher: newuidmap missing names the uidmap package, no pause process left', async () => {
    if (!userExists('tspodtest')) return console.log('# skip: no tspodtest user');
    const testUid = Number(run('id', ['-u', 'tspodtest']).stdout.trim());
    const xdg = mkdtempSync(join(tmpdir(), 'tspod-nouidmap-'));
    spawnSync('chown', ['tspodtest', xdg]);
    chmodSync(xdg, 0o700);
    try {
      const before = liveProcesses(testUid, 'tspod-pause');
      // a private mount namespace where newuidmap is not an executable file
      const r = run('unshare', ['-m', 'sh', '-c',
        `mount --bind /dev/null /usr/bin/newuidmap && exec runuser -u tspodtest -- env PATH=/usr/bin:/bin XDG_RUNTIME_DIR=${xdg} ${TSPOD} __ns-exec true`]);
      if (r.status !== 125 && /mount/.test(r.stderr)) return console.log(`# skip: cannot bind-mount over newuidmap: ${r.stderr.trim()}`);
      assert.is(r.status, 125, r.stderr);
      assert.match(r.stderr, /^Error: newuidmap not found: install the uidmap package/m);
      await new Promise((res) => setTimeout(res, 100));
      const after = await waitGone(testUid, []).then(() => liveProcesses(testUid, 'tspod-pause'));
      assert.equal(after.filter((p) => !before.includes(p)), [], 'pause process left behind');
    } finally {
      rmSync(xdg, { recursive: true, force: true });
    }
  });
}

if (rootless) {
  test('launcher (rootless): uid 0 inside, mapped from /etc/subuid, env markers set', async () => {
    const rt = privateRuntime();
    try {
      const r = run(TSPOD, ['__ns-exec', 'sh', '-c', 'id -u; id -g; cat /proc/self/uid_map; echo "$_TSPOD_USERNS:$_TSPOD_ROOTLESS_UID:$_TSPOD_ROOTLESS_GID"'], rt.env);
      assert.is(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.is(lines[0], '0');
      assert.is(lines[1], '0');
      assert.match(lines[2], new RegExp(`^\\s*0\\s+${uid}\\s+1$`));
      assert.match(lines[3], /^\s*1\s+\d+\s+\d+$/);
      assert.is(lines.at(-1), `1:${uid}:${process.getgid!()}`);
    } finally {
      await rt.cleanup();
    }
  });

  test('launcher: a nested tspod with a cleared environment still knows it is rootless', async () => {
    const rt = privateRuntime();
    try {
      const r = run(TSPOD, ['__ns-exec', 'env', '-i', 'PATH=/usr/bin:/bin', `XDG_RUNTIME_DIR=${rt.env.XDG_RUNTIME_DIR}`,
        TSPOD, '__ns-exec', 'sh', '-c', 'echo "$_TSPOD_USERNS:$_TSPOD_ROOTLESS_UID:$_TSPOD_ROOTLESS_GID"'], rt.env);
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout.trim(), `1:${uid}:${process.getgid!()}`);
    } finally {
      await rt.cleanup();
    }
  });

  test('trap 1: the pause process holds no inherited fd, a second invocation does not deadlock', async () => {
    const rt = privateRuntime();
    try {
      const first = run(TSPOD, ['__ns-exec', 'true'], rt.env);
      assert.is(first.status, 0, first.stderr);
      const pid = rt.pausePid();
      assert.ok(pid, 'pause.pid written');
      const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
      assert.equal(fds, ['/dev/null', '/dev/null', '/dev/null'], `pause fds: ${fds.join(', ')}`);
      assert.is(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, ''), 'tspod-pause');
      const second = run(TSPOD, ['__ns-exec', 'true'], rt.env);
      assert.is(second.status, 0, second.stderr);
      assert.is(rt.pausePid(), pid, 'the second invocation joined the same pause process');
    } finally {
      await rt.cleanup();
    }
  });

  test('trap 2: `tspod unshare true | cat` reaches EOF when the pause process is created', async () => {
    const rt = privateRuntime();
    try {
      const child = spawn('sh', ['-c', `${TSPOD} unshare true | cat; echo "rc=$?"`], { env: { ...process.env, ...rt.env } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const code = await new Promise<number | string>((res) => {
        const timer = setTimeout(() => { child.kill('SIGKILL'); res('timeout'); }, TIMEOUT);
        child.on('close', (c) => { clearTimeout(timer); res(c ?? -1); });
      });
      assert.is(code, 0, `pipeline did not finish: ${out}`);
      assert.match(out, /rc=0/);
      assert.ok(rt.pausePid(), 'this invocation created the pause process');
    } finally {
      await rt.cleanup();
    }
  });

  test('launcher: concurrent first invocations share one pause process', async () => {
    const rt = privateRuntime();
    try {
      const runs = await Promise.all(Array.from({ length: 4 }, () => new Promise<string>((res, rej) => {
        const c = spawn(TSPOD, ['__ns-exec', 'readlink', '/proc/self/ns/user'], { env: { ...process.env, ...rt.env } });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        const timer = setTimeout(() => { c.kill('SIGKILL'); rej(new Error('timeout')); }, TIMEOUT);
        c.on('close', (code) => { clearTimeout(timer); code === 0 ? res(out.trim()) : rej(new Error(`exit ${code}`)); });
      })));
      assert.is(new Set(runs).size, 1, runs.join(' '));
      assert.is(runs[0], readlinkSync(`/proc/${rt.pausePid()}/ns/user`));
    } finally {
      await rt.cleanup();
    }
  });

  test('launcher: a mount made by one invocation is seen by the next, not by the host', async () => {
    const rt = privateRuntime();
    const dir = mkdtempSync(join(tmpdir(), 'tspod-mnt-'));
    try {
      const m = run(TSPOD, ['__ns-exec', 'sh', '-c', `mount -t tmpfs none ${dir} && touch ${dir}/inside`], rt.env);
      assert.is(m.status, 0, m.stderr);
      const seen = run(TSPOD, ['__ns-exec', 'test', '-e', `${dir}/inside`], rt.env);
      assert.is(seen.status, 0, 'second invocation sees the mount');
      assert.not.ok(existsSync(`${dir}/inside`), 'the host does not');
      run(TSPOD, ['__ns-exec', 'umount', dir], rt.env);
    } finally {
      await rt.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('launcher: a dead pause process is replaced', async () => {
    const rt = privateRuntime();
    try {
      assert.is(run(TSPOD, ['__ns-exec', 'true'], rt.env).status, 0);
      const old = rt.pausePid()!;
      process.kill(old, 'SIGKILL');
      assert.equal(await waitGone(uid, [old]), []);
      const r = run(TSPOD, ['__ns-exec', 'true'], rt.env);
      assert.is(r.status, 0, r.stderr);
      assert.is.not(rt.pausePid(), old);
    } finally {
      await rt.cleanup();
    }
  });

  test('launcher: `version` does not create a pause process', async () => {
    const rt = privateRuntime();
    try {
      const r = run(TSPOD, ['version'], rt.env);
      assert.is(r.status, 0, r.stderr);
      assert.is(rt.pausePid(), undefined);
    } finally {
      await rt.cleanup();
    }
  });
}

test.run();
