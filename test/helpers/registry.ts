// A real registry for tests: Debian's docker-registry (distribution v2) on a free 127.0.0.1 port,
// storage in a temp dir, deletes enabled. auth 'basic' uses an htpasswd file (bcrypt), auth 'token'
// a Bearer token server (token-server.ts) whose certificate is the registry's rootcertbundle.
//
//   const reg = await startRegistry({ auth: 'basic' });
//   // reg.host === '127.0.0.1:34567', reg.username / reg.password are valid credentials
//   await reg.stop();
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenServer, type TokenServer, type TokenUser } from './token-server.ts';

export const REGISTRY_BIN = process.env.TSPOD_REGISTRY_BIN ?? '/usr/bin/docker-registry';

export interface RegistryOptions {
  auth?: 'none' | 'basic' | 'token';
  /** Users for basic/token auth; default one random user. */
  users?: TokenUser[];
  /** Token auth: give anonymous clients pull access (default false). */
  anonymousPull?: boolean;
  /** Parent for the temp dir (default os.tmpdir()). */
  parentDir?: string;
  /** Accept Docker schema 1 manifests (distribution's compatibility.schema1.enabled). */
  schema1?: boolean;
}

export interface Registry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** First user's credentials (basic/token auth only). */
  username?: string;
  password?: string;
  users: TokenUser[];
  /** Temp dir holding config, storage and log. */
  dir: string;
  tokenServer?: TokenServer;
  /** The registry's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function randomUser(): TokenUser {
  const r = () => Math.random().toString(36).slice(2, 10);
  return { username: `user${r()}`, password: `pw-${r()}${r()}` };
}

function configYaml(dir: string, port: number, auth: string, token?: TokenServer, schema1 = false): string {
  let authYaml = '';
  if (auth === 'basic') authYaml = `auth:\n  htpasswd:\n    realm: tspod-test\n    path: ${join(dir, 'htpasswd')}\n`;
  if (auth === 'token' && token) {
    authYaml = `auth:\n  token:\n    realm: ${token.realm}\n    service: ${token.service}\n    issuer: ${token.issuer}\n` +
      `    rootcertbundle: ${token.certFile}\n`;
  }
  return `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'storage')}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: tspod-test-${Math.random().toString(36).slice(2)}
${authYaml}${schema1 ? 'compatibility:\n  schema1:\n    enabled: true\n' : ''}`;
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${log().trim().split('\n').slice(-3).join(' | ')}`);
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not answer on ${url}/v2/ within 15 s: ${log().trim().split('\n').slice(-3).join(' | ')}`);
}

/**
 * The registry runs under a small shell that kills it when our end of its stdin pipe closes, so a
 * test process that dies without stop() does not leak registries.
 */
function spawnRegistry(configFile: string, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const script = `exec 3<&0; "$1" serve "$2" </dev/null & p=$!; { read _ <&3; kill $p 2>/dev/null; } & w=$!; ` +
    `wait $p; s=$?; kill $w 2>/dev/null; exit $s`;
  const child = spawn('sh', ['-c', script, 'sh', REGISTRY_BIN, configFile], { stdio: ['pipe', fd, fd] });
  closeSync(fd);
  return child;
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const auth = opts.auth ?? 'none';
  const users = opts.users ?? (auth === 'none' ? [] : [randomUser()]);
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'tspod-registry-'));
  let token: TokenServer | undefined;
  if (auth === 'basic') {
    const lines = users.map((u) => execFileSync('htpasswd', ['-Bbn', u.username, u.password], { encoding: 'utf8' }).trim());
    writeFileSync(join(dir, 'htpasswd'), lines.join('\n') + '\n');
  }
  if (auth === 'token') token = await startTokenServer({ users, dir, anonymousPull: opts.anonymousPull });

  const logFile = join(dir, 'registry.log');
  const log = () => { try { return readFileSync(logFile, 'utf8'); } catch { return ''; } };
  let lastErr: unknown;
  // A port can be taken between freePort() and the registry binding it: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const configFile = join(dir, 'config.yml');
    writeFileSync(configFile, configYaml(dir, port, auth, token, opts.schema1));
    const child = spawnRegistry(configFile, logFile);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    const stopChild = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.ref(); // unref'd below; waiting for the exit must keep the loop alive
        child.stdin?.end();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    };
    try {
      await waitReady(url, child, log);
    } catch (e) {
      lastErr = e;
      await stopChild();
      continue;
    }
    // Do not keep the test process alive just for the registry.
    child.unref();
    (child.stdin as unknown as { unref?: () => void })?.unref?.();
    const u = users[0];
    return {
      host: `127.0.0.1:${port}`,
      url,
      username: u?.username,
      password: u?.password,
      users,
      dir,
      tokenServer: token,
      log,
      async stop() {
        await stopChild();
        await token?.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  await token?.stop();
  rmSync(dir, { recursive: true, force: true });
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}
