// Where tspod keeps its state. Same defaults as podman's containers/storage, with tspod's own name:
// rootful /var/lib/tspod + /run/tspod, rootless $XDG_DATA_HOME/tspod + $XDG_RUNTIME_DIR/tspod.
// --root/--runroot override; tspod's storage.conf may too (lib/config/storage.ts).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { rootlessUid } from '../rootless/index.ts';
import { loadStorageConf } from './storage.ts';

export interface StoragePaths {
  /** Images, layers, containers metadata (podman's graphroot). */
  graphRoot: string;
  /** Runtime state: locks, pids, mount points, sockets (podman's runroot). */
  runRoot: string;
  driver: string;
}

export function homeDir(): string {
  return process.env.HOME || homedir();
}

export function runtimeDir(): string {
  const uid = rootlessUid();
  if (uid === undefined) return '/run';
  return process.env.XDG_RUNTIME_DIR || `/tmp/tspod-run-${uid}`;
}

export function configHome(): string {
  return process.env.XDG_CONFIG_HOME || join(homeDir(), '.config');
}

export function dataHome(): string {
  return process.env.XDG_DATA_HOME || join(homeDir(), '.local', 'share');
}

export function defaultStoragePaths(): StoragePaths {
  if (rootlessUid() === undefined) return { graphRoot: '/var/lib/tspod', runRoot: '/run/tspod', driver: 'overlay' };
  return { graphRoot: join(dataHome(), 'tspod'), runRoot: join(runtimeDir(), 'tspod'), driver: 'overlay' };
}

/**
 * The store's paths: --root/--runroot/--storage-driver, else tspod's storage.conf, else (driver only)
 * podman's storage.conf, else the defaults. See lib/config/storage.ts for why podman's graphroot is
 * never used.
 */
export function storagePaths(opts: { root?: string; runroot?: string; storageDriver?: string } = {}): StoragePaths {
  const d = defaultStoragePaths();
  const conf = loadStorageConf();
  const confRoot = rootlessUid() !== undefined ? conf.rootlessStoragePath ?? conf.graphroot : conf.graphroot;
  return {
    graphRoot: opts.root ?? confRoot ?? d.graphRoot,
    runRoot: opts.runroot ?? conf.runroot ?? d.runRoot,
    driver: opts.storageDriver ?? conf.driver ?? d.driver,
  };
}
