// Registry credentials, as containers-auth.json(5) and containers/image pkg/docker/config:
// read order: --authfile / $REGISTRY_AUTH_FILE alone when given, else ${XDG_RUNTIME_DIR}/containers/auth.json
// (or /run/containers/<uid>/auth.json), $XDG_CONFIG_HOME/containers/auth.json, $DOCKER_CONFIG/config.json
// or ~/.docker/config.json, ~/.dockercfg (legacy format, read-only). Keys may be a registry or a
// namespace ("registry.example.com/team"): the longest matching key wins. credHelpers in a file and
// registries.conf credential-helpers call docker-credential-<name>. Writes go to the first path (or
// the first helper), 0600, atomically under a lock.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TspodError } from '../errors.ts';
import type { SystemContext } from '../transports/types.ts';
import { homeDir } from './paths.ts';
import { loadRegistriesConfig } from './registries.ts';
import { rootlessUid } from '../rootless/index.ts';

// node:child_process (and the net and stream code it loads) only when a credential helper runs
const childProcess = (): typeof import('node:child_process') => process.getBuiltinModule('node:child_process') as typeof import('node:child_process');

export interface Credentials {
  username: string;
  password: string;
  /** OAuth2 refresh token ("identitytoken"); username/password are empty then. */
  identityToken?: string;
  /** Where they came from (file path or "docker-credential-NAME"), for messages. */
  source?: string;
}

export interface AuthPath {
  path: string;
  /** ~/.dockercfg: the auths map at top level, keys may be URLs. */
  legacy: boolean;
}

interface AuthEntry {
  auth?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

const FILE_HELPER = 'containers-auth.json';

function authError(code: string, message: string, cause?: unknown): TspodError {
  return new TspodError(code, message, { cause });
}

/** The file logins write to: --authfile / $REGISTRY_AUTH_FILE, else the runtime-dir auth.json. */
export function authFilePath(ctx: SystemContext = {}): string {
  const explicit = ctx.authFile || process.env.REGISTRY_AUTH_FILE;
  if (explicit) return explicit;
  // Same as containers/image: $XDG_RUNTIME_DIR whenever set, so podman and tspod share logins.
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg) return join(xdg, 'containers/auth.json');
  return `/run/containers/${rootlessUid() ?? 0}/auth.json`;
}

/** Every file consulted when reading, in order. */
export function authFilePaths(ctx: SystemContext = {}): AuthPath[] {
  const primary = authFilePath(ctx);
  if (ctx.authFile || process.env.REGISTRY_AUTH_FILE) return [{ path: primary, legacy: false }];
  const home = homeDir();
  const xdgConfig = process.env.XDG_CONFIG_HOME || join(home, '.config');
  return [
    { path: primary, legacy: false },
    { path: join(xdgConfig, 'containers/auth.json'), legacy: false },
    { path: process.env.DOCKER_CONFIG ? join(process.env.DOCKER_CONFIG, 'config.json') : join(home, '.docker/config.json'), legacy: false },
    { path: join(home, '.dockercfg'), legacy: true },
  ];
}

function readAuthFile(p: AuthPath): AuthFile | undefined {
  let text: string;
  try {
    text = readFileSync(p.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw authError('AUTH_FILE', `reading JSON file "${p.path}": ${(err as Error).message}`, err);
  }
  if (text.trim() === '') return {};
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw authError('AUTH_FILE', `unmarshaling JSON at "${p.path}": ${(err as Error).message}`, err);
  }
  if (typeof doc !== 'object' || doc === null) throw authError('AUTH_FILE', `unmarshaling JSON at "${p.path}": not an object`);
  return p.legacy ? { auths: doc } : doc;
}

/** docker.io spellings used as keys by docker login. */
function normalizeRegistry(host: string): string {
  return host === 'registry-1.docker.io' || host === 'index.docker.io' ? 'docker.io' : host;
}

/** "https://index.docker.io/v1/" -> "docker.io"; "host:5000" stays. */
function normalizeAuthFileKey(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  return normalizeRegistry(stripped.split('/')[0]);
}

/** "reg/a/b" -> ["reg/a/b", "reg/a", "reg"]: the keys to look up, longest first. */
export function authKeysFor(key: string): string[] {
  const parts = key.split('/');
  const out: string[] = [];
  for (let i = parts.length; i > 0; i--) out.push(parts.slice(0, i).join('/'));
  return out;
}

