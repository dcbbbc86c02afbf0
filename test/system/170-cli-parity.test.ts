// @rootless
// podman CLI parity of the container verbs: global options after the verb (run/create/exec still stop
// at the image or container), start on a running container, commit -m and --format, rm -f/--time.
// Rootful, the deterministic outputs are also compared with podman 4.3 itself on a private store.
import { reexecInUserNamespace } from '../helpers/userns.ts';
reexecInUserNamespace(import.meta.url);
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerFixture, missingFeature, podmanPeer, repoRoot, uniqueName, type ContainerFixture, type PodmanPeer, type RunResult } from '../helpers/containers.ts';

const skip = missingFeature();
let f: ContainerFixture;
let scratch: string;
const t = skip ? test.skip : test;
if (skip) console.log(`# skipped: ${skip}`);

// podman as a peer: rootful only (the rootless run is uid 0 in tspod's namespace, not podman's)
const withPodman = !skip && !process.env.TSPOD_TEST_ROOTLESS && process.getuid?.() === 0 && spawnSync('podman', ['--version']).status === 0;
let peer: PodmanPeer | undefined;
const podman = (args: string[]) => peer!.run(args);
// this machine cannot raise hard limits: podman's defaults (nofile/nproc) would fail in runc
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

/** bin/tspod without the fixture's --root/--runroot, so a test can place global options itself. */
function tspodRaw(args: string[]): Promise<RunResult> {
  return run(process.execPath, [join(repoRoot, 'dist/tspod.js'), ...args]);
}

