// How images are named and which digest they show, next to podman 4.3 (private stores, rootful only):
// a multi-arch tag shows the manifest list's digest (images --digests, {{.Digest}}, RepoDigests, the
// ImageDigest of a container made from it); pull and load from oci:, oci-archive:, docker-archive: and
// dir: name images as libimage does (localhost/PATH:latest, the archive's ref name under localhost/,
// every RepoTag), and refuse a name that is not valid with podman's message. Expected values are
// written out, so the file fails without podman too; with it, both outputs must be the same.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureEnv, type FixtureEnv } from '../helpers/global-setup.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
const asRoot = process.getuid?.() === 0;
const havePodman = asRoot && spawnSync('podman', ['--version']).status === 0;
// lower-case: oci:PATH names the image localhost/PATH
const work = join(tmpdir(), `tspod-092-${randomBytes(4).toString('hex')}`);
let fx: FixtureEnv;
let n = 0;

interface Run { status: number | null; out: string; err: string }

function exec(cmd: string[], cwd = work): Run {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 120_000, input: '', cwd });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** Fresh private stores for one case; `tool(args)` runs tspod or podman on its own. */
function stores(): { tspod: (a: string[]) => Run; podman: (a: string[]) => Run } {
  const d = join(work, `s${n++}`);
  return {
    tspod: (a) => exec([...TSPOD, '--root', join(d, 'ts'), '--runroot', join(d, 'ts-run'), ...a]),
    podman: (a) => exec(['podman', '--root', join(d, 'pm'), '--runroot', join(d, 'pm-run'), '--storage-driver', 'vfs', '--runtime', 'runc', ...a]),
  };
}

function ok(r: Run, what: string): string {
  assert.is(r.status, 0, `${what}: exit ${r.status}\n${r.out}\n${r.err}`);
  return r.out;
}

/** The last line of stderr, podman's CNI warnings aside. */
const errorLine = (r: Run) => r.err.split('\n').filter((l) => l && !l.includes('level=warning')).pop() ?? '';

const skopeo = (...a: string[]) => ok(exec(['skopeo', ...a]), `skopeo ${a.join(' ')}`);

test.before(async () => {
  fx = await fixtureEnv();
  mkdirSync(work, { mode: 0o700 });
});
test.after(() => rmSync(work, { recursive: true, force: true }));