function decodeEntry(path: string, _key: string, e: AuthEntry): Credentials | undefined {
  if (e.identitytoken) return { username: '', password: '', identityToken: e.identitytoken, source: path };
  if (!e.auth) return undefined;
  const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined; // docker and containers/image skip a malformed entry silently
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1).replace(/\0+$/, ''), source: path };
}

function helperBinary(name: string): string {
  return `docker-credential-${name}`;
}

/** Ask docker-credential-<name> for host's credentials; undefined when it has none. */
function credsFromHelper(name: string, host: string): Credentials | undefined {
  const bin = helperBinary(name);
  const r = childProcess().spawnSync(bin, ['get'], { input: host, encoding: 'utf8' });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw authError('CRED_HELPER', `calling credential helper ${bin}: ${r.error.message}`, r.error);
  }
  if (r.status !== 0) {
    const msg = (r.stdout || r.stderr || '').trim();
    if (/credentials not found/i.test(msg)) return undefined;
    throw authError('CRED_HELPER', `getting credentials for ${host} from ${bin}: ${msg || `exit status ${r.status}`}`);
  }
  let doc: any;
  try {
    doc = JSON.parse(r.stdout);
  } catch (err) {
    throw authError('CRED_HELPER', `reading output of ${bin}: ${(err as Error).message}`, err);
  }
  if (!doc.Username && !doc.Secret) return undefined;
  if (doc.Username === '<token>') return { username: '', password: '', identityToken: doc.Secret, source: bin };
  return { username: doc.Username ?? '', password: doc.Secret ?? '', source: bin };
}

function credsFromFiles(key: string, host: string, ctx: SystemContext): Credentials | undefined {
  const keys = authKeysFor(key);
  for (const p of authFilePaths(ctx)) {
    const f = readAuthFile(p);
    if (!f) continue;
    const helper = f.credHelpers?.[host];
    if (helper) {
      const c = credsFromHelper(helper, host);
      if (c) return c;
      continue;
    }
    const auths = f.auths ?? {};
    for (const k of keys) {
      const e = auths[k];
      if (e) {
        const c = decodeEntry(p.path, k, e);
        if (c) return c;
      }
    }
    // docker login wrote URLs ("https://index.docker.io/v1/") for years: match them by host.
    for (const [k, e] of Object.entries(auths)) {
      if (normalizeAuthFileKey(k) === host) {
        const c = decodeEntry(p.path, k, e);
        if (c) return c;
      }
    }
  }
  return undefined;
}

/**
 * Credentials for a registry host ("quay.io", "127.0.0.1:5000") or a repository/namespace
 * ("registry.example.com/team/app"): the most specific entry wins. --creds (ctx.credentials) beats
 * every file. Returns undefined when none are configured.
 */
export function getCredentials(hostOrNamespace: string, ctx: SystemContext = {}): Credentials | undefined {
  if (ctx.credentials) return { ...ctx.credentials, source: '--creds' };
  const key = hostOrNamespace.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const host = normalizeRegistry(key.split('/')[0]);
  const normKey = [host, ...key.split('/').slice(1)].join('/');
  for (const helper of loadRegistriesConfig(ctx).credentialHelpers) {
    const c = helper === FILE_HELPER ? credsFromFiles(normKey, host, ctx) : credsFromHelper(helper, host);
    if (c) return c;
  }
  return undefined;
}

/**
 * Validate a login key: a registry or a namespace within it, no scheme, tag or digest
 * (podman strips "http(s)://" before calling).
 */