function run(cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

test.before(async () => {
  if (skip) return;
  f = await containerFixture();
  scratch = mkdtempSync(join(tmpdir(), 'tspod-170-'));
  if (withPodman) peer = await podmanPeer(f);
});
test.after(async () => {
  if (peer) await peer.cleanup();
  if (f) await f.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const fixtureGlobals = () => ['--root', f.root, '--runroot', f.runroot];

t('global options after the verb: run/create/exec/ps take them; after the image they go to the container', async () => {
  // --root after the verb is the store used: an empty one has no image
  const empty = join(scratch, 'empty');
  const other = await tspodRaw(['run', '--rm', '--root', join(empty, 'root'), '--runroot', join(empty, 'run'), '--pull', 'never', f.image, 'true']);
  assert.is(other.code, 125, other.stderr);
  assert.match(other.stderr, /image not known|no such image|not found/i);
  const ok = await tspodRaw(['run', '--rm', ...fixtureGlobals(), '--log-level', 'error', f.image, 'echo', 'hi']);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stdout, 'hi\n');
  // given twice (before and after the verb): the last one counts, as pflag
  const twice = await f.tspod(['run', '--rm', '--root', join(empty, 'root'), '--runroot', join(empty, 'run'), '--pull', 'never', f.image, 'true']);
  assert.is(twice.code, 125, 'the --root after the verb won');
  // after the image: the container's arguments
  const passed = await f.tspod(['run', '--rm', f.image, 'echo', '--root', 'x', '--log-level', 'debug']);
  assert.is(passed.code, 0, passed.stderr);
  assert.is(passed.stdout, '--root x --log-level debug\n');

  const name = uniqueName('glob');
  const c = await tspodRaw(['container', 'create', ...fixtureGlobals(), '--runtime', 'runc', '--name', name, f.image, 'sleep', '1000']);
  assert.is(c.code, 0, c.stderr);
  assert.is((await f.tspod(['inspect', '--format', '{{.OCIRuntime}}', name])).stdout, 'runc\n');
  assert.is((await f.tspod(['start', name])).code, 0);
  const ex = await tspodRaw(['exec', ...fixtureGlobals(), '--log-level', 'warn', name, 'echo', '--runroot', 'y']);
  assert.is(ex.code, 0, ex.stderr);
  assert.is(ex.stdout, '--runroot y\n');
  const ps = await tspodRaw(['ps', '-a', ...fixtureGlobals(), '--format', '{{.Names}}', '--filter', `name=${name}`]);
  assert.is(ps.code, 0, ps.stderr);
  assert.is(ps.stdout, `${name}\n`);
  const psEmpty = await tspodRaw(['ps', '-a', '--root', join(empty, 'root'), '--runroot', join(empty, 'run'), '-q']);
  assert.is(psEmpty.code, 0, psEmpty.stderr);
  assert.is(psEmpty.stdout, '');
  // --help among the options is the verb's help; after the image it is the container's
  for (const [verb, text] of [['run', 'Run a command in a new container'], ['create', 'Create but do not start a container'], ['exec', 'Run a process in a running container']]) {
    const h = await tspodRaw([verb, '--log-level', 'warn', '--help']);
    assert.is(h.code, 0, h.stderr);
    assert.ok(h.stdout.includes(text) && h.stdout.includes('--root') && h.stdout.includes('--env'), h.stdout);
  }
  assert.is((await f.tspod(['run', '--rm', f.image, 'echo', '--help'])).stdout, '--help\n');
  const unknown = await f.tspod(['run', '--rm', '--bogus-flag', f.image, 'true']);
  assert.is(unknown.code, 125);
  assert.match(unknown.stderr, /unknown flag: --bogus-flag/);
  assert.is((await f.tspod(['rm', '-f', '-t', '0', name])).code, 0);
});

t('start: a running container is left as it is, silently; only started ones are printed; names checked first', async () => {
  const running = uniqueName('up'), created = uniqueName('new');
  assert.is((await f.tspod(['run', '-d', '--name', running, f.image, 'sleep', '1000'])).code, 0);
  assert.is((await f.tspod(['create', '--name', created, f.image, 'sleep', '1000'])).code, 0);
  const again = await f.tspod(['start', running]);
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stdout, '');
  assert.is(again.stderr, '');
  const missing = await f.tspod(['start', created, uniqueName('nosuch')]);
  assert.is(missing.code, 125);
  assert.is(missing.stdout, '');
  assert.match(missing.stderr, /^Error: no container with name or ID "nosuch-[0-9a-f]+" found: no such container\n$/);
  assert.is((await f.tspod(['inspect', '--format', '{{.State.Status}}', created])).stdout, 'created\n', 'nothing started');
  const both = await f.tspod(['start', running, created]);
  assert.is(both.code, 0, both.stderr);
  assert.is(both.stdout, `${created}\n`);
  assert.is((await f.tspod(['inspect', '--format', '{{.State.Status}}', created])).stdout, 'running\n');
  // paused (where the cgroup freezer allows): an error in podman's words, with and without -a
  if ((await f.tspod(['pause', running])).code === 0) {
    const id = (await f.tspod(['inspect', '--format', '{{.Id}}', running])).stdout.trim();
    const p = await f.tspod(['start', running]);
    assert.is(p.code, 125);
    assert.is(p.stderr, `Error: unable to start container "${id}": container ${id} must be in Created or Stopped state to be started: container state improper\n`);
    const pa = await f.tspod(['start', '-a', running]);
    assert.is(pa.code, 125);
    assert.is(pa.stderr, `Error: unable to start container ${id}: container ${id} must be in Created or Stopped state to be started: container state improper\n`);
  }
  assert.is((await f.tspod(['rm', '-f', '-t', '0', running, created])).code, 0);
});

t('start -a on a running container attaches to it and exits 0, as podman', async () => {
  const name = uniqueName('att');
  assert.is((await f.tspod(['run', '-d', '--name', name, f.image, 'sh', '-c', 'sleep 2; echo late; exit 3'])).code, 0);
  const a = await f.tspod(['start', '-a', name]);
  assert.is(a.code, 0, a.stderr);
  assert.is(a.stdout, 'late\n');
  assert.is((await f.tspod(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout, '3\n');
  // a stopped one is started and its own status returned
  const again = await f.tspod(['start', '-a', name]);
  assert.is(again.code, 3);
  assert.is(again.stdout, 'late\n');
  assert.is((await f.tspod(['rm', name])).code, 0);
});

t('commit: -m needs -f docker; --format docker keeps the message; unknown format refused; nothing made on error', async () => {
  const name = uniqueName('cm');
  assert.is((await f.tspod(['run', '--name', name, f.image, 'sh', '-c', 'echo v > /made'])).code, 0);
  const img = `localhost/${uniqueName('img')}:1`;
  const m = await f.tspod(['commit', '-m', 'a note', name, img]);
  assert.is(m.code, 125);
  assert.is(m.stdout, '');
  assert.is(m.stderr, 'Error: messages are only compatible with the docker image format (-f docker)\n');
  const bad = await f.tspod(['commit', '-f', 'bogus', name, img]);
  assert.is(bad.code, 125);
  assert.is(bad.stderr, 'Error: unrecognized image format "bogus"\n');
  assert.is((await f.tspod(['image', 'exists', img])).code, 1, 'no image after the errors');
  const d = await f.tspod(['commit', '-q', '-f', 'docker', '-m', 'a note', '-a', 'me', name, img]);
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, /^[0-9a-f]{64}\n$/);
  const ins = await f.tspod(['inspect', '--format', '{{.Comment}}|{{.Author}}|{{.ManifestType}}', img]);
  assert.is(ins.stdout, 'a note|me|application/vnd.docker.distribution.manifest.v2+json\n');
  // the manifest names each layer's real compression (the fixture's base layer is a plain tar)
  const dirOut = join(scratch, `dir-${name}`);
  assert.is((await f.tspod(['push', '-q', img, `dir:${dirOut}`])).code, 0);
  const man = JSON.parse(readFileSync(join(dirOut, 'manifest.json'), 'utf8')) as { config: { mediaType: string }; layers: { mediaType: string; digest: string }[] };
  assert.is(man.config.mediaType, 'application/vnd.docker.container.image.v1+json');
  for (const l of man.layers) {
    const gz = readFileSync(join(dirOut, l.digest.slice(7))).subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]));
    assert.is(l.mediaType, gz ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.docker.image.rootfs.diff.tar', l.digest);
  }
  const o = await f.tspod(['commit', name, `${img}-oci`]);
  assert.is(o.code, 0, o.stderr);
  assert.match(o.stderr, /^Getting image source signatures\n(Copying blob sha256:[0-9a-f]{64}\n){2}Copying config sha256:[0-9a-f]{64}\nWriting manifest to image destination\nStoring signatures\n$/);
  assert.is(o.stderr.match(/Copying config sha256:([0-9a-f]{64})/)![1] + '\n', o.stdout, 'the ID is the config digest');
  assert.is((await f.tspod(['inspect', '--format', '{{.Comment}}|{{.ManifestType}}', `${img}-oci`])).stdout, '|application/vnd.oci.image.manifest.v1+json\n');
  const r = await f.tspod(['run', '--rm', img, 'cat', '/made']);
  assert.is(r.stdout, 'v\n', r.stderr);
  assert.is((await f.tspod(['rm', name])).code, 0);
  assert.is((await f.tspod(['rmi', img, `${img}-oci`])).code, 0);
});

