// Persistent network namespaces as bind-mounted files (like `ip netns add`). Node never calls
// unshare/setns (it is multithreaded): util-linux `unshare --net=FILE` creates the namespace and
// bind-mounts it onto FILE in the caller's mount namespace, which for rootless tspod is the pause
// process's, so the file outlives this short-lived process and later tspod invocations see it.
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { TspodError } from '../errors.ts';

const run = promisify(execFile);

/** The mappings of a user namespace to make the network namespace in (lib/containers/userns.ts). */
export interface NetnsUserns { uidMappings: { containerID: number; hostID: number; size: number }[]; gidMappings: { containerID: number; hostID: number; size: number }[] }

/**
 * Create a new network namespace bound to path (a stale one there is removed first); with userns, one
 * owned by a new user namespace with those mappings, bound to `${path}.user`.
 */
export async function createNetns(path: string, userns?: NetnsUserns): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (existsSync(path)) await removeNetns(path); // a stale one from a crash
  closeSync(openSync(path, 'wx', 0o644));
  try {
    if (userns) await (await import('../containers/userns.ts')).createNetnsInUserns(path, `${path}.user`, userns);
    else await run('unshare', [`--net=${path}`, 'true']);
  } catch (err) {
    if (userns) await removeNetns(path);
    rmSync(path, { force: true });
    const msg = ((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n').pop();
    throw new TspodError('NETNS', `creating network namespace \`${path}\`: ${msg}`, { cause: err });
  }
}

/** Unmount and delete a namespace file; nothing to do when it is already gone (idempotent). */
export async function removeNetns(path: string): Promise<void> {
  const { umount, MNT_DETACH } = await import('../native/libc.ts');
  try {
    umount(path, MNT_DETACH);
  } catch {
    // not mounted (EINVAL) or missing (ENOENT): only the file may be left
  }
  rmSync(path, { force: true });
  // the user namespace it was made in, if any
  if (existsSync(`${path}.user`)) {
    try { umount(`${path}.user`, MNT_DETACH); } catch { /* not mounted */ }
    rmSync(`${path}.user`, { force: true });
  }
}

/** Whether path is a live namespace file (a bind mount of nsfs). */
export async function isNetns(path: string): Promise<boolean> {
  const { readFileSync } = await import('node:fs');
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => {
      const f = l.split(' ');
      return f[4] === path && l.includes(' - nsfs ');
    });
  } catch {
    return false;
  }
}