test('a multi-arch tag: images, inspect and containers show the manifest list digest', () => {
  const list = `sha256:${createHash('sha256').update(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${fx.registry}/multiarch:latest`)).digest('hex')}`;
  const raw = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${fx.registry}/multiarch:latest`));
  const instance: string = raw.manifests.find((m: { platform: { architecture: string } }) => m.platform.architecture === 'amd64').digest;
  const repo = `${fx.registry}/multiarch`;
  const s = stores();
  const outputs = (tool: (a: string[]) => Run) => {
    ok(tool(['pull', '-q', '--tls-verify=false', '--arch', 'amd64', `${repo}:latest`]), 'pull tag');
    // the same image again by its instance digest: still one row, Digest stays the list's
    ok(tool(['pull', '-q', '--tls-verify=false', `${repo}@${instance}`]), 'pull instance');
    return [
      ok(tool(['images', '--digests', '--no-trunc']), 'images --digests'),
      ok(tool(['images', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']), 'images {{.Digest}}'),
      ok(tool(['image', 'inspect', '--format', '{{.Digest}} {{.RepoDigests}} {{.RepoTags}}', `${repo}:latest`]), 'inspect'),
    ];
  };
  const got = outputs(s.tspod);
  assert.match(got[0], new RegExp(`^${repo} +latest +${list} `, 'm'));
  assert.is(got[1], `${repo} latest ${list}\n`);
  assert.is(got[2], `${list} [${[`${repo}@${list}`, `${repo}@${instance}`].sort().join(' ')}] [${repo}:latest]\n`);
  ok(s.tspod(['create', '--name', `c-${n}`, `${repo}:latest`, 'true']), 'create');
  assert.is(ok(s.tspod(['inspect', '--format', '{{.ImageDigest}}', `c-${n}`]), 'container inspect'), `${list}\n`);
  if (havePodman) assert.equal(got, outputs(s.podman));
});

/** Local sources of the fixture busybox in every transport, with and without names. */
function sources(): void {
  const bb = `docker://${fx.registry}/busybox:latest`;
  const cp = (dest: string, ...extra: string[]) => skopeo('copy', '-q', '--src-tls-verify=false', ...extra, bb, dest);
  cp('oci:layout:mytag');
  cp('oci-archive:named.tar:mytag');
  cp('oci-archive:latest.tar:latest');
  cp('oci-archive:registry.tar:quay.io/x/y:z');
  cp('oci-archive:unnamed.tar');
  cp('oci-archive:upper.tar:Upper');
  cp('dir:plain');
  cp('docker-archive:tags.tar:foo/bar:t1', '--additional-tag', 'foo/baz:t2');
  cp('docker-archive:untagged.tar');
  cpSync(join(work, 'layout'), join(work, 'Mixed'), { recursive: true });
}

// [command, stdout or error line, names of the image after it]
const CASES: [string[], string, string][] = [
  [['pull', '-q', 'oci:layout:mytag'], 'ID', '[localhost/layout:latest]'],
  [['pull', '-q', `oci:${'WORK'}/layout`], 'ID', '[localhost/WORK/layout:latest]'],
  [['pull', '-q', 'oci-archive:named.tar'], 'ID', '[localhost/mytag:latest]'],
  [['pull', '-q', 'oci-archive:latest.tar:latest'], 'ID', '[localhost/latest:latest]'],
  [['pull', '-q', 'oci-archive:registry.tar'], 'ID', '[quay.io/x/y:z]'],
  [['pull', '-q', 'oci-archive:unnamed.tar'], 'ID', '[]'],
  [['pull', '-q', 'dir:plain'], 'ID', '[]'],
  [['pull', '-q', 'docker-archive:tags.tar'], 'ID\nID', '[docker.io/foo/baz:t2 docker.io/foo/bar:t1]'],
  [['pull', '-q', 'docker-archive:tags.tar:foo/baz:t2'], 'ID', '[docker.io/foo/baz:t2]'],
  [['pull', '-q', 'docker-archive:untagged.tar'], 'ID', '[]'],
  [['load', '-q', '-i', 'layout'], 'Loaded image: localhost/layout', '[localhost/layout:latest]'],
  [['load', '-q', '-i', 'named.tar'], 'Loaded image: localhost/mytag:latest', '[localhost/mytag:latest]'],
  [['load', '-q', '-i', 'latest.tar'], 'Loaded image: localhost/latest:latest', '[localhost/latest:latest]'],
  [['load', '-q', '-i', 'registry.tar'], 'Loaded image: quay.io/x/y:z', '[quay.io/x/y:z]'],
  [['load', '-q', '-i', 'unnamed.tar'], 'Loaded image: sha256:ID', '[]'],
  [['load', '-q', '-i', 'tags.tar'], 'Loaded image: docker.io/foo/bar:t1\nLoaded image: docker.io/foo/baz:t2', '[docker.io/foo/baz:t2 docker.io/foo/bar:t1]'],
  [['load', '-q', '-i', 'plain'], 'Loaded image: sha256:ID', '[]'],
];

const ERRORS: [string[], string][] = [
  [['pull', 'oci:./layout'], 'Error: parsing "localhost/./layout": parsing named reference "localhost/./layout": invalid reference format'],
  [['pull', 'oci:Mixed'], 'Error: parsing "localhost/Mixed": parsing named reference "localhost/Mixed": invalid reference format: repository name must be lowercase'],
  [['pull', 'oci-archive:upper.tar'], 'Error: normalizing name "Upper": repository name must be lowercase'],
  [['load', '-i', 'upper.tar'], ' * oci-archive: normalizing name "Upper": repository name must be lowercase'],
];

test('pull and load from local transports name images as podman', () => {
  sources();
  const id = ok(exec([...TSPOD, '--root', join(work, 'id'), '--runroot', join(work, 'id-run'), 'pull', '-q', 'dir:plain']), 'pull').trim();
  for (const [args, out, names] of CASES) {
    const a = args.map((x) => x.replace('WORK', work));
    const s = stores();
    const run = (tool: (a: string[]) => Run) => {
      const r = tool(a);
      return [ok(r, a.join(' ')).trim(), ok(tool(['images', '--format', '{{.Names}}']), 'images').split('\n')[0]] // a row per tag, each with all names;
    };
    const got = run(s.tspod);
    assert.equal(got, [out.replaceAll('ID', id), names.replaceAll('WORK', work.slice(1))], a.join(' '));
    if (havePodman) assert.equal(got, run(s.podman), `${a.join(' ')} (tspod, podman)`);
  }
});

test('a name podman cannot make: the same error, nothing stored', () => {
  for (const [args, line] of ERRORS) {
    const s = stores();
    const check = (tool: (a: string[]) => Run) => {
      const r = tool(args);
      assert.is(r.status, 125, `${args.join(' ')}: exit ${r.status}\n${r.err}`);
      const lines = r.err.split('\n');
      assert.ok(args[0] === 'load' ? lines.includes(line) : errorLine(r) === line, `${args.join(' ')}:\n${r.err}`);
      assert.is(ok(tool(['images', '-q']), 'images'), '');
    };
    check(s.tspod);
    if (havePodman) check(s.podman);
  }
});

test.run();
