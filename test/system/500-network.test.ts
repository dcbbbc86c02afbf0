// @rootless
// tspod network create/ls/inspect/rm/prune/exists: podman's network JSON and exit statuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const base = mkdtempSync(join(tmpdir(), 'tspod-sys-net-'));
const root = join(base, 'root'), runroot = join(base, 'run');
const uniq = (p: string) => `${p}-${Math.random().toString(16).slice(2, 8)}`;

function tspod(args: string[], input = '') {
  const r = spawnSync(process.execPath, [join(repo, 'dist/tspod.js'), '--root', root, '--runroot', runroot, ...args], { encoding: 'utf8', input, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the default network "podman" is always there and cannot be removed', () => {
  const ls = tspod(['network', 'ls']);
  assert.is(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^NETWORK ID {4}NAME {8}DRIVER\n/);
  assert.match(ls.stdout, /^2f259bab93aa {2}podman {6}bridge$/m);
  const i = tspod(['network', 'inspect', 'podman']);
  const [n] = JSON.parse(i.stdout);
  assert.equal(n.subnets, [{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }]);
  assert.is(n.network_interface, 'podman0');
  const rm = tspod(['network', 'rm', 'podman']);
  assert.is(rm.code, 125);
  assert.is(rm.stderr, 'Error: default network podman cannot be removed\n');
});

test('create: file in podman\'s format, subnets from 10.89.x.0/24 unless given, labels, --internal', () => {
  const a = uniq('net'), b = uniq('net');
  const ca = tspod(['network', 'create', a]);
  assert.is(ca.code, 0, ca.stderr);
  assert.is(ca.stdout, `${a}\n`);
  const cb = tspod(['network', 'create', '--subnet', '10.123.45.0/24', '--gateway', '10.123.45.254', '--label', 'k=v', '--internal', '--disable-dns', b]);
  assert.is(cb.code, 0, cb.stderr);
  const fa = JSON.parse(readFileSync(join(root, 'networks', `${a}.json`), 'utf8'));
  assert.match(fa.subnets[0].subnet, /^10\.89\.\d+\.0\/24$/);
  assert.is(fa.dns_enabled, true);
  assert.match(fa.id, /^[0-9a-f]{64}$/);
  assert.equal(fa.ipam_options, { driver: 'host-local' });
  const fb = JSON.parse(readFileSync(join(root, 'networks', `${b}.json`), 'utf8'));
  assert.equal(fb.subnets, [{ subnet: '10.123.45.0/24', gateway: '10.123.45.254' }]);
  assert.is(fb.internal, true);
  assert.is(fb.dns_enabled, false);
  assert.equal(fb.labels, { k: 'v' });
  assert.match(readFileSync(join(root, 'networks', `${b}.json`), 'utf8'), /^\{\n {5}"name": /);
  assert.is(tspod(['network', 'ls', '-q', '--filter', 'label=k=v']).stdout, `${b}\n`);
  assert.is(tspod(['network', 'inspect', '--format', '{{.Name}} {{.Internal}}', b]).stdout, `${b} true\n`);
});

test('errors: duplicate name 125, overlapping subnet 125, bad name 125, missing network inspect 125 / rm 1 / exists 1', () => {
  const a = uniq('net');
  tspod(['network', 'create', '--subnet', '10.124.0.0/24', a]);
  const dup = tspod(['network', 'create', a]);
  assert.is(dup.code, 125);
  assert.is(dup.stderr, `Error: network name ${a} already used: network already exists\n`);
  assert.is(tspod(['network', 'create', '--subnet', '10.124.0.128/25', uniq('net')]).code, 125);
  assert.is(tspod(['network', 'create', 'bad/name']).code, 125);
  const ins = tspod(['network', 'inspect', 'no-such-net']);
  assert.is(ins.code, 125);
  assert.is(ins.stdout, '[]\n');
  const rm = tspod(['network', 'rm', 'no-such-net']);
  assert.is(rm.code, 1);
  assert.is(rm.stderr, 'Error: unable to find network with name or ID no-such-net: network not found\n');
  assert.is(tspod(['network', 'exists', a]).code, 0);
  assert.is(tspod(['network', 'exists', 'no-such-net']).code, 1);
});

test('rm prints the name; prune removes unused networks but never the default', () => {
  const a = uniq('net'), b = uniq('net');
  tspod(['network', 'create', a]);
  tspod(['network', 'create', b]);
  const rm = tspod(['network', 'rm', a]);
  assert.is(rm.code, 0, rm.stderr);
  assert.is(rm.stdout, `${a}\n`);
  const p = tspod(['network', 'prune', '-f']);
  assert.is(p.code, 0, p.stderr);
  assert.match(p.stdout, new RegExp(`^${b}$`, 'm'));
  assert.equal(tspod(['network', 'ls', '-q']).stdout, 'podman\n');
});

test.after(() => rmSync(base, { recursive: true, force: true }));
test.run();
