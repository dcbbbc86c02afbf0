// Secrets as podman 4.3 keeps them with its file driver (containers/common pkg/secrets): metadata in
// GRAPHROOT/secrets/secrets.json ({secrets, nameToID, idToName}), the data base64 in
// GRAPHROOT/secrets/filedriver/secretsdata.json, both 0600 in 0700 directories, each changed under its
// .lock file and written atomically. IDs are 25 hex characters.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import { withLock } from '../lock/index.ts';

export interface SecretRecord {
  name: string;
  id: string;
  labels?: Record<string, string>;
  createdAt: string;
  updatedAt?: string;
  driver: string;
  driverOptions: Record<string, string>;
}

interface SecretsFile { secrets: Record<string, SecretRecord>; nameToID: Record<string, string>; idToName: Record<string, string> }

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9]$|^[a-zA-Z0-9]$/;

function paths(graphRoot: string) {
  const dir = join(graphRoot, 'secrets');
  const data = join(dir, 'filedriver');
  return { dir, meta: join(dir, 'secrets.json'), metaLock: join(dir, 'secrets.lock'), data, dataFile: join(data, 'secretsdata.json'), dataLock: join(data, 'secretsdata.lock') };
}

function readJson<T>(path: string, empty: T): T {
  try { return JSON.parse(readFileSync(path, 'utf8')) as T; } catch { return empty; }
}

function writeSecretJson(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  renameSync(tmp, path);
}

function ensureDirs(graphRoot: string): ReturnType<typeof paths> {
  const p = paths(graphRoot);
  mkdirSync(p.data, { recursive: true, mode: 0o700 });
  chmodSync(p.dir, 0o700);
  return p;
}

function emptyMeta(): SecretsFile { return { secrets: {}, nameToID: {}, idToName: {} }; }

function noSuch(ref: string): TspodError {
  return new TspodError('NO_SUCH_SECRET', `no secret with name or id "${ref}": no such secret`);
}

/** A secret by name, full ID or unique ID prefix (podman's lookup). */
function find(meta: SecretsFile, ref: string): SecretRecord {
  const byName = meta.nameToID[ref];
  if (byName) return meta.secrets[byName];
  if (meta.secrets[ref]) return meta.secrets[ref];
  const ids = Object.keys(meta.secrets).filter((id) => id.startsWith(ref));
  if (ids.length === 1 && ref.length > 0) return meta.secrets[ids[0]];
  if (ids.length > 1) throw new TspodError('AMBIGUOUS_SECRET', `more than one result secret with prefix ${ref}: secret is ambiguous`);
  throw noSuch(ref);
}

export async function createSecret(graphRoot: string, name: string, data: Buffer, o: { driver?: string; labels?: Record<string, string> } = {}): Promise<string> {
  if (!NAME_RE.test(name)) throw new TspodError('INVALID_SECRET', `only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: ${name}: invalid secret name`);
  const driver = o.driver ?? 'file';
  if (driver !== 'file') throw new TspodError('INVALID_SECRET', `${driver}: invalid driver (tspod has the file driver only)`);
  if (data.length === 0) throw new TspodError('INVALID_SECRET', 'secret data must be larger than 0 and less than 512000 bytes');
  if (data.length >= 512000) throw new TspodError('INVALID_SECRET', 'secret data must be larger than 0 and less than 512000 bytes');
  const p = ensureDirs(graphRoot);
  return withLock(p.metaLock, async () => {
    const meta = readJson(p.meta, emptyMeta());
    if (meta.nameToID[name]) throw new TspodError('SECRET_EXISTS', `${name}: secret name in use`);
    let id: string;
    do id = randomBytes(13).toString('hex').slice(0, 25); while (meta.secrets[id]);
    await withLock(p.dataLock, () => {
      const all = readJson<Record<string, string>>(p.dataFile, {});
      all[id] = data.toString('base64');
      writeSecretJson(p.dataFile, all);
    });
    const now = new Date().toISOString();
    meta.secrets[id] = { name, id, ...(o.labels && Object.keys(o.labels).length ? { labels: o.labels } : {}), createdAt: now, updatedAt: now, driver, driverOptions: { path: p.data } };
    meta.nameToID[name] = id;
    meta.idToName[id] = name;
    writeSecretJson(p.meta, meta);
    return id;
  });
}

export function listSecrets(graphRoot: string): SecretRecord[] {
  const meta = readJson(paths(graphRoot).meta, emptyMeta());
  return Object.values(meta.secrets).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function lookupSecret(graphRoot: string, ref: string): SecretRecord {
  return find(readJson(paths(graphRoot).meta, emptyMeta()), ref);
}

/** The secret's data (at each start of a container that uses it). */
export function secretData(graphRoot: string, ref: string): Buffer {
  const s = lookupSecret(graphRoot, ref);
  const b64 = readJson<Record<string, string>>(paths(graphRoot).dataFile, {})[s.id];
  if (b64 === undefined) throw noSuch(ref);
  return Buffer.from(b64, 'base64');
}

export async function removeSecret(graphRoot: string, ref: string): Promise<string> {
  const p = paths(graphRoot);
  return withLock(p.metaLock, async () => {
    const meta = readJson(p.meta, emptyMeta());
    const s = find(meta, ref);
    await withLock(p.dataLock, () => {
      const all = readJson<Record<string, string>>(p.dataFile, {});
      delete all[s.id];
      writeSecretJson(p.dataFile, all);
    });
    delete meta.secrets[s.id];
    delete meta.nameToID[s.name];
    delete meta.idToName[s.id];
    writeSecretJson(p.meta, meta);
    return s.id;
  });
}

/** podman secret inspect's object. */
export function inspectSecret(s: SecretRecord): object {
  return {
    ID: s.id, CreatedAt: s.createdAt, UpdatedAt: s.updatedAt ?? s.createdAt,
    Spec: { Name: s.name, Driver: { Name: s.driver, Options: s.driverOptions }, Labels: s.labels ?? {} },
  };
}
