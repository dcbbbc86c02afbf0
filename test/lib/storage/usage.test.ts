import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goHumanSize, imageTree, reclaimableText, summarize, treeSize, type ContainerUsage, type ImageUsage } from '../../../lib/storage/usage.ts';
import type { ImageRecord } from '../../../lib/storage/index.ts';
import type { ImageConfig } from '../../../lib/oci/types.ts';

test('goHumanSize is go-units HumanSize: %.4g, decimal units, no space', () => {
  const cases: [number, string][] = [[0, '0B'], [12, '12B'], [999, '999B'], [1000, '1kB'], [50012, '50.01kB'], [300000, '300kB'],
    [2008311, '2.008MB'], [4075016, '4.075MB'], [999950, '1000kB'], [1.5e9, '1.5GB']];
  for (const [n, s] of cases) assert.is(goHumanSize(n), s, String(n));
});

test('treeSize counts files and symlinks, a hard-linked file once, directories not; a missing path is 0', () => {
  const d = mkdtempSync(join(tmpdir(), 'tspod-usage-'));
  try {
    mkdirSync(join(d, 'a/b'), { recursive: true });
    writeFileSync(join(d, 'a/b/f'), Buffer.alloc(1000));
    linkSync(join(d, 'a/b/f'), join(d, 'a/g'));
    writeFileSync(join(d, 'h'), 'xyz');
    symlinkSync('/proc/mounts', join(d, 'mtab')); // 12 bytes, as podman counts /etc/mtab
    assert.is(treeSize(d), 1000 + 3 + 12);
    assert.is(treeSize(join(d, 'nope')), 0);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

const rec = (id: string, layers: string[]): ImageRecord => ({
  id, digest: '', digests: [], names: [], namesHistory: [], layers, created: '2024-01-01T00:00:00Z', size: 0, manifestMediaType: '',
});
const hist = (n: number): ImageConfig => ({ history: Array.from({ length: n }, (_, i) => ({ created_by: `step ${i}` })) } as ImageConfig);

test('imageTree: a child has its parent\'s layers plus at most one, and one more history entry', async () => {
  const base = rec('base', ['l1']), child = rec('child', ['l1', 'l2']), same = rec('meta', ['l1']), other = rec('other', ['l9']);
  const configs: Record<string, ImageConfig> = { base: hist(1), child: hist(2), meta: hist(2), other: hist(2) };
  const { parent, hasChildren } = await imageTree([base, child, same, other], async (id) => configs[id]);
  assert.is(parent.get('child')?.id, 'base');
  assert.is(parent.get('meta')?.id, 'base', 'same layers, one more history entry (a metadata-only commit)');
  assert.not.ok(parent.has('other'));
  assert.equal([...hasChildren], ['base']);
});

test('summarize: podman 4.3\'s rows (images per name, running containers active, links of volumes)', () => {
  const img = (size: number, containers: number): ImageUsage => ({ repository: 'r', tag: 't', id: 'i', created: '', size, sharedSize: 0, uniqueSize: size, containers });
  const ctr = (rwSize: number, status: string): ContainerUsage => ({ id: 'c', imageId: 'i', command: [], localVolumes: 0, rwSize, created: '', status, names: 'n' });
  const [i, c, v] = summarize([img(2008311, 2), img(2008311, 2), img(2066705, 0)], [ctr(12, 'running'), ctr(50012, 'exited')],
    [{ name: 'a', links: 0, size: 300000, reclaimable: 300000 }, { name: 'b', links: 2, size: 5, reclaimable: 0 }]);
  assert.equal(i, { type: 'Images', total: 3, active: 2, size: 6083327, reclaimable: 2066705 });
  assert.equal(c, { type: 'Containers', total: 2, active: 1, size: 50024, reclaimable: 50012 });
  assert.equal(v, { type: 'Local Volumes', total: 2, active: 2, size: 300005, reclaimable: 300000 });
  assert.is(reclaimableText(i), '2.067MB (34%)');
  assert.is(reclaimableText({ ...c, size: 0, reclaimable: 0 }), '0B (0%)');
});

test.run();
