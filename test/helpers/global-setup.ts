// Fixtures shared by every test file: test/run.mjs calls globalSetup() once and passes the returned
// env to each test process. A test file run alone (node --import tsx file.test.ts) calls
// fixtureEnv(), which starts the same fixtures in-process when the env vars are absent.
//
// env:
//   TSPOD_TEST_REGISTRY           127.0.0.1:PORT, no auth, with the fixture images pushed
//                                 (busybox, layered, multiarch: tags latest (OCI) and v2s2 (Docker schema2);
//                                 uncompressed:latest, caps:latest (a file with security.capability))
//   TSPOD_TEST_REGISTRY_BASIC     htpasswd basic auth, empty
//   TSPOD_TEST_REGISTRY_TOKEN     Bearer token auth, empty
//   TSPOD_TEST_REGISTRY_USER / _PASSWORD   valid on both auth registries
//   TSPOD_TEST_OCI_DIR            one OCI layout per image name (OCI images, tag inside), dir/NAME_TAG for the
//                                 Docker schema2 ones (dir: transport), fixtures.json listing all; readable by everyone
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRegistry, type Registry } from './registry.ts';
import { BUSYBOX_BIN, buildFixtures, readFixtures, writeFixtures, type FixtureImage } from './images.ts';

const execFileAsync = promisify(execFile);

// Root's cache is readable by the rootless test user; another user (a test file run alone) gets its own.
export const FIXTURE_CACHE = process.env.TSPOD_TEST_FIXTURE_CACHE
  ?? (process.getuid?.() === 0 ? '/var/tmp/tspod-test-fixtures' : `/var/tmp/tspod-test-fixtures-${process.getuid?.()}`);

export interface GlobalSetupResult {
  env: Record<string, string>;
  teardown: () => Promise<void>;
}

/** Build the fixture layouts, or reuse a cached build of the same inputs. Returns the layout dir. */
export async function buildFixtureLayouts(cacheDir = FIXTURE_CACHE): Promise<string> {
  const h = createHash('sha256');
  h.update(readFileSync(fileURLToPath(new URL('./images.ts', import.meta.url))));
  h.update(readFileSync(BUSYBOX_BIN));
  const key = h.digest('hex').slice(0, 16);
  const dir = join(cacheDir, key);
  if (existsSync(join(dir, 'fixtures.json'))) return dir;
  mkdirSync(cacheDir, { recursive: true });
  // Builds from older inputs: gone once they are an hour old (a concurrent old run may still read one).
  for (const old of readdirSync(cacheDir)) {
    const p = join(cacheDir, old);
    if (old !== key && Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
  }
  chmodSync(cacheDir, 0o755);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { mode: 0o755 });
  chmodSync(tmp, 0o755);
  writeFixtures(tmp, await buildFixtures());
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another process built the same thing first: use theirs.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'fixtures.json'))) throw e;
  }
  return dir;
}

/** Push every fixture image of a layout dir to a registry (plain http). */
export async function pushFixtures(ociDir: string, host: string, creds?: { username: string; password: string }): Promise<FixtureImage[]> {
  const list = readFixtures(ociDir);
  await Promise.all(list.map(async (f) => {
    const args = ['copy', '--quiet', '--dest-tls-verify=false', '--preserve-digests'];
    if (f.index) args.push('--all');
    if (creds) args.push('--dest-creds', `${creds.username}:${creds.password}`);
    args.push(f.source, `docker://${host}/${f.name}:${f.tag}`);
    // docker-registry's filesystem driver sometimes answers 500 when two pushes upload the same blob
    // at once (busybox layers are shared by several fixtures): a push is idempotent, so try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await execFileAsync('skopeo', args);
        break;
      } catch (e) {
        if (attempt < 4) { await new Promise((res) => setTimeout(res, 200 * attempt)); continue; }
        throw new Error(`pushing fixture ${f.name}:${f.tag} to ${host}: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
      }
    }
  }));
  return list;
}

export async function globalSetup(_opts: { rootlessUser?: string } = {}): Promise<GlobalSetupResult> {
  const user = { username: 'tspodtest', password: `pw-${Math.random().toString(36).slice(2, 12)}` };
  const started: Registry[] = [];
  const teardown = async () => { await Promise.all(started.map((r) => r.stop().catch(() => {}))); };
  try {
    const [ociDir, plain, basic, token] = await Promise.all([
      buildFixtureLayouts(),
      startRegistry().then((r) => (started.push(r), r)),
      startRegistry({ auth: 'basic', users: [user] }).then((r) => (started.push(r), r)),
      startRegistry({ auth: 'token', users: [user] }).then((r) => (started.push(r), r)),
    ]);
    await pushFixtures(ociDir, plain.host);
    return {
      env: {
        TSPOD_TEST_REGISTRY: plain.host,
        TSPOD_TEST_REGISTRY_BASIC: basic.host,
        TSPOD_TEST_REGISTRY_TOKEN: token.host,
        TSPOD_TEST_REGISTRY_USER: user.username,
        TSPOD_TEST_REGISTRY_PASSWORD: user.password,
        TSPOD_TEST_OCI_DIR: ociDir,
      },
      teardown,
    };
  } catch (e) {
    await teardown();
    throw e;
  }
}

export interface FixtureEnv {
  registry: string;
  basic: string;
  token: string;
  username: string;
  password: string;
  ociDir: string;
}

let standalone: Promise<GlobalSetupResult> | undefined;

/**
 * The fixtures for a test file: from the env the runner set, or started here when the file runs
 * alone (they stop when this process exits). Also sets process.env so child processes see them.
 */
export async function fixtureEnv(): Promise<FixtureEnv> {
  if (!process.env.TSPOD_TEST_REGISTRY || !process.env.TSPOD_TEST_OCI_DIR) {
    standalone ??= globalSetup();
    Object.assign(process.env, (await standalone).env);
  }
  const e = process.env;
  return {
    registry: e.TSPOD_TEST_REGISTRY!,
    basic: e.TSPOD_TEST_REGISTRY_BASIC!,
    token: e.TSPOD_TEST_REGISTRY_TOKEN!,
    username: e.TSPOD_TEST_REGISTRY_USER!,
    password: e.TSPOD_TEST_REGISTRY_PASSWORD!,
    ociDir: e.TSPOD_TEST_OCI_DIR!,
  };
}