t('rm -f stops with the container\'s stop timeout (or --time), then SIGKILL; --time only with --force', async () => {
  const name = uniqueName('rmf');
  // sleep as PID 1 ignores SIGTERM: the stop ends in SIGKILL after the timeout, with podman's warning
  assert.is((await f.tspod(['run', '-d', '--stop-timeout', '1', '--name', name, f.image, 'sleep', '1000'])).code, 0);
  const noForce = await f.tspod(['rm', '-t', '0', name]);
  assert.is(noForce.code, 125);
  assert.is(noForce.stderr, 'Error: --force option must be specified to use the --time option\n');
  const neg = await f.tspod(['rm', '-f', '-t', '-1', name]);
  assert.is(neg.code, 125);
  assert.match(neg.stderr, /^Error: invalid argument "-1" for "-t, --time" flag/);
  assert.is((await f.tspod(['inspect', '--format', '{{.State.Status}}', name])).stdout, 'running\n', 'the errors left it running');
  const rm = await f.tspod(['rm', '-f', name]);
  assert.is(rm.code, 0, rm.stderr);
  assert.is(rm.stdout, `${name}\n`);
  assert.match(rm.stderr, new RegExp(`StopSignal SIGTERM failed to stop container ${name} in 1 seconds, resorting to SIGKILL`));
  assert.is((await f.tspod(['container', 'exists', name])).code, 1);

  const timed = uniqueName('rmt');
  assert.is((await f.tspod(['run', '-d', '--stop-timeout', '30', '--name', timed, f.image, 'sleep', '1000'])).code, 0);
  const rt = await f.tspod(['rm', '-f', '--time', '1', timed]);
  assert.is(rt.code, 0, rt.stderr);
  assert.match(rt.stderr, new RegExp(`failed to stop container ${timed} in 1 seconds`), '--time overrides the container\'s 30 s');
  const now = uniqueName('rm0');
  assert.is((await f.tspod(['run', '-d', '--name', now, f.image, 'sleep', '1000'])).code, 0);
  const r0 = await f.tspod(['rm', '-f', '-t', '0', now]);
  assert.is(r0.code, 0, r0.stderr);
  assert.is(r0.stderr, '', '-t 0: SIGKILL at once, no warning');
});

