// storage.conf (containers-storage.conf(5) format) for tspod's store.
//
// tspod's on-disk layout is its own, so it must never write into podman's graphroot: a podman user's
// storage.conf ($CONTAINERS_STORAGE_CONF, ~/.config/containers/storage.conf when rootless,
// /etc/containers/storage.conf, /usr/share/containers/storage.conf) contributes only the driver
// and overlay options (mount_program, mountopt). Paths come from tspod's own storage.conf, same format:
//   $TSPOD_STORAGE_CONF, else ~/.config/tspod/storage.conf (rootless) or /etc/tspod/storage.conf (root)
// which may set everything: driver, graphroot, runroot, rootless_storage_path, options.
// Precedence: --root/--runroot/--storage-driver > tspod's storage.conf > podman's (driver, options) > defaults.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import { isRootless } from '../rootless/index.ts';
import { configHome, homeDir } from './paths.ts';
import { filesKey } from './file-key.ts';

export interface StorageConf {
  driver?: string;
  graphroot?: string;
  runroot?: string;
  /** Rootless graphroot; "$HOME", "$UID" and "$USER" are expanded as in containers/storage. */
  rootlessStoragePath?: string;
  /** [storage.options.overlay] mount_program (fuse-overlayfs path), mountopt. */
  mountProgram?: string;
  mountOpt?: string;
  /** Files that contributed, in order. */
  files: string[];
}

interface RawStorage {
  driver?: string;
  graphroot?: string;
  runroot?: string;
  rootless_storage_path?: string;
  options?: { mount_program?: string; mountopt?: string; overlay?: { mount_program?: string; mountopt?: string } };
}

/** tspod's own storage.conf path. */
export function tspodStorageConfPath(): string {
  if (process.env.TSPOD_STORAGE_CONF) return process.env.TSPOD_STORAGE_CONF;
  return isRootless() ? join(configHome(), 'tspod/storage.conf') : '/etc/tspod/storage.conf';
}

/** podman's storage.conf, the first that exists (containers/storage reads exactly one). */
export function podmanStorageConfPath(): string | undefined {
  const candidates = process.env.CONTAINERS_STORAGE_CONF
    ? [process.env.CONTAINERS_STORAGE_CONF]
    : [...(isRootless() ? [join(configHome(), 'containers/storage.conf')] : []), '/etc/containers/storage.conf', '/usr/share/containers/storage.conf'];
  return candidates.find((p) => existsSync(p));
}

// storagePaths() runs at the start of most commands and usually finds no storage.conf, so the TOML
// parser is loaded only when a file exists (a static import costs every command ~15 ms).
let parseToml: ((text: string) => Record<string, unknown>) | undefined;
function tomlParser(): (text: string) => Record<string, unknown> {
  parseToml ??= (createRequire(import.meta.url)('smol-toml') as typeof import('smol-toml')).parse;
  return parseToml;
}

function readStorageFile(path: string): RawStorage {
  let doc: any;
  try {
    doc = tomlParser()(readFileSync(path, 'utf8'));
  } catch (err) {
    const msg = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message.split('\n')[0];
    throw new TspodError('STORAGE_CONF', `reading storage configuration "${path}": ${msg}`, { cause: err });
  }
  const s = doc.storage;
  if (s === undefined) return {};
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new TspodError('STORAGE_CONF', `reading storage configuration "${path}": [storage] must be a table`);
  for (const k of ['driver', 'graphroot', 'runroot', 'rootless_storage_path'] as const) {
    if (s[k] !== undefined && typeof s[k] !== 'string') throw new TspodError('STORAGE_CONF', `reading storage configuration "${path}": ${k} must be a string`);
  }
  return s as RawStorage;
}

function expand(p: string): string {
  const uid = String(process.env._TSPOD_ROOTLESS_UID ?? process.getuid?.() ?? 0);
  return p.replace(/\$HOME/g, homeDir()).replace(/\$UID/g, uid).replace(/\$USER/g, process.env.USER ?? '');
}

let cached: { key: string; conf: StorageConf } | undefined;

/** The storage settings that apply to tspod (see the header for which file may set what). */
export function loadStorageConf(): StorageConf {
  const own = tspodStorageConfPath();
  const podman = podmanStorageConfPath();
  const ownExists = Boolean(process.env.TSPOD_STORAGE_CONF) || existsSync(own);
  const key = `${filesKey([ownExists ? own : undefined, podman])}\0${isRootless()}`;
  if (cached?.key === key) return cached.conf;
  const conf: StorageConf = { files: [] };
  if (podman) {
    const p = readStorageFile(podman);
    conf.driver = p.driver || undefined;
    conf.mountProgram = p.options?.overlay?.mount_program ?? p.options?.mount_program;
    conf.mountOpt = p.options?.overlay?.mountopt ?? p.options?.mountopt;
    conf.files.push(podman);
  }
  if (ownExists) {
    const t = readStorageFile(own);
    if (t.driver) conf.driver = t.driver;
    if (t.graphroot) conf.graphroot = expand(t.graphroot);
    if (t.runroot) conf.runroot = expand(t.runroot);
    if (t.rootless_storage_path) conf.rootlessStoragePath = expand(t.rootless_storage_path);
    const mp = t.options?.overlay?.mount_program ?? t.options?.mount_program;
    const mo = t.options?.overlay?.mountopt ?? t.options?.mountopt;
    if (mp) conf.mountProgram = mp;
    if (mo) conf.mountOpt = mo;
    conf.files.push(own);
  }
  cached = { key, conf };
  return conf;
}
