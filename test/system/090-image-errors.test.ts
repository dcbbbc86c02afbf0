// @rootless
// Issue 2 "Errors": unknown image, bad reference syntax, unreachable registry, 401, digest mismatch,
// disk full, a layer that tries to escape. Each: an `Error:` line naming the image and the cause, the
// exit status podman gives (125; rmi of an unknown image is 1 as podman-rmi(1) documents), and a store
// whose files are byte-for-byte the same as before (lock files aside).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureEnv, type FixtureEnv } from '../helpers/global-setup.ts';
import { freePort, startRegistry, type Registry } from '../helpers/registry.ts';
import { buildImage, buildLayer, writeOciLayout, type TarEntry } from '../helpers/images.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const TSPOD = existsSync(join(root, 'bin/tspod')) ? [join(root, 'bin/tspod')] : [process.execPath, join(root, 'dist/tspod.js')];
const rootless = process.getuid?.() !== 0;
const sfx = randomBytes(3).toString('hex');
// a lower-case path: `pull oci:PATH` names the image localhost/PATH:latest, which must be a valid name (as podman)
const work = join(tmpdir(), `tspod-090-${randomBytes(4).toString('hex')}`);
mkdirSync(work, { mode: 0o700 });
let fx: FixtureEnv;
let store = '';
let goodId = '';

interface Run { status: number | null; out: string; err: string }

function run(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(TSPOD[0], [...TSPOD.slice(1), '--root', store, '--runroot', join(work, 'run'), ...args], {
    encoding: 'utf8', timeout: 60_000, input: '',
    env: { ...process.env, REGISTRY_AUTH_FILE: join(work, 'no-auth.json'), ...env },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function tspod(expect: number, args: string[], env?: Record<string, string>): Run {
  const r = run(args, env);
  assert.is(r.status, expect, `tspod ${args.join(' ')}: exit ${r.status}\n${r.out}\n${r.err}`);
  return r;
}

/** The `Error:` line: the last line of stderr (hints may follow on their own lines), no stack trace. */
function errorLine(r: Run, hintLines = 0): string {
  const lines = r.err.trimEnd().split('\n');
  const line = lines[lines.length - 1 - hintLines];
  assert.match(line, /^Error: \S/, `no Error: line in\n${r.err}`);
  assert.not.match(r.err, /\n\s+at .*:\d+:\d+/, `stack trace in\n${r.err}`);
  return line;
}

/** Every file of the store with its content hash, and the image list as tspod prints it. */
function snapshot(): string {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.lock')) continue;
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, `${rel}${name}/`);
      else if (st.isFile()) out.push(`${rel}${name} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`);
      else out.push(`${rel}${name} (${st.mode.toString(8)})`);
    }
  };
  walk(store, '');
  const images = tspod(0, ['images', '--format', 'json']).out;
  return `${images}\n${out.join('\n')}`;
}

/** Run `body`, which must fail; the store must look exactly as before. */
function unchanged(body: () => void): void {
  const before = snapshot();
  body();
  assert.fixture(snapshot(), before);
}

/** An OCI layout with one layer of `entries`; returns the image ID (config digest hex). */
async function layout(dir: string, entries: TarEntry[]): Promise<string> {
  const img = buildImage({ layers: [await buildLayer(entries)] });
  writeOciLayout(dir, [{ tag: 'latest', image: img }]);
  return img.config.digest.slice(7);
}

/** Flip a byte of a gzip blob's header MTIME field: still a valid gzip, but a different digest. */
function corruptGzipHeader(path: string): void {
  const b = readFileSync(path);
  assert.is(b[0], 0x1f, `${path} is not gzip`);
  b[5] ^= 0xff;
  writeFileSync(path, b);
}

test.before(async () => {
  fx = await fixtureEnv();
  goodId = await layout(join(work, 'good'), [{ name: 'ok', content: 'fine' }]);
});

