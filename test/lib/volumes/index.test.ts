// @rootless
// Named volumes: records, data dirs, in-use refusal, filters, prune, concurrent creation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createVolume, filterVolumes, getVolume, inspectVolume, listVolumes, parseFilters, pruneVolumes, removeVolume, volumeExists, volumeMountSource,
} from '../../../lib/volumes/index.ts';

const graphRoot = mkdtempSync(join(tmpdir(), 'tspod-vol-'));
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

function fakeContainer(id: string, cfg: object) {
  mkdirSync(join(graphRoot, 'containers', id), { recursive: true });
  writeFileSync(join(graphRoot, 'containers', id, 'config.json'), JSON.stringify({ id, names: [id], imageId: 'x', ...cfg }));
}

function errCode(fn: () => Promise<unknown>): Promise<string | undefined> {
  return fn().then(() => undefined, (e) => (e as { code?: string }).code);
}

test('create: record and _data dir, podman inspect shape', async () => {
  const v = await createVolume({ graphRoot, name: 'data1', labels: { app: 'web' }, options: { o: 'nodev' } });
  assert.is(v.driver, 'local');
  assert.ok(existsSync(join(graphRoot, 'volumes/data1/_data')));
  const i = inspectVolume(graphRoot, await getVolume('data1', graphRoot));
  assert.equal(Object.keys(i), ['Name', 'Driver', 'Mountpoint', 'CreatedAt', 'Labels', 'Scope', 'Options', 'MountCount', 'NeedsCopyUp', 'NeedsChown']);
  assert.is(i.Mountpoint, join(graphRoot, 'volumes/data1/_data'));
  assert.equal(i.Labels, { app: 'web' });
  assert.is(i.Scope, 'local');
});

test('create: duplicate name, bad name, bad driver are refused; --ignore returns the existing one', async () => {
  assert.is(await errCode(() => createVolume({ graphRoot, name: 'data1' })), 'VOLUME_EXISTS');
  assert.is(await errCode(() => createVolume({ graphRoot, name: '-bad' })), 'INVALID_VOLUME');
  assert.is(await errCode(() => createVolume({ graphRoot, name: 'x', driver: 'nfs' })), 'INVALID_VOLUME');
  assert.is((await createVolume({ graphRoot, name: 'data1', ignoreExisting: true })).labels.app, 'web');
});

test('create without a name: 64 hex', async () => {
  const v = await createVolume({ graphRoot });
  assert.match(v.name, /^[0-9a-f]{64}$/);
  await removeVolume(v.name, { graphRoot });
});

test('volumeMountSource: creates on demand, or fails without create', async () => {
  const p = await volumeMountSource('auto1', { create: true, graphRoot });
  assert.is(p, join(graphRoot, 'volumes/auto1/_data'));
  assert.ok(await volumeExists('auto1', graphRoot));
  assert.is(await errCode(() => volumeMountSource('nope', { graphRoot })), 'NO_SUCH_VOLUME');
  writeFileSync(join(p, 'kept'), 'yes');
  assert.is(await volumeMountSource('auto1', { create: true, graphRoot }), p);
  assert.is(readFileSync(join(p, 'kept'), 'utf8'), 'yes');
});

test('rm: refused (exit 2) while a container uses it (volumes[] or mounts[]), allowed with force', async () => {
  await createVolume({ graphRoot, name: 'used1' });
  await createVolume({ graphRoot, name: 'used2' });
  fakeContainer('c1', { volumes: ['used1'] });
  fakeContainer('c2', { mounts: [{ type: 'volume', name: 'used2', destination: '/d', options: [] }] });
  for (const n of ['used1', 'used2']) {
    try {
      await removeVolume(n, { graphRoot });
      assert.unreachable('removed a volume in use');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'VOLUME_IN_USE');
      assert.is((err as { exitCode?: number }).exitCode, 2);
    }
  }
  await removeVolume('used1', { graphRoot, force: true });
  assert.not.ok(await volumeExists('used1', graphRoot));
  assert.is(await errCode(() => removeVolume('used1', { graphRoot })), 'NO_SUCH_VOLUME');
});

test('filters: name, label, dangling, driver; unknown filter refused', async () => {
  const all = await listVolumes(graphRoot);
  const names = (f: string[]) => filterVolumes(graphRoot, all, parseFilters(f)).map((v) => v.name);
  assert.equal(names(['label=app=web']), ['data1']);
  assert.equal(names(['label=app']), ['data1']);
  assert.equal(names(['name=auto']), ['auto1']);
  assert.ok(!names(['dangling=true']).includes('used2'));
  assert.ok(names(['dangling=false']).includes('used2'));
  assert.equal(names(['driver=local']).length, all.length);
  assert.throws(() => names(['bogus=1']));
});

test('prune: removes only unused volumes', async () => {
  const removed = await pruneVolumes({ graphRoot });
  assert.ok(removed.includes('data1') && removed.includes('auto1'));
  assert.equal((await listVolumes(graphRoot)).map((v) => v.name), ['used2']);
});

test('concurrent creates of one name from 4 processes: exactly one wins', async () => {
  const script = `import { createVolume } from ${JSON.stringify(join(root, 'lib/volumes/index.ts'))};
createVolume({ graphRoot: ${JSON.stringify(graphRoot)}, name: 'race' }).then(() => console.log('won'), (e) => console.log(e.code));`;
  const file = join(graphRoot, 'race.mts');
  writeFileSync(file, script);
  const outs = await Promise.all([1, 2, 3, 4].map(() => new Promise<string>((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root });
    let o = '';
    c.stdout.on('data', (d) => (o += d));
    c.on('close', () => resolve(o.trim()));
  })));
  assert.equal(outs.filter((o) => o === 'won').length, 1, outs.join(','));
  assert.equal(outs.filter((o) => o === 'VOLUME_EXISTS').length, 3, outs.join(','));
});

test.after(() => rmSync(graphRoot, { recursive: true, force: true }));
test.run();
