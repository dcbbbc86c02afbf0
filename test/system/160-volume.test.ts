// @rootless
// tspod volume create/ls/inspect/rm/prune/exists: podman's output and exit statuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const base = mkdtempSync(join(tmpdir(), 'tspod-sys-vol-'));
const root = join(base, 'root'), runroot = join(base, 'run');
const uniq = (p: string) => `${p}-${Math.random().toString(16).slice(2, 8)}`;

function tspod(args: string[], input = '') {
  const r = spawnSync(process.execPath, [join(repo, 'dist/tspod.js'), '--root', root, '--runroot', runroot, ...args], { encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('create prints the name; ls shows DRIVER and VOLUME NAME; -q only names', () => {
  const v = uniq('vol');
  const c = tspod(['volume', 'create', '--label', 'app=web', '-o', 'o=nodev', v]);
  assert.is(c.code, 0, c.stderr);
  assert.is(c.stdout, `${v}\n`);
  const ls = tspod(['volume', 'ls']);
  assert.is(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^DRIVER {6}VOLUME NAME\n/);
  assert.match(ls.stdout, new RegExp(`^local {7}${v}$`, 'm'));
  const q = tspod(['volume', 'ls', '-q', '--filter', 'label=app=web']);
  assert.is(q.stdout, `${v}\n`);
  const none = tspod(['volume', 'ls', '--noheading', '--filter', 'label=app=nope']);
  assert.is(none.stdout, '');
});

test('inspect: podman JSON (5-space indent), --format template; a missing volume is 125 with []', () => {
  const v = uniq('vol');
  tspod(['volume', 'create', v]);
  const i = tspod(['volume', 'inspect', v]);
  assert.is(i.code, 0, i.stderr);
  assert.match(i.stdout, /^\[\n {5}\{\n {10}"Name": /);
  const [obj] = JSON.parse(i.stdout);
  assert.is(obj.Name, v);
  assert.is(obj.Driver, 'local');
  assert.is(obj.Mountpoint, join(root, 'volumes', v, '_data'));
  assert.is(obj.Scope, 'local');
  const f = tspod(['volume', 'inspect', '--format', '{{.Name}}:{{.Driver}}', v]);
  assert.is(f.stdout, `${v}:local\n`);
  const m = tspod(['volume', 'inspect', 'no-such-vol']);
  assert.is(m.code, 125);
  assert.is(m.stdout, '[]\n');
  assert.is(m.stderr, 'Error: inspecting object: no such volume no-such-vol\n');
});

test('create of an existing name: 125; --ignore: 0', () => {
  const v = uniq('vol');
  tspod(['volume', 'create', v]);
  const again = tspod(['volume', 'create', v]);
  assert.is(again.code, 125);
  assert.is(again.stderr, `Error: volume with name ${v} already exists: volume already exists\n`);
  assert.is(tspod(['volume', 'create', '--ignore', v]).code, 0);
});

test('exists: 0 / 1; rm of a missing volume: 1', () => {
  const v = uniq('vol');
  tspod(['volume', 'create', v]);
  assert.is(tspod(['volume', 'exists', v]).code, 0);
  assert.is(tspod(['volume', 'exists', 'no-such-vol']).code, 1);
  const rm = tspod(['volume', 'rm', 'no-such-vol']);
  assert.is(rm.code, 1);
  assert.is(rm.stderr, 'Error: no volume with name "no-such-vol" found: no such volume\n');
  const ok = tspod(['volume', 'rm', v]);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stdout, `${v}\n`);
  assert.not.ok(existsSync(join(root, 'volumes', v)));
});

test('rm of a volume a container uses: 2; prune keeps it', () => {
  const v = uniq('used');
  tspod(['volume', 'create', v]);
  const cdir = join(root, 'containers', 'f'.repeat(64));
  mkdirSync(cdir, { recursive: true });
  writeFileSync(join(cdir, 'config.json'), JSON.stringify({ id: 'f'.repeat(64), names: ['user'], imageId: 'x', mounts: [{ type: 'volume', name: v, destination: '/d', options: [] }] }));
  const rm = tspod(['volume', 'rm', v]);
  assert.is(rm.code, 2);
  assert.match(rm.stderr, /volume is being used/);
  const unused = uniq('unused');
  tspod(['volume', 'create', unused]);
  const p = tspod(['volume', 'prune', '--force']);
  assert.is(p.code, 0, p.stderr);
  assert.match(p.stdout, new RegExp(`^${unused}$`, 'm'));
  assert.not.match(p.stdout, new RegExp(v));
  assert.is(tspod(['volume', 'exists', v]).code, 0);
  rmSync(cdir, { recursive: true });
});

test('prune without --force asks; "n" keeps everything', () => {
  const v = uniq('vol');
  tspod(['volume', 'create', v]);
  const p = tspod(['volume', 'prune'], 'n\n');
  assert.is(p.code, 0);
  assert.match(p.stdout, new RegExp(`will be removed:\\n(.*\\n)*${v}\\n(.*\\n)*Are you sure you want to continue\\? \\[y\\/N\\] $`));
  assert.is(tspod(['volume', 'exists', v]).code, 0);
});

test.after(() => rmSync(base, { recursive: true, force: true }));
test.run();
