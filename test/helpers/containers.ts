// For container system tests: a private store (temp --root/--runroot) holding a small busybox image
// built here from the host's static /bin/busybox (docker-archive -> containers-storage through lib/copy),
// and a `tspod` runner bound to that store. Rootless runs re-exec the test file inside the user
// namespace first (test/helpers/userns.ts), so the store can be filled and removed as uid 0 there.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURE_IMAGE = 'localhost/tspod-busybox:latest';

const APPLETS = ['sh', 'echo', 'id', 'cat', 'ls', 'sleep', 'env', 'pwd', 'hostname', 'true', 'false', 'mount', 'grep', 'stat',
  'touch', 'mkdir', 'ps', 'kill', 'wc', 'head', 'readlink', 'test', 'ulimit', 'printf', 'rm', 'tail', 'trap', 'date', 'seq'];

export interface RunResult { code: number; stdout: string; stderr: string }

export interface ContainerFixture {
  root: string;
  runroot: string;
  image: string;
  tspod(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * The prologue of a container system test file: the fixture, made before the file's tests and
 * cleaned up after them, and a scratch directory when `scratch` gives its name prefix; `t` is uvu's
 * test, or test.skip (with a note) where containers cannot run here or `skip` gives another reason.
 * `f` stands for the fixture from the start: its members may be used once the tests run.
 */
export function containerTests(o: { scratch?: string; skip?: string } = {}): { t: typeof test | typeof test.skip; f: ContainerFixture; dir: string } {
  const skip = missingFeature() ?? o.skip;
  if (skip) console.log(`# skipped: ${skip}`);
  let real: ContainerFixture | undefined;
  const dir = o.scratch && !skip ? mkdtempSync(join(tmpdir(), o.scratch)) : '';
  test.before(async () => { if (!skip) real = await containerFixture(); });
  test.after(async () => {
    if (real) await real.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const made = (): ContainerFixture => {
    if (!real) throw new Error('the container fixture is made in test.before');
    return real;
  };
  const f: ContainerFixture = {
    get root() { return made().root; },
    get runroot() { return made().runroot; },
    get image() { return made().image; },
    tspod: (args, opts) => made().tspod(args, opts),
    cleanup: () => made().cleanup(),
  };
  return { t: skip ? test.skip : test, f, dir };
}

/** Why container tests cannot run here, or undefined. */
export function missingFeature(): string | undefined {
  if (!existsSync('/bin/busybox')) return 'no /bin/busybox (install busybox-static)';
  if (!existsSync('/usr/bin/conmon')) return 'no conmon';
  if (!existsSync('/usr/sbin/runc') && !existsSync('/usr/bin/runc') && !existsSync('/usr/bin/crun')) return 'no OCI runtime';
  if (!existsSync(join(repoRoot, 'dist/tspod.js'))) return 'dist/tspod.js not built (node scripts/build.mjs js)';
  return undefined;
}

/** docker-archive tar of a one-layer busybox image. */
function buildArchive(dir: string): string {
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home/bb', 'var/tmp']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nbb:x:1000:1000:bb:/home/bb:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nbb:x:1000:\nextra:x:2000:bb\nnogroup:x:65534:\n');
  const img = join(dir, 'img');
  mkdirSync(img);
  const tar = spawnSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', join(img, 'layer.tar'), '.']);
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  const diffID = 'sha256:' + createHash('sha256').update(readFileSync(join(img, 'layer.tar'))).digest('hex');
  const config = JSON.stringify({
    architecture: process.arch === 'x64' ? 'amd64' : process.arch, os: 'linux', created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'FROM_IMAGE=1'], Labels: { 'tspod.fixture': 'busybox' } },
    rootfs: { type: 'layers', diff_ids: [diffID] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'tspod test fixture' }],
  });
  const configName = createHash('sha256').update(config).digest('hex') + '.json';
  writeFileSync(join(img, configName), config);
  writeFileSync(join(img, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [FIXTURE_IMAGE], Layers: ['layer.tar'] }]));
  const out = join(dir, 'image.tar');
  const t2 = spawnSync('tar', ['-C', img, '-cf', out, '.']);
  if (t2.status !== 0) throw new Error(`tar: ${t2.stderr}`);
  return out;
}

export async function containerFixture(): Promise<ContainerFixture> {
  const base = mkdtempSync(join(tmpdir(), 'tspod-ctr-'));
  chmodSync(base, 0o755);
  const root = join(base, 'root'), runroot = join(base, 'run');
  const archive = buildArchive(join(base, 'build'));
  const { parseImageName } = await import('../../lib/transports/index.ts');
  const { copyImage } = await import('../../lib/copy/index.ts');
  await copyImage(await parseImageName(`docker-archive:${archive}`), await parseImageName(`containers-storage:[overlay@${root}+${runroot}]${FIXTURE_IMAGE}`), {});
  rmSync(join(base, 'build'), { recursive: true, force: true });
  const cli = join(repoRoot, 'dist/tspod.js');
  const tspod: ContainerFixture['tspod'] = (args, opts = {}) => new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, '--root', root, '--runroot', runroot, ...args], {
      env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
  return {
    root, runroot, image: FIXTURE_IMAGE, tspod,
    async cleanup() {
      await tspod(['rm', '-af', '-t', '0']);
      // anything still mounted below the store (a failed test) must go before rm -rf
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(base));
      for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * podman 4.3 as a peer on a private store holding the fixture image, for tests that compare command
 * lines side by side (rootful only: this host cannot raise hard limits, so tests pass low --ulimit).
 */
export interface PodmanPeer {
  run(args: string[]): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export async function podmanPeer(f: ContainerFixture): Promise<PodmanPeer> {
  const base = mkdtempSync(join(tmpdir(), 'tspod-podman-'));
  const g = ['--root', join(base, 'root'), '--runroot', join(base, 'run'), '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  const run = (args: string[]) => new Promise<RunResult>((resolve) => {
    const child = spawn('podman', [...g, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      // podman's own noise on this host, not part of what it answers
      resolve({ code: code ?? -1, stdout, stderr: stderr.split('\n').filter((l) => !/syslog|CNI config/.test(l)).join('\n') });
    });
  });
  const archive = join(base, 'image.tar');
  const saved = await f.tspod(['save', '-o', archive, f.image]);
  if (saved.code !== 0) throw new Error(`saving the fixture image for podman: ${saved.stderr}`);
  const loaded = await run(['load', '-q', '-i', archive]);
  if (loaded.code !== 0) throw new Error(`podman load: ${loaded.stderr}`);
  return {
    run,
    async cleanup() {
      // not `podman system reset`: as root it also deletes every network in /etc/containers/networks,
      // which other test files (and the machine's podman) are using at the same time
      await run(['rm', '-af', '-t', '0']);
      await run(['rmi', '-af']);
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(base));
      for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
