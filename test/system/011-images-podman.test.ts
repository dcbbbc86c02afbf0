// The image-store verbs next to podman on the same images: both pull the fixture images from the fixture
// registry into private stores, and `images`, `image inspect`, `history` must print the same
// (store paths, which differ by design, aside). Rootful only: podman needs its own setup rootless.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureEnv, type FixtureEnv } from '../helpers/global-setup.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
let fx: FixtureEnv;
let dir = '';
const havePodman = spawnSync('podman', ['--version']).status === 0 && process.getuid!() === 0;

function run(cmd: string[], expect = 0): string {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 120_000, input: '' });
  assert.is(r.status, expect, `${cmd.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const tspod = (...a: string[]) => run([...TSPOD, '--root', join(dir, 'ts'), '--runroot', join(dir, 'ts-run'), ...a]);
const podman = (...a: string[]) => run(['podman', '--root', join(dir, 'pm'), '--runroot', join(dir, 'pm-run'), '--storage-driver', 'vfs', ...a]);

test.before(async () => {
  if (!havePodman) return;
  fx = await fixtureEnv();
  dir = mkdtempSync(join(tmpdir(), 'tspod-sys-vs-podman-'));
  for (const img of ['busybox:latest', 'layered:latest', 'layered:v2s2']) {
    tspod('pull', '-q', '--tls-verify=false', `${fx.registry}/${img}`);
    podman('pull', '-q', '--tls-verify=false', `${fx.registry}/${img}`);
  }
});
test.after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const noPaths = (json: string) => JSON.parse(json).map((o: Record<string, unknown>) => ({ ...o, GraphDriver: undefined }));

test('images: table, --digests, -q, json are the same', () => {
  if (!havePodman) return console.log('# skip: needs podman as root');
  for (const args of [[], ['--digests', '--no-trunc'], ['-q'], ['--format', '{{.Repository}} {{.Tag}} {{.ID}} {{.Size}} {{.Digest}} {{.Dangling}}'], ['--sort', 'repository']]) {
    assert.is(tspod('images', ...args), podman('images', ...args), args.join(' '));
  }
  assert.equal(JSON.parse(tspod('images', '--format', 'json')), JSON.parse(podman('images', '--format', 'json')));
});

test('image inspect and history are the same', () => {
  if (!havePodman) return console.log('# skip: needs podman as root');
  for (const img of [`${fx.registry}/busybox:latest`, `${fx.registry}/layered:latest`, `${fx.registry}/layered:v2s2`]) {
    assert.equal(noPaths(tspod('image', 'inspect', img)), noPaths(podman('image', 'inspect', img)), img);
    assert.is(tspod('history', img), podman('history', img), img);
    assert.is(tspod('history', '--format', 'json', img), podman('history', '--format', 'json', img), img);
    assert.is(tspod('history', '--no-trunc', '-H=false', img), podman('history', '--no-trunc', '-H=false', img), img);
  }
});

test('tag, untag, rmi and prune leave both stores listing the same', () => {
  if (!havePodman) return console.log('# skip: needs podman as root');
  const bb = `${fx.registry}/busybox:latest`;
  const steps: string[][] = [
    ['tag', bb, 'extra', 'other.example/x/y:1'], ['untag', bb, 'extra'], ['rmi', 'other.example/x/y:1'],
    ['tag', `${fx.registry}/layered:latest`, 'gone'], ['rmi', 'gone'], ['untag', `${fx.registry}/layered:v2s2`],
  ];
  for (const st of steps) {
    assert.is(tspod(...st), podman(...st), st.join(' '));
    assert.is(tspod('images', '-a'), podman('images', '-a'), `images after ${st.join(' ')}`);
    assert.equal(noPaths(tspod('image', 'inspect', bb)), noPaths(podman('image', 'inspect', bb)), `inspect after ${st.join(' ')}`);
  }
  assert.is(tspod('image', 'prune', '-f'), podman('image', 'prune', '-f'));
  assert.is(tspod('images', '-a'), podman('images', '-a'));
});

test('dangling vs intermediate images, and prune, decided like libimage', () => {
  if (!havePodman) return console.log('# skip: needs podman as root');
  const both = (...a: string[]) => assert.is(tspod(...a), podman(...a), a.join(' '));
  tspod('pull', '-q', '--tls-verify=false', `${fx.registry}/busybox:latest`);
  podman('pull', '-q', '--tls-verify=false', `${fx.registry}/busybox:latest`);
  tspod('untag', `${fx.registry}/busybox:latest`);
  podman('untag', `${fx.registry}/busybox:latest`);
  both('images');
  both('images', '-a', '--filter', 'dangling=true');
  both('images', '-a', '--filter', 'intermediate=true');
  both('image', 'prune', '-f');
  both('image', 'prune', '-a', '-f');
  both('images', '-a');
});

test.run();
