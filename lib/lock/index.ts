// File locks shared by concurrent tspod processes: flock(2) on a lock file, held for the duration of fn.
// The lock is released when fn settles (also on exceptions) and, by the kernel, when the process dies
// (kill -9 included), which is why flock and not a lock file's existence is the lock.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { LOCK_EX, LOCK_SH, LOCK_UN, flock, tryFlock } from '../native/libc.ts';
import { wrapError } from '../errors.ts';

export interface LockOptions {
  /** Shared (read) lock instead of exclusive. */
  shared?: boolean;
}

/** An acquired lock; release() is idempotent. */
export interface HeldLock {
  release(): void;
}

/** Take the lock on path (created if missing). Waits on a worker thread, never blocking the event loop. */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<HeldLock> {
  const fd = openLockFile(path);
  const op = opts.shared ? LOCK_SH : LOCK_EX;
  try {
    // The fast path costs one syscall; only a contended lock goes to the threadpool.
    if (!tryFlock(fd, op)) await flock(fd, op);
  } catch (err) {
    closeSync(fd);
    throw wrapError(`locking \`${path}\``, err);
  }
  return heldLock(fd);
}

/** Run fn while holding the lock on path. Not re-entrant: do not take the same lock again inside fn. */
export async function withLock<T>(path: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(path, opts);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Take the lock only if nobody holds it; undefined otherwise. */
export function tryLock(path: string, opts: LockOptions = {}): HeldLock | undefined {
  const fd = openLockFile(path);
  if (!tryFlock(fd, opts.shared ? LOCK_SH : LOCK_EX)) {
    closeSync(fd);
    return undefined;
  }
  return heldLock(fd);
}

function openLockFile(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'a', 0o600);
  } catch (err) {
    throw wrapError(`opening lock file \`${path}\``, err);
  }
}

/** The handle for a taken lock on fd; release() unlocks and closes once. */
function heldLock(fd: number): HeldLock {
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try {
        tryFlock(fd, LOCK_UN);
      } finally {
        closeSync(fd);
      }
    },
  };
}