export function validateAuthKey(key: string): void {
  if (/^https?:\/\//.test(key)) throw authError('INVALID_AUTH_KEY', `credentials key has https[s]:// prefix`);
  const last = key.split('/').slice(1).pop();
  if (key.includes('@') || (last !== undefined && last.includes(':'))) throw authError('INVALID_AUTH_KEY', `key ${key} contains tag or digest`);
  if (!key || key.startsWith('/') || key.endsWith('/') || key.includes('//')) throw authError('INVALID_AUTH_KEY', `invalid credentials key "${key}"`);
}

async function modifyAuthFile(path: string, edit: (f: AuthFile) => boolean): Promise<boolean> {
  const { withLock } = await import('../lock/index.ts');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return withLock(`${path}.lock`, () => {
    const f = readAuthFile({ path, legacy: false }) ?? {};
    f.auths ??= {};
    if (!edit(f)) return false;
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
    writeFileSync(tmp, JSON.stringify(f, null, '\t') + '\n', { mode: 0o600 });
    renameSync(tmp, path);
    return true;
  });
}

function helperStore(name: string, host: string, username: string, password: string): void {
  const bin = helperBinary(name);
  const input = JSON.stringify({ ServerURL: host, Username: username, Secret: password });
  try {
    childProcess().execFileSync(bin, ['store'], { input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    throw authError('CRED_HELPER', `storing credentials for ${host} in ${bin}: ${(err as Error).message.split('\n')[0]}`, err);
  }
}

function helperErase(name: string, host: string): boolean {
  const r = childProcess().spawnSync(helperBinary(name), ['erase'], { input: host, encoding: 'utf8' });
  return !r.error && r.status === 0;
}

/**
 * Store credentials for key (registry or namespace) where the first registries.conf credential
 * helper says: the auth file (0600, atomic, locked) or docker-credential-<name>. Returns the file
 * path or helper name written.
 */
export async function setCredentials(key: string, username: string, password: string, ctx: SystemContext = {}): Promise<string> {
  validateAuthKey(key);
  const host = key.split('/')[0];
  const helpers = loadRegistriesConfig(ctx).credentialHelpers;
  const first = ctx.authFile || process.env.REGISTRY_AUTH_FILE ? FILE_HELPER : helpers[0] ?? FILE_HELPER;
  if (first !== FILE_HELPER) {
    if (key !== host) throw authError('INVALID_AUTH_KEY', `credential helpers only support registries, not namespaces: "${key}"`);
    helperStore(first, host, username, password);
    return helperBinary(first);
  }
  const path = authFilePath(ctx);
  await modifyAuthFile(path, (f) => {
    // A helper configured in the file for this registry takes the credentials instead.
    const helper = f.credHelpers?.[host];
    if (helper && key === host) {
      helperStore(helper, host, username, password);
      return false;
    }
    f.auths![key] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
    return true;
  });
  return path;
}

/**
 * Remove the credentials for key from the auth file (and credential helpers). Throws TspodError
 * NOT_LOGGED_IN ("not logged into KEY") when none were stored.
 */
export async function removeCredentials(key: string, ctx: SystemContext = {}): Promise<void> {
  validateAuthKey(key);
  const host = key.split('/')[0];
  let removed = false;
  const explicit = Boolean(ctx.authFile || process.env.REGISTRY_AUTH_FILE);
  const helpers = explicit ? [FILE_HELPER] : loadRegistriesConfig(ctx).credentialHelpers;
  for (const h of helpers) {
    if (h !== FILE_HELPER) {
      if (key === host && helperErase(h, host)) removed = true;
      continue;
    }
    const path = authFilePath(ctx);
    if (!existsSync(path)) continue;
    const r = await modifyAuthFile(path, (f) => {
      const helper = f.credHelpers?.[host];
      if (helper && key === host) {
        if (helperErase(helper, host)) removed = true;
        return false;
      }
      if (!(key in f.auths!)) return false;
      delete f.auths![key];
      return true;
    });
    removed ||= r;
  }
  if (!removed) throw authError('NOT_LOGGED_IN', `not logged into ${key}`);
}

/** logout --all: empty the auth file's auths. */
export async function removeAllCredentials(ctx: SystemContext = {}): Promise<void> {
  const path = authFilePath(ctx);
  if (!existsSync(path)) return;
  await modifyAuthFile(path, (f) => {
    f.auths = {};
    return true;
  });
}

/** Whether credentials for key exist in some file other than the one tspod writes (docker login's). */
export function credentialsElsewhere(key: string, ctx: SystemContext = {}): string | undefined {
  const primary = authFilePath(ctx);
  for (const p of authFilePaths(ctx)) {
    if (p.path === primary) continue;
    const f = readAuthFile(p);
    if (f?.auths && (key in f.auths || Object.keys(f.auths).some((k) => normalizeAuthFileKey(k) === key))) return p.path;
  }
  return undefined;
}
