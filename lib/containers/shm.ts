// /dev/shm kept on the host side, as podman keeps it (userdata/shm): a tmpfs per container in its run
// dir, bound at /dev/shm, so that a container started with --ipc container:NAME binds the same one.
// POSIX shared memory and semaphores are files in /dev/shm, not part of the IPC namespace, so joining
// the namespace alone would not share them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, mount, umount } from '../native/libc.ts';
import type { ContainerConfig } from './types.ts';

/** containers.conf shm_size 65536k, which podman reads in decimal units. */
export const DEFAULT_SHM_SIZE = 65536000;

export function shmDir(runDir: string): string {
  return join(runDir, 'shm');
}

/**
 * The host dir to bind at /dev/shm: the container's own tmpfs (mounted here), or that of the container
 * whose IPC namespace it joins; undefined where the spec keeps its own (--ipc host, none, ns:PATH).
 */
export function prepareShm(cfg: ContainerConfig, runDirOf: (id: string) => string): string | undefined {
  const ipc = cfg.ipcMode;
  // a user namespace of its own would see the host-side tmpfs owned by nobody: the runtime's tmpfs then
  if (ipc === 'host' || ipc === 'none' || ipc?.startsWith('ns:') || cfg.userns) return undefined;
  if (ipc?.startsWith('container:')) return shmDir(runDirOf(ipc.slice('container:'.length)));
  const dir = shmDir(runDirOf(cfg.id));
  mkdirSync(dir, { recursive: true });
  releaseShm(dir); // one left by a run that ended without its teardown
  mount('shm', dir, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, `mode=1777,size=${cfg.shmSize ?? DEFAULT_SHM_SIZE}`);
  return dir;
}

/** Unmount a container's /dev/shm tmpfs if it is mounted (lazily when something still holds it). */
export function releaseShm(dir: string): void {
  try {
    umount(dir);
  } catch (err) {
    const errno = ((err as { cause?: { errno?: number } }).cause?.errno);
    if (errno === 22 /* EINVAL: not a mount point */ || errno === 2 /* ENOENT */) return;
    try { umount(dir, MNT_DETACH); } catch { /* gone meanwhile */ }
  }
}
