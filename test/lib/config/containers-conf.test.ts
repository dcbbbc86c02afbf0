// containers.conf: file order, key-by-key merging, CONTAINERS_CONF / CONTAINERS_CONF_OVERRIDE, errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containersConfFiles, defaultContainersConf, loadContainersConf, runtimePath } from '../../../lib/config/containers-conf.ts';

const dir = mkdtempSync(join(tmpdir(), 'tspod-cconf-'));
const saved = { ...process.env };
function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

test('defaults match podman built-ins', () => {
  const d = defaultContainersConf();
  assert.equal(d.containers.default_capabilities, ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
  assert.is(d.engine.image_default_transport, 'docker://');
  assert.is(d.network.default_rootless_network_cmd, 'slirp4netns');
  assert.is(d.engine.pull_policy, 'missing');
  assert.ok(d.engine.runtimes.runc.includes('/usr/bin/runc'));
});

test('CONTAINERS_CONF alone, then CONTAINERS_CONF_OVERRIDE on top', () => {
  const main = write('main.conf', `
[containers]
env = ["A=1"]
default_capabilities = ["CHOWN"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
[engine.runtimes]
mine = ["/opt/mine"]
[network]
default_rootless_network_cmd = "pasta"
[machine]
cpus = 2
`);
  const over = write('over.conf', '[engine]\nruntime = "crun"\n[containers]\ntz = "UTC"\n');
  process.env.CONTAINERS_CONF = main;
  process.env.CONTAINERS_CONF_OVERRIDE = over;
  try {
    assert.equal(containersConfFiles(), [main, over]);
    const c = loadContainersConf();
    assert.equal(c.files, [main, over]);
    assert.equal(c.containers.env, ['A=1']);
    assert.equal(c.containers.default_capabilities, ['CHOWN']);
    assert.is(c.containers.tz, 'UTC');
    assert.is(c.containers.shm_size, '65536k', 'untouched keys keep the default');
    assert.is(c.engine.runtime, 'crun');
    assert.is(c.engine.cgroup_manager, 'cgroupfs');
    assert.equal(c.engine.runtimes.mine, ['/opt/mine']);
    assert.ok(c.engine.runtimes.runc, 'tables merge: built-in runtimes stay');
    assert.is(c.network.default_rootless_network_cmd, 'pasta');
    assert.equal(c.raw.machine, { cpus: 2 });
    assert.is(runtimePath(c, 'mine'), undefined);
    assert.is(runtimePath(c, '/abs/runtime'), '/abs/runtime');
  } finally {
    process.env = { ...saved };
  }
});

test('default file list is the system files that exist', () => {
  delete process.env.CONTAINERS_CONF;
  delete process.env.CONTAINERS_CONF_OVERRIDE;
  const files = containersConfFiles();
  for (const f of files) assert.ok(f.startsWith('/usr/share/containers/') || f.startsWith('/etc/containers/') || f.includes('/.config/'), f);
  process.env = { ...saved };
});

const bad: [string, string, RegExp][] = [
  ['syntax', '[engine\nruntime = 1', /reading containers.conf ".*syntax.conf"/],
  ['not a table', 'engine = 3\n', /"engine" must be a table/],
];
for (const [name, text, re] of bad) {
  test(`invalid containers.conf: ${name}`, () => {
    process.env.CONTAINERS_CONF = write(`${name}.conf`, text);
    try {
      assert.throws(() => loadContainersConf(), (e: any) => re.test(e.message) && e.exitCode === 125);
    } finally {
      process.env = { ...saved };
    }
  });
}

test('a missing CONTAINERS_CONF is an error', () => {
  process.env.CONTAINERS_CONF = join(dir, 'missing.conf');
  try {
    assert.throws(() => loadContainersConf(), /no such file or directory/);
  } finally {
    process.env = { ...saved };
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
