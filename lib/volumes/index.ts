// Named volumes: ${graphRoot}/volumes/<name>/_data holds the data, ${graphRoot}/volumes/<name>/volume.json
// the record (driver "local", labels, options, created). Create/remove run under one lock file so two
// processes never both create a name; records are written atomically (temp file + rename).
//
//   const dir = await volumeMountSource('pgdata', { create: true });   // -v pgdata:/var/lib/postgresql
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, TspodError } from '../errors.ts';
import { listContainerRefs as listRefs, volumeUsers } from './users.ts';

export { listContainerRefs, volumeUsers } from './users.ts';

export interface VolumeRecord {
  name: string;
  driver: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  created: string;
  /** Made by the engine for a container (-v /path without a name): removed by `rm -v`. */
  anonymous?: boolean;
  /** Image content at the mount point was already copied in (podman's NeedsCopyUp, inverted). */
  copiedUp?: boolean;
}

/** podman's `volume inspect` object. */
export interface VolumeInspect {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: string;
  Options: Record<string, string>;
  MountCount: number;
  NeedsCopyUp: boolean;
  NeedsChown: boolean;
  Anonymous?: boolean;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

async function rootDefault(graphRoot?: string): Promise<string> {
  if (graphRoot) return graphRoot;
  const { storagePaths } = await import('../config/paths.ts');
  return storagePaths().graphRoot;
}

export function volumesDir(graphRoot: string): string {
  return join(graphRoot, 'volumes');
}

function recordPath(graphRoot: string, name: string): string {
  return join(volumesDir(graphRoot), name, 'volume.json');
}

export function volumeDataDir(graphRoot: string, name: string): string {
  return join(volumesDir(graphRoot), name, '_data');
}

async function locked<T>(graphRoot: string, fn: () => Promise<T> | T): Promise<T> {
  const { withLock } = await import('../lock/index.ts');
  return withLock(join(volumesDir(graphRoot), 'volumes.lock'), fn);
}

function writeRecord(graphRoot: string, r: VolumeRecord): void {
  const p = recordPath(graphRoot, r.name);
  const tmp = `${p}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(r, null, 2), { mode: 0o600 });
  renameSync(tmp, p);
}

function readRecord(graphRoot: string, name: string): VolumeRecord | undefined {
  if (!NAME_RE.test(name)) return undefined;
  try {
    return JSON.parse(readFileSync(recordPath(graphRoot, name), 'utf8')) as VolumeRecord;
  } catch {
    return undefined;
  }
}

function validateName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new TspodError('INVALID_VOLUME', `volume name ${JSON.stringify(name)} is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  }
}

export interface CreateVolumeOptions {
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  anonymous?: boolean;
  /** Return the existing volume instead of failing (podman --ignore). */
  ignoreExisting?: boolean;
  graphRoot?: string;
}

function createLocked(root: string, o: CreateVolumeOptions): VolumeRecord {
  const name = o.name || randomBytes(32).toString('hex');
  validateName(name);
  const driver = o.driver ?? 'local';
  if (driver !== 'local') throw new TspodError('INVALID_VOLUME', `volume driver ${driver} is not supported: only "local" is`);
  for (const k of Object.keys(o.options ?? {})) {
    if (!['type', 'o', 'device', 'uid', 'gid', 'copy', 'nocopy', 'size', 'inodes'].includes(k)) throw new TspodError('INVALID_VOLUME', `invalid mount option ${k} for driver 'local': invalid argument`);
  }
  const existing = readRecord(root, name);
  if (existing) {
    if (o.ignoreExisting) return existing;
    throw new TspodError('VOLUME_EXISTS', `volume with name ${name} already exists: volume already exists`);
  }
  mkdirSync(volumeDataDir(root, name), { recursive: true, mode: 0o755 });
  const r: VolumeRecord = {
    name, driver, labels: o.labels ?? {}, options: o.options ?? {}, created: new Date().toISOString(), ...(o.anonymous ? { anonymous: true } : {}),
  };
  writeRecord(root, r);
  return r;
}

export async function createVolume(o: CreateVolumeOptions = {}): Promise<VolumeRecord> {
  const root = await rootDefault(o.graphRoot);
  return locked(root, () => createLocked(root, o));
}

export async function listVolumes(graphRoot?: string): Promise<VolumeRecord[]> {
  const root = await rootDefault(graphRoot);
  let names: string[] = [];
  try { names = readdirSync(volumesDir(root)); } catch { return []; }
  return names.sort().map((n) => readRecord(root, n)).filter((r): r is VolumeRecord => !!r);
}

export async function getVolume(name: string, graphRoot?: string): Promise<VolumeRecord> {
  const root = await rootDefault(graphRoot);
  const r = readRecord(root, name);
  if (!r) throw new NotFoundError('volume', `no volume with name ${JSON.stringify(name)} found: no such volume`, { exitCode: 1 });
  return r;
}

export async function volumeExists(name: string, graphRoot?: string): Promise<boolean> {
  return readRecord(await rootDefault(graphRoot), name) !== undefined;
}

export function inspectVolume(graphRoot: string, r: VolumeRecord): VolumeInspect {
  return {
    Name: r.name, Driver: r.driver, Mountpoint: volumeDataDir(graphRoot, r.name), CreatedAt: r.created, Labels: r.labels ?? {},
    Scope: 'local', Options: r.options ?? {}, MountCount: 0, NeedsCopyUp: !r.copiedUp, NeedsChown: !r.copiedUp,
    ...(r.anonymous ? { Anonymous: true } : {}),
  };
}

/**
 * Host directory to bind-mount for volume name. With create (podman's behaviour for `-v NAME:/dst`),
 * a missing volume is created; without it a missing volume is an error.
 */