// registered only where podman can run (test/run.mjs counts a skipped test of a file that ran others as a failure)
if (!withPodman && !skip) console.log('# podman comparison skipped: rootless run or no podman');
if (withPodman) test('the same command lines under podman 4.3 print the same and exit the same', async () => {
  const pname = uniqueName('pp'), tname = pname;
  assert.is((await podman(['run', '-d', ...ULIMITS, '--name', pname, f.image, 'sleep', '1000'])).code, 0);
  assert.is((await f.tspod(['run', '-d', '--name', tname, f.image, 'sleep', '1000'])).code, 0);
  const same = async (args: string[], what: string) => {
    const p = await podman(args), s = await f.tspod(args);
    assert.equal({ code: s.code, stdout: s.stdout, stderr: s.stderr.trim() }, { code: p.code, stdout: p.stdout, stderr: p.stderr.trim() }, what);
  };
  await same(['start', pname], 'start on a running container');
  await same(['commit', '-m', 'x', pname, 'localhost/never'], 'commit -m with the oci format');
  await same(['commit', '-f', 'bogus', pname, 'localhost/never'], 'commit -f bogus');
  await same(['rm', '-t', '3', pname], 'rm --time without --force');
  const digestless = (r: RunResult) => ({ code: r.code, stdout: r.stdout.replace(/[0-9a-f]{64}/g, 'ID'), stderr: r.stderr.trim().replace(/sha256:[0-9a-f]{64}/g, 'sha256:D') });
  const img = `localhost/${uniqueName('cmp')}:1`;
  assert.equal(digestless(await f.tspod(['commit', tname, img])), digestless(await podman(['commit', pname, img])), 'commit progress lines');
  await same(['exec', pname, 'echo', '--root', 'x', '--log-level', 'debug'], 'globals after the container are its arguments');
  const p = await podman(['exec', '--log-level', 'error', pname, 'echo', 'hi']);
  const s = await f.tspod(['exec', '--log-level', 'error', tname, 'echo', 'hi']);
  assert.equal([s.code, s.stdout], [p.code, p.stdout], 'a global option after exec');
  await same(['rm', '-f', '-t', '0', pname], 'rm -f -t 0');
});

test.run();
