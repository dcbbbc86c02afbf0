// Where tspod keeps its state. Same defaults as podman's containers/storage, with tspod's own name:
// rootful /var/lib/tspod + /run/tspod, rootless $XDG_DATA_HOME/tspod + $XDG_RUNTIME_DIR/tspod.
// --root/--runroot override; storage.conf (lib/config/storage.ts) may too.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { rootlessUid } from '../rootless/index.ts';

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

export function storagePaths(opts: { root?: string; runroot?: string; storageDriver?: string } = {}): StoragePaths {
  const d = defaultStoragePaths();
  return { graphRoot: opts.root ?? d.graphRoot, runRoot: opts.runroot ?? d.runRoot, driver: opts.storageDriver ?? d.driver };
}
