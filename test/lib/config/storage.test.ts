// @rootless
// storage.conf: tspod's own file sets paths; podman's only contributes the driver and overlay
// options, so tspod never writes into podman's graphroot. storagePaths() precedence.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStorageConf, podmanStorageConfPath, tspodStorageConfPath } from '../../../lib/config/storage.ts';
import { defaultStoragePaths, storagePaths } from '../../../lib/config/paths.ts';
import { isRootless } from '../../../lib/rootless/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tspod-storageconf-'));
const saved = { ...process.env };
function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}
const podmanConf = write('podman-storage.conf', `
[storage]
driver = "vfs"
graphroot = "/var/lib/containers/storage"
runroot = "/run/containers/storage"
[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
`);
const ownConf = write('tspod-storage.conf', `
[storage]
driver = "overlay"
graphroot = "${dir}/graph"
runroot = "${dir}/run"
rootless_storage_path = "$HOME/tspod-rootless"
`);

function withEnv(env: Record<string, string | undefined>, fn: () => void) {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    fn();
  } finally {
    process.env = { ...saved };
  }
}

test('podman storage.conf: driver and options only, never its graphroot', () => {
  withEnv({ CONTAINERS_STORAGE_CONF: podmanConf, TSPOD_STORAGE_CONF: undefined, HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg') }, () => {
    assert.is(podmanStorageConfPath(), podmanConf);
    const c = loadStorageConf();
    assert.is(c.driver, 'vfs');
    assert.is(c.mountProgram, '/usr/bin/fuse-overlayfs');
    assert.is(c.graphroot, undefined);
    const p = storagePaths();
    assert.is(p.graphRoot, defaultStoragePaths().graphRoot);
    assert.is(p.runRoot, defaultStoragePaths().runRoot);
    assert.is(p.driver, 'vfs');
  });
});

test("tspod's storage.conf sets everything; flags win over it", () => {
  withEnv({ CONTAINERS_STORAGE_CONF: podmanConf, TSPOD_STORAGE_CONF: ownConf, HOME: dir }, () => {
    assert.is(tspodStorageConfPath(), ownConf);
    const c = loadStorageConf();
    assert.equal(c.files, [podmanConf, ownConf]);
    assert.is(c.driver, 'overlay');
    assert.is(c.rootlessStoragePath, `${dir}/tspod-rootless`);
    const p = storagePaths();
    assert.is(p.graphRoot, isRootless() ? `${dir}/tspod-rootless` : `${dir}/graph`);
    assert.is(p.runRoot, `${dir}/run`);
    assert.equal(storagePaths({ root: '/r', runroot: '/rr', storageDriver: 'vfs' }), { graphRoot: '/r', runRoot: '/rr', driver: 'vfs' });
  });
});

test('no storage.conf anywhere: defaults', () => {
  withEnv({ CONTAINERS_STORAGE_CONF: join(dir, 'missing.conf'), TSPOD_STORAGE_CONF: undefined, HOME: join(dir, 'emptyhome'), XDG_CONFIG_HOME: join(dir, 'emptyhome/.config') }, () => {
    assert.is(podmanStorageConfPath(), undefined);
    const p = storagePaths();
    assert.equal(p, defaultStoragePaths());
  });
});

test('invalid storage.conf is a clear error', () => {
  withEnv({ TSPOD_STORAGE_CONF: write('bad.conf', '[storage]\ngraphroot = 5\n') }, () => {
    assert.throws(() => loadStorageConf(), (e: any) => /reading storage configuration ".*bad.conf": graphroot must be a string/.test(e.message) && e.exitCode === 125);
  });
});

test('an explicit TSPOD_STORAGE_CONF that does not exist is an error', () => {
  withEnv({ TSPOD_STORAGE_CONF: join(dir, 'none.conf') }, () => {
    assert.throws(() => loadStorageConf(), /reading storage configuration ".*none.conf": no such file or directory/);
  });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
