// @rootless
// The image-store verbs through the real CLI (bin/tspod): images, tag, untag, rmi, image inspect, history,
// image exists, image prune. The store is filled through the containers-storage destination directly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { makeImage, storeImage, type TestImage } from '../lib/storage/fixture.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
let store = '';
const sfx = randomBytes(3).toString('hex');
const NAME = `localhost/img-${sfx}:1`;
let a: TestImage, b: TestImage;

function tspod(expect: number, ...args: string[]): { out: string; err: string } {
  const r = spawnSync(TSPOD[0], [...TSPOD.slice(1), '--root', store, '--runroot', join(store, 'run'), ...args], {
    encoding: 'utf8', timeout: 30_000, input: '',
  });
  assert.is(r.status, expect, `tspod ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
}

test.before.each(async () => {
  store = mkdtempSync(join(tmpdir(), 'tspod-sys-images-'));
  a = makeImage([[{ name: 'bin/sh', content: 'x'.repeat(3000) }], [{ name: 'etc/a', content: 'a' }]], { labels: { tier: 'web' }, created: new Date(Date.now() - 120_000).toISOString() });
  b = makeImage([[{ name: 'b', content: 'b' }]], { created: '2021-01-01T00:00:00Z' });
  await storeImage(`[${store}+${store}/run]${NAME}`, a);
  await storeImage(`[${store}+${store}/run]quay.io/test/busybox-${sfx}:latest`, b);
});
test.after.each(() => rmSync(store, { recursive: true, force: true }));

test('images lists names, IDs, podman columns; -q, --no-trunc, --format, json, filters', () => {
  const { out } = tspod(0, 'images');
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0], /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  assert.match(lines[1], new RegExp(`^localhost/img-${sfx}\\s+1\\s+${a.id.slice(0, 12)}\\s+2 minutes ago\\s+\\d`));
  assert.match(lines[2], new RegExp(`^quay.io/test/busybox-${sfx}\\s+latest\\s+${b.id.slice(0, 12)}\\s+\\d years ago`));
  assert.is(tspod(0, 'images', '-q').out, `${a.id.slice(0, 12)}\n${b.id.slice(0, 12)}\n`);
  assert.is(tspod(0, 'image', 'ls', '-q', '--no-trunc').out, `sha256:${a.id}\nsha256:${b.id}\n`);
  assert.is(tspod(0, 'images', '--format', '{{.Repository}}:{{.Tag}}').out, `localhost/img-${sfx}:1\nquay.io/test/busybox-${sfx}:latest\n`);
  const json = JSON.parse(tspod(0, 'images', '--format', 'json').out);
  assert.is(json.length, 2);
  assert.is(json[0].Id, a.id);
  assert.equal(json[0].Names, [NAME]);
  assert.equal(json[0].Labels, { tier: 'web' });
  assert.is(tspod(0, 'images', '-q', '--filter', 'label=tier=web').out, `${a.id.slice(0, 12)}\n`);
  assert.is(tspod(0, 'images', '-q', '--filter', `reference=busybox-${sfx}`).out, `${b.id.slice(0, 12)}\n`);
  assert.is(tspod(0, 'images', '-q', `busybox-${sfx}`).out, `${b.id.slice(0, 12)}\n`);
  assert.is(tspod(0, 'images', '-q', '--filter', `before=${a.id}`).out, `${b.id.slice(0, 12)}\n`);
  assert.is(tspod(0, 'images', '-q', '--filter', 'dangling=true').out, '');
  assert.is(tspod(0, 'images', '--noheading', '--format', 'table {{.ID}}').out, `${a.id.slice(0, 12)}\n${b.id.slice(0, 12)}\n`);
  assert.match(tspod(125, 'images', '--sort', 'bogus').err, /--sort/);
  assert.match(tspod(125, 'images', '--filter', 'bogus=1').err, /bogus is an invalid filter/);
});

test('tag, untag, image exists', () => {
  tspod(0, 'tag', a.id.slice(0, 6), `other-${sfx}`, `reg.example/x/y-${sfx}:2`);
  tspod(0, 'image', 'exists', `localhost/other-${sfx}:latest`);
  tspod(0, 'image', 'exists', `y-${sfx}:2`);
  tspod(1, 'image', 'exists', `nosuch-${sfx}`);
  assert.match(tspod(125, 'tag', `nosuch-${sfx}`, 'x').err, new RegExp(`^Error: nosuch-${sfx}: image not known`));
  tspod(0, 'untag', `other-${sfx}`, `other-${sfx}`);
  tspod(1, 'image', 'exists', `other-${sfx}`);
  assert.match(tspod(125, 'untag', NAME, `never-${sfx}`).err, new RegExp(`localhost/never-${sfx}:latest: tag not known`));
  tspod(0, 'untag', NAME);
  assert.is(tspod(0, 'images', '-q', '--filter', 'dangling=true').out, `${a.id.slice(0, 12)}\n`);
});

test('image inspect: podman shape, --format, unknown image', () => {
  const [o] = JSON.parse(tspod(0, 'image', 'inspect', NAME).out);
  assert.is(o.Id, a.id);
  assert.equal(o.RepoTags, [NAME]);
  assert.is(o.RepoDigests[0], `localhost/img-${sfx}@${o.Digest}`);
  assert.equal(o.RootFS, { Type: 'layers', Layers: a.diffIDs });
  assert.equal(o.Labels, { tier: 'web' });
  assert.is(o.GraphDriver.Name, 'overlay');
  assert.ok(existsSync(o.GraphDriver.Data.UpperDir));
  for (const k of ['Parent', 'Comment', 'Created', 'Config', 'Version', 'Author', 'Architecture', 'Os', 'Size', 'VirtualSize', 'Annotations', 'ManifestType', 'User', 'History', 'NamesHistory']) {
    assert.ok(k in o, k);
  }
  assert.is(tspod(0, 'image', 'inspect', '--format', '{{.Id}} {{.Os}}', NAME).out, `${a.id} linux\n`);
  const r = tspod(125, 'image', 'inspect', `nosuch-${sfx}`);
  assert.is(r.out.trim(), '[]');
  assert.match(r.err, new RegExp(`Error: inspecting object: nosuch-${sfx}: image not known`));
});

test('history: newest first, top row carries the ID', () => {
  const lines = tspod(0, 'history', NAME).out.trimEnd().split('\n');
  assert.match(lines[0], /^ID\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  assert.is(lines.length, 3);
  assert.match(lines[1], new RegExp(`^${a.id.slice(0, 12)}\\s+2 minutes ago\\s+layer 1`));
  assert.match(lines[2], /^<missing>\s+2 minutes ago\s+layer 0/);
  assert.is(tspod(0, 'history', '-q', '--no-trunc', NAME).out, `${a.id}\n<missing>\n`);
  const json = JSON.parse(tspod(0, 'image', 'history', '--format', 'json', NAME).out);
  assert.is(json[1].CreatedBy, 'layer 0');
  tspod(125, 'history', `nosuch-${sfx}`);
});

test('rmi: exit 1 for unknown images, untag by name, refuse by ID with several names, in use gives 2', () => {
  assert.match(tspod(1, 'rmi', `nosuch-${sfx}`).err, new RegExp(`^Error: nosuch-${sfx}: image not known`));
  assert.match(tspod(1, 'rmi', `n1-${sfx}`, `n2-${sfx}`).err, /2 errors occurred:\n\t\* n1-.*\n\t\* n2-/);
  tspod(0, 'rmi', '-f', `nosuch-${sfx}`);
  tspod(0, 'tag', NAME, `second-${sfx}`);
  assert.match(tspod(125, 'rmi', a.id).err, /by ID with more than one tag/);
  assert.is(tspod(0, 'rmi', `second-${sfx}`).out, `Untagged: localhost/second-${sfx}:latest\n`);
  const cdir = join(store, 'containers', `c-${sfx}`);
  mkdirSync(cdir, { recursive: true });
  writeFileSync(join(cdir, 'config.json'), JSON.stringify({ id: `c-${sfx}`, names: ['x'], imageId: b.id }));
  assert.match(tspod(2, 'rmi', b.id).err, /image is in use by a container/);
  rmSync(cdir, { recursive: true });
  assert.is(tspod(0, 'image', 'rm', a.id).out, `Untagged: ${NAME}\nDeleted: ${a.id}\n`);
  tspod(1, 'image', 'exists', a.id);
  assert.is(tspod(0, 'rmi', '-a').out, `Untagged: quay.io/test/busybox-${sfx}:latest\nDeleted: ${b.id}\n`);
  assert.is(tspod(0, 'images', '-q').out, '');
});

test('image prune removes dangling images; -a all unused ones', () => {
  tspod(0, 'untag', NAME);
  assert.is(tspod(0, 'image', 'prune', '-f').out, `${a.id}\n`);
  assert.is(tspod(0, 'images', '-q').out, `${b.id.slice(0, 12)}\n`);
  assert.is(tspod(0, 'image', 'prune', '-a', '-f').out, `${b.id}\n`);
  assert.is(tspod(0, 'images', '-q', '-a').out, '');
});

test.run();
