// @rootless
// tspod unshare: runs COMMAND inside the rootless namespaces with podman's exit statuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = join(root, 'bin/tspod');
const rootless = process.getuid!() !== 0;

function tspod(args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(TSPOD, args, {
    encoding: 'utf8', timeout: 30_000, input: opts.input ?? '', cwd: opts.cwd ?? root, env: { ...process.env, ...opts.env },
  });
  assert.not.ok(r.error, r.error?.message);
  return r;
}

if (!rootless) {
  test('unshare as root: podman\'s error, 125', () => {
    const r = tspod(['unshare', 'id']);
    assert.is(r.status, 125);
    assert.is(r.stderr, 'Error: please use unshare with rootless\n');
    assert.is(r.stdout, '');
  });
}

test('unshare --help prints usage, exit 0', () => {
  const r = tspod(['unshare', '--help']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: tspod unshare \[options\] \[COMMAND \[ARG\.\.\.\]\]/);
});

if (rootless) {
  test('unshare: COMMAND runs as uid 0 with its own options, exit status passed through', () => {
    const r = tspod(['unshare', 'sh', '-c', 'id -u; exit 7']);
    assert.is(r.status, 7, r.stderr);
    assert.is(r.stdout, '0\n');
    const h = tspod(['unshare', 'ls', '-h', '/proc/self/uid_map']); // -h belongs to ls, not to us
    assert.is(h.status, 0, h.stderr);
    assert.is(h.stdout.trim(), '/proc/self/uid_map');
  });

  test('unshare: storage paths in the environment, honouring --root/--runroot', () => {
    const r = tspod(['unshare', 'sh', '-c', 'echo "$CONTAINERS_GRAPHROOT|$CONTAINERS_RUNROOT"']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\/.+\|\/.+\n$/);
    const o = tspod(['--root', '/tmp/x-graph', '--runroot', '/tmp/x-run', 'unshare', 'sh', '-c', 'echo "$CONTAINERS_GRAPHROOT|$CONTAINERS_RUNROOT"']);
    assert.is(o.status, 0, o.stderr);
    assert.is(o.stdout, '/tmp/x-graph|/tmp/x-run\n');
  });

  test('unshare: without COMMAND runs $SHELL, reading stdin', () => {
    const r = tspod(['unshare'], { input: 'echo from-shell; id -u\n', env: { SHELL: '/bin/sh' } });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, 'from-shell\n0\n');
  });

  test('unshare: keeps the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tspod-cwd-'));
    try {
      const r = tspod(['unshare', 'pwd'], { cwd: dir });
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout.trim(), realpathSync(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('unshare: missing command 127, not executable 126, signal 128+N, unknown flag 125', () => {
    const nf = tspod(['unshare', 'no-such-command-xyz']);
    assert.is(nf.status, 127);
    assert.match(nf.stderr, /^Error: exec: "no-such-command-xyz": executable file not found in \$PATH$/m);
    const ne = tspod(['unshare', '/etc/passwd']);
    assert.is(ne.status, 126);
    assert.match(ne.stderr, /permission denied/);
    const sig = tspod(['unshare', 'sh', '-c', 'kill -TERM $$']);
    assert.is(sig.status, 143);
    const bad = tspod(['unshare', '--bogus', 'id']);
    assert.is(bad.status, 125);
    assert.match(bad.stderr, /unknown flag: --bogus/);
  });
}

test.run();