export async function volumeMountSource(name: string, o: { create?: boolean; anonymous?: boolean; graphRoot?: string } = {}): Promise<string> {
  const root = await rootDefault(o.graphRoot);
  if (!readRecord(root, name)) {
    if (!o.create) await getVolume(name, root);
    await locked(root, () => createLocked(root, { name, anonymous: o.anonymous, ignoreExisting: true }));
  }
  return volumeDataDir(root, name);
}

/** Record that image content was copied into the volume (so later containers do not copy again). */
export async function markCopiedUp(name: string, graphRoot?: string): Promise<void> {
  const root = await rootDefault(graphRoot);
  await locked(root, () => {
    const r = readRecord(root, name);
    if (r && !r.copiedUp) writeRecord(root, { ...r, copiedUp: true });
  });
}

export class VolumeInUseError extends TspodError {
  constructor(name: string, users: string[]) {
    // podman: exit status 2 for a volume in use
    super('VOLUME_IN_USE', `volume ${name} is being used by the following container(s): ${users.join(', ')}: volume is being used`, { exitCode: 2 });
  }
}

/**
 * Remove a volume. Refuses one that a container uses unless force (the caller removes those
 * containers first, as podman does).
 */
export async function removeVolume(name: string, o: { force?: boolean; graphRoot?: string } = {}): Promise<void> {
  const root = await rootDefault(o.graphRoot);
  await locked(root, () => {
    if (!readRecord(root, name)) throw new NotFoundError('volume', `no volume with name ${JSON.stringify(name)} found: no such volume`, { exitCode: 1 });
    const users = volumeUsers(root, name);
    if (users.length && !o.force) throw new VolumeInUseError(name, users);
    // Rename first, so a crash mid-delete never leaves a half-deleted volume under its name.
    const dir = join(volumesDir(root), name);
    const trash = join(volumesDir(root), `.removing-${name}-${process.pid}`);
    renameSync(dir, trash);
    rmSync(trash, { recursive: true, force: true });
  });
}

export interface VolumeFilter { key: string; value: string }

export function parseFilters(filters: string[] = []): VolumeFilter[] {
  return filters.map((f) => {
    const i = f.indexOf('=');
    if (i <= 0) throw new TspodError('INVALID_FILTER', `invalid filter "${f}": must be KEY=VALUE`);
    return { key: f.slice(0, i).toLowerCase(), value: f.slice(i + 1) };
  });
}

function matchLabel(labels: Record<string, string>, v: string, negate: boolean): boolean {
  const [k, val] = v.split('=', 2);
  const has = k in labels && (val === undefined || labels[k] === val);
  return negate ? !has : has;
}

/** podman's volume filters: name, driver, label, label!, opt, scope, dangling, until. Same keys AND, same key OR. */
export function filterVolumes(graphRoot: string, vols: VolumeRecord[], filters: VolumeFilter[]): VolumeRecord[] {
  if (filters.length === 0) return vols;
  const users = filters.some((f) => f.key === 'dangling') ? new Set(listRefs(graphRoot).flatMap((c) => c.volumes)) : new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const f of filters) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f.value]);
  return vols.filter((v) => [...byKey].every(([key, values]) => values.some((val) => {
    switch (key) {
      case 'name': return new RegExp(val).test(v.name);
      case 'driver': return v.driver === val;
      case 'scope': return val === 'local';
      case 'label': return matchLabel(v.labels ?? {}, val, false);
      case 'label!': return matchLabel(v.labels ?? {}, val, true);
      case 'opt': { const [k, ov] = val.split('=', 2); return k in (v.options ?? {}) && (ov === undefined || v.options[k] === ov); }
      case 'dangling': {
        if (val !== 'true' && val !== 'false') throw new TspodError('INVALID_FILTER', `invalid dangling filter value "${val}"`);
        return (val === 'true') === !users.has(v.name);
      }
      case 'until': return Date.parse(v.created) < untilTime(val);
      default: throw new TspodError('INVALID_FILTER', `${key} is an invalid filter`);
    }
  })));
}


/** "until" accepts RFC 3339 times, Unix seconds, or Go durations ("24h", "30m") back from now. */
export function untilTime(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+)(h|m|s)$/.exec(v);
  if (d) return Date.now() - Number(d[1]) * { h: 3600_000, m: 60_000, s: 1000 }[d[2] as 'h' | 'm' | 's'];
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new TspodError('INVALID_FILTER', `invalid until filter value "${v}"`);
  return t;
}

/** The volumes prune would remove now. */
export async function pruneCandidates(o: { filters?: VolumeFilter[]; graphRoot?: string } = {}): Promise<VolumeRecord[]> {
  const root = await rootDefault(o.graphRoot);
  const used = new Set(listRefs(root).flatMap((c) => c.volumes));
  return filterVolumes(root, await listVolumes(root), o.filters ?? []).filter((v) => !used.has(v.name));
}

/** Remove every volume no container uses (matching filters). Returns the removed names. */
export async function pruneVolumes(o: { filters?: VolumeFilter[]; graphRoot?: string } = {}): Promise<string[]> {
  const root = await rootDefault(o.graphRoot);
  const candidates = await pruneCandidates({ ...o, graphRoot: root });
  const removed: string[] = [];
  for (const v of candidates) {
    try {
      await removeVolume(v.name, { graphRoot: root });
      removed.push(v.name);
    } catch (err) {
      if ((err as TspodError).code !== 'VOLUME_IN_USE' && (err as TspodError).code !== 'NO_SUCH_VOLUME') throw err;
    }
  }
  return removed;
}
