// --pid/--ipc/--uts/--network container:NAME|ID and ns:PATH: the container joins another container's
// namespace, or one named by a path (runtime-spec namespaces with a path), as podman does. At create the
// other container is looked up and recorded by its full ID (podman's errors when it is missing); at
// start it is started first when it is not running (podman starts a container's dependencies), and the
// path is /proc/PID/ns/KIND of its process.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, TspodError, errorMessage } from '../errors.ts';
import type { ContainerConfig } from './types.ts';

export type NsKind = 'pid' | 'ipc' | 'uts' | 'net';
const LABEL: Record<NsKind, string> = { pid: 'PID', ipc: 'IPC', uts: 'UTS', net: 'network' };
const PROC_NAME: Record<NsKind, string> = { pid: 'pid', ipc: 'ipc', uts: 'uts', net: 'net' };

/** 'container:REF' -> 'container:FULLID' (resolve throws a NotFoundError for an unknown REF); 'ns:PATH' must exist. */
export function resolveSharedMode(kind: NsKind, mode: string | undefined, resolve: (ref: string) => string): string | undefined {
  if (!mode) return mode;
  if (mode.startsWith('container:')) {
    const ref = mode.slice('container:'.length);
    if (!ref) throw new TspodError('INVALID_CONFIG', 'invalid config provided: namespace mode container requires a value');
    try {
      return `container:${resolve(ref)}`;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      throw new NotFoundError('container', `looking up container to share ${kind} namespace with: ${err.message}`);
    }
  }
  if (mode.startsWith('ns:')) {
    const path = mode.slice('ns:'.length);
    try {
      statSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
      throw new TspodError('INVALID_NAMESPACE', `cannot find specified ${LABEL[kind]} namespace path: stat ${path}: ${why}`);
    }
  }
  return mode;
}

function modes(cfg: ContainerConfig): [NsKind, string | undefined][] {
  // podman's order in Dependencies(): ipc, net, pid, uts
  return [['ipc', cfg.ipcMode], ['net', cfg.network], ['pid', cfg.pidMode], ['uts', cfg.utsMode]];
}

/** The containers whose namespaces cfg joins, once each (podman's Dependencies). */
export function dependencies(cfg: ContainerConfig): string[] {
  const ids = modes(cfg).flatMap(([, m]) => (m?.startsWith('container:') ? [m.slice('container:'.length)] : []));
  // --requires: containers started first (run-extras.ts)
  return [...new Set([...ids, ...cfg.extras?.requires ?? []])];
}

/**
 * The namespace paths for the runtime spec: ns:PATH as given, container:ID as /proc/PID/ns/KIND of
 * that container's process; pidOf starts the container when it is not running and returns its PID.
 */
export async function namespacePaths(cfg: ContainerConfig, pidOf: (id: string) => Promise<number>): Promise<Partial<Record<NsKind, string>>> {
  const out: Partial<Record<NsKind, string>> = {};
  const pids = new Map<string, number>();
  for (const id of dependencies(cfg)) pids.set(id, await pidOf(id));
  for (const [kind, m] of modes(cfg)) {
    if (m?.startsWith('ns:')) out[kind] = m.slice('ns:'.length);
    else if (m?.startsWith('container:')) out[kind] = `/proc/${pids.get(m.slice('container:'.length))}/ns/${PROC_NAME[kind]}`;
  }
  return out;
}

/** podman's "container X is not running" when a dependency cannot be started. */
export function dependencyError(id: string, err: unknown): TspodError {
  return new TspodError('DEPENDENCY', `starting container ${id}, a dependency of this container: ${errorMessage(err)}`);
}

// Who depends on a container: a file per dependent in <container dir>/dependents/, written at the
// dependent's create and removed with it, so that `rm` of the other one is refused (podman's rule)
// without reading every container's record.
const DEPENDENTS = 'dependents';

export function recordDependent(containerDir: (id: string) => string, cfg: ContainerConfig): void {
  for (const dep of dependencies(cfg)) {
    mkdirSync(join(containerDir(dep), DEPENDENTS), { recursive: true });
    writeFileSync(join(containerDir(dep), DEPENDENTS, cfg.id), '');
  }
}

export function forgetDependent(containerDir: (id: string) => string, cfg: ContainerConfig): void {
  for (const dep of dependencies(cfg)) rmSync(join(containerDir(dep), DEPENDENTS, cfg.id), { force: true });
}

/** podman's refusal to remove a container others join the namespaces of. */
export function checkNoDependents(containerDir: (id: string) => string, id: string): void {
  let ids: string[];
  try { ids = readdirSync(join(containerDir(id), DEPENDENTS)); } catch { return; }
  const live = ids.filter((d) => existsSync(join(containerDir(d), 'config.json')));
  if (live.length) {
    throw new TspodError('DEPENDENTS', `container ${id} has dependent containers which must be removed before it: ${live.join(', ')}: container already exists`);
  }
}

/**
 * In another container's network namespace, podman gives the container that one's /etc/resolv.conf
 * and a copy of its /etc/hosts with a line for this container's own names (--no-hosts: none).
 */
export function joinedNetworkFiles(depRunDir: string, cfg: ContainerConfig): { hosts: string; resolv: string } {
  const read = (name: string) => { try { return readFileSync(join(depRunDir, name), 'utf8'); } catch { return ''; } };
  const hosts = read('hosts');
  return {
    hosts: cfg.noHosts ? '' : `${hosts}${hosts && !hosts.endsWith('\n') ? '\n' : ''}127.0.0.1\t${cfg.hostname} ${cfg.names[0]}\n`,
    resolv: read('resolv.conf'),
  };
}

/** -p with a network mode that has no ports of its own (podman's plain warning, and the ports go). */
export function discardsPorts(network: string): boolean {
  return /^(host|none|container:)/.test(network);
}

/**
 * The network mode to set up for cfg: the namespace at nsPaths.net (ns:PATH), or the host's own
 * network when the other container uses it (runc may not set the container's sysctls there).
 */
export function networkToSetUp(cfg: ContainerConfig, nsPaths: Partial<Record<NsKind, string>>, networkOf: (id: string) => string | undefined): string {
  if (!nsPaths.net) return cfg.network;
  if (cfg.network.startsWith('container:') && networkOf(cfg.network.slice('container:'.length)) === 'host') return 'host';
  return `ns:${nsPaths.net}`;
}

/** rm --depend: the container and every container that depends on it, dependents first (podman's order). */
export function removalOrder(containerDir: (id: string) => string, id: string): string[] {
  const out: string[] = [];
  const visit = (cur: string) => {
    if (out.includes(cur)) return;
    let ids: string[] = [];
    try { ids = readdirSync(join(containerDir(cur), DEPENDENTS)); } catch { /* none */ }
    for (const d of ids) if (existsSync(join(containerDir(d), 'config.json'))) visit(d);
    out.push(cur);
  };
  visit(id);
  return out;
}
