// The current state of containers: the record on disk folded with conmon's exit file and the
// liveness of conmon. Kept apart from engine.ts so that read-only verbs (ps, inspect, exists) load
// only this and the store, not the runtime, overlay and network code (start-up time: bench/ps).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { storagePaths } from '../config/paths.ts';
import { ContainerStore } from './store.ts';
import type { Container } from './types.ts';

/** The store of the given --root/--runroot/--storage-driver, at the paths the engine uses. */
export function openContainerStore(opts: { root?: string; runroot?: string; storageDriver?: string }): ContainerStore {
  const p = storagePaths(opts);
  return new ContainerStore(resolve(p.graphRoot), resolve(p.runRoot));
}

export function isAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a zombie is not alive for our purposes
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3) !== 'Z';
  } catch { return false; }
}

/** Fold conmon's exit file and process liveness into the state; returns true if it changed. */
export function reap(store: ContainerStore, c: Container): boolean {
  const s = c.state;
  if (s.status !== 'running' && s.status !== 'paused' && s.status !== 'stopping' && s.status !== 'initialized') return false;
  const exitFile = store.exitFile(c.config.id);
  let text: string | undefined;
  try { text = readFileSync(exitFile, 'utf8'); } catch { /* not exited yet */ }
  if (text !== undefined && text.trim() !== '') {
    s.status = 'exited';
    s.exitCode = Number(text.trim());
    try { s.finishedAt = statSync(exitFile).mtime.toISOString(); } catch { s.finishedAt = new Date().toISOString(); }
    s.pid = 0;
    return true;
  }
  if (s.conmonPid && !isAlive(s.conmonPid)) {
    // conmon died without writing the exit file: the container is gone with it
    s.status = 'exited';
    s.exitCode = s.exitCode || 137;
    s.error = 'conmon exited without an exit status';
    s.finishedAt = new Date().toISOString();
    s.pid = 0;
    return true;
  }
  return false;
}

/** Current record with the reaped state (persisted when it changed). */
export async function inspectContainer(store: ContainerStore, ref: string): Promise<Container> {
  const id = store.resolve(ref);
  const c = store.get(id);
  if (!c) return store.lookup(ref);
  if (c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'stopping' || c.state.status === 'initialized') {
    return store.withContainer(id, (cur) => {
      if (reap(store, cur)) store.writeState(id, cur.state);
      return cur;
    });
  }
  return c;
}

/** All containers, reaped in memory (a running one is written back only if it changed). */
export async function listContainers(store: ContainerStore): Promise<Container[]> {
  const all = store.list();
  for (const c of all) {
    if (reap(store, c)) {
      try {
        await store.withContainer(c.config.id, (cur) => {
          if (reap(store, cur)) store.writeState(cur.config.id, cur.state);
        });
      } catch { /* removed meanwhile */ }
    }
  }
  return all;
}