test.before.each(() => {
  store = mkdtempSync(join(work, 'store-'));
  // a store with something in it, so "unchanged" has content to compare
  tspod(0, ['pull', '-q', `oci:${join(work, 'good')}:latest`]);
  tspod(0, ['tag', goodId, `localhost/good-${sfx}:1`]);
});
test.after.each(() => rmSync(store, { recursive: true, force: true }));
test.after(() => rmSync(work, { recursive: true, force: true }));

test('unknown image: pull, rmi, image inspect', () => {
  unchanged(() => {
    const img = `${fx.registry}/nosuch-${sfx}:latest`;
    const pull = errorLine(tspod(125, ['pull', '--tls-verify=false', img]));
    assert.ok(pull.includes(`${fx.registry}/nosuch-${sfx}`), pull);
    assert.match(pull, /manifest unknown/);
    assert.is(errorLine(tspod(1, ['rmi', `nosuch-${sfx}`])), `Error: nosuch-${sfx}: image not known`);
    const inspect = tspod(125, ['image', 'inspect', `nosuch-${sfx}`]);
    assert.is(inspect.out.trim(), '[]');
    assert.match(errorLine(inspect), new RegExp(`^Error: .*nosuch-${sfx}: image not known$`));
  });
});

test('bad reference syntax', () => {
  unchanged(() => {
    assert.is(errorLine(tspod(125, ['pull', 'Bad::Ref'])), 'Error: parsing reference "Bad::Ref": invalid reference format');
    assert.is(errorLine(tspod(125, ['pull', `${fx.registry}/x:y:z`])), `Error: parsing reference "${fx.registry}/x:y:z": invalid reference format`);
    assert.is(errorLine(tspod(125, ['tag', goodId, 'a//b'])), 'Error: parsing reference "a//b": invalid reference format');
  });
});

test('unreachable registry: connection refused', async () => {
  const port = await freePort(); // free a moment ago: nothing listens there
  unchanged(() => {
    const line = errorLine(tspod(125, ['pull', '--tls-verify=false', `127.0.0.1:${port}/img-${sfx}`]));
    assert.ok(line.includes(`127.0.0.1:${port}/img-${sfx}`), line);
    assert.match(line, /connection refused/);
  });
});

test('unreachable registry: a server that accepts and never answers times out', async () => {
  const { createServer } = await import('node:net');
  const silent = createServer(() => {}); // the kernel completes the handshake even while spawnSync blocks us
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
  const port = (silent.address() as { port: number }).port;
  try {
    unchanged(() => {
      const line = errorLine(tspod(125, ['pull', '--retry', '0', '--tls-verify=false', `127.0.0.1:${port}/img-${sfx}`], { TSPOD_REGISTRY_TIMEOUT: '1' }));
      assert.ok(line.includes(`127.0.0.1:${port}/img-${sfx}`), line);
      assert.match(line, /i\/o timeout/);
    });
  } finally {
    silent.close();
  }
});

test('401 without credentials: hint to tspod login', () => {
  unchanged(() => {
    const r = tspod(125, ['pull', '--tls-verify=false', `${fx.basic}/busybox-${sfx}:latest`]);
    const line = errorLine(r, 1);
    assert.ok(line.includes(`${fx.basic}/busybox-${sfx}`), line);
    assert.match(line, /unauthorized|authentication required/);
    assert.match(r.err.trimEnd().split('\n').pop()!, /tspod login/);
  });
});

test('digest mismatch: a blob corrupted in the registry storage, and in an OCI layout', async () => {
  const dir = join(work, 'corrupt');
  const id = await layout(dir, [{ name: 'c', content: `corrupt ${sfx}` }]);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(dir, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
  const layer: string = manifest.layers[0].digest.slice(7);
  let reg: Registry | undefined;
  try {
    reg = await startRegistry({ parentDir: work });
    const img = `${reg.host}/corrupt-${sfx}:1`;
    const push = spawnSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${dir}:latest`, `docker://${img}`], { encoding: 'utf8' });
    assert.is(push.status, 0, push.stderr);
    const found = spawnSync('find', [reg.dir, '-path', `*/blobs/sha256/*/${layer}/data`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(found, `layer blob not found under ${reg.dir}`);
    corruptGzipHeader(found);
    unchanged(() => {
      // podman 4.3: "Error: writing blob: <destination context>: happened during read: Digest did not match, expected X, got Y"
      const line = errorLine(tspod(125, ['pull', '--tls-verify=false', img]));
      assert.match(line, new RegExp(`^Error: writing blob: (?:.*: )?happened during read: Digest did not match, expected sha256:${layer}, got sha256:[0-9a-f]{64}$`));
    });
  } finally {
    await reg?.stop();
  }
  corruptGzipHeader(join(dir, 'blobs/sha256', layer));
  unchanged(() => {
    const line = errorLine(tspod(125, ['pull', `oci:${dir}:latest`]));
    assert.match(line, new RegExp(`^Error: writing blob: (?:.*: )?happened during read: Digest did not match, expected sha256:${layer}, got sha256:[0-9a-f]{64}$`));
    // skopeo's exit status for a failed copy is 1
    assert.match(errorLine(tspod(1, ['skopeo', 'copy', `oci:${dir}:latest`, `containers-storage:localhost/corrupt-${sfx}`])), /Digest did not match/);
  });
  assert.ok(!run(['images', '-q', '--no-trunc']).out.includes(id));
});

test('disk full: a tiny tmpfs as --root', () => {
  if (rootless) return console.log('# skip: mounting a tmpfs needs root');
  const mnt = join(work, 'tiny');
  mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=700k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) return console.log(`# skip: cannot mount a tmpfs: ${m.stderr.trim()}`);
  const saved = store;
  try {
    store = mnt;
    tspod(0, ['pull', '-q', `oci:${join(work, 'good')}:latest`]);
    unchanged(() => {
      // busybox: a 1 MB gzip layer of about 2 MB
      const img = `${fx.registry}/busybox:latest`;
      const line = errorLine(tspod(125, ['pull', '--tls-verify=false', img]));
      assert.ok(line.includes(img), line);
      assert.match(line, /no space left on device/);
    });
  } finally {
    store = saved;
    spawnSync('umount', [mnt]);
  }
});

test('a layer that tries to escape: .., a symlinked parent, a hardlink out; by pull and by load', async () => {
  const cases: [string, TarEntry[], RegExp][] = [
    ['dotdot', [{ name: 'ok', content: 'x' }, { name: `../evil-${sfx}`, content: 'pwned' }], /refusing entry "\.\.\/evil-/],
    ['symlink', [{ name: 'lnk', type: 'symlink', linkname: work }, { name: `lnk/evil-${sfx}`, content: 'pwned' }], /refusing entry "lnk\/evil-.*symbolic link/],
    ['hardlink', [{ name: 'hl', type: 'link', linkname: '../../../../etc/passwd' }], /refusing entry/],
  ];
  for (const [name, entries, cause] of cases) {
    const dir = join(work, `evil-${name}`);
    await layout(dir, entries);
    const archive = join(work, `evil-${name}.tar`);
    const tar = spawnSync('tar', ['-C', dir, '-cf', archive, '.'], { encoding: 'utf8' });
    assert.is(tar.status, 0, tar.stderr);
    unchanged(() => {
      for (const args of [['pull', `oci:${dir}:latest`], ['load', '-i', archive]]) {
        const line = errorLine(tspod(125, args));
        assert.match(line, cause, `${name}: ${line}`);
        // as podman: pull oci:PATH names the image localhost/PATH:latest, load by the archive's ref name ("latest" -> localhost/latest:latest)
        assert.ok(line.includes(args[0] === 'pull' ? `localhost${dir}:latest` : 'localhost/latest:latest'), `${name}: the image is not named: ${line}`);
      }
    });
    assert.not.ok(existsSync(join(work, `evil-${sfx}`)), `${name}: a file was written outside the layer`);
    assert.not.ok(existsSync(join(dirname(store), `evil-${sfx}`)));
  }
});

test.run();
