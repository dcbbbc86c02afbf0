// The OCI runtime adapter (after podman libpod/oci.go): a thin wrapper over the runtime binary's CLI.
// It makes no state decisions: callers (lib/containers) decide what to run and record the results.
// conmon runs `create` itself, so the adapter also hands conmon the global arguments it needs.
import { existsSync } from 'node:fs';
import type { RuntimeState } from '../oci/runtime-spec.ts';

export interface ExecOptions {
  /** Path of a runtime-spec process.json. */
  processPath: string;
  pidFile: string;
  detach?: boolean;
  consoleSocket?: string;
}

export interface OciRuntime {
  /** Short name (runc, crun) and resolved binary path. */
  readonly name: string;
  readonly path: string;
  /** Arguments placed before the verb on every call (--root ...), also passed to conmon as --runtime-arg. */
  readonly globalArgs: string[];
  /** Create without conmon (used only by tests and the cleanup path). */
  create(id: string, bundle: string, pidFile: string): Promise<void>;
  start(id: string): Promise<void>;
  /** undefined when the runtime does not know the container. */
  state(id: string): Promise<RuntimeState | undefined>;
  kill(id: string, signal: string | number, all?: boolean): Promise<void>;
  /** Removes the runtime's record; force kills a running container first. */
  delete(id: string, force?: boolean): Promise<void>;
  exec(id: string, opts: ExecOptions): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
}

export interface RuntimeChoice {
  /** --runtime or containers.conf engine.runtime: a name (runc, crun) or a path. */
  requested?: string;
  /** The runtime's state directory (--root), kept under tspod's runRoot. */
  stateDir: string;
  rootless: boolean;
  /** --runtime-flag values, without the leading "--" (podman's rule): "debug", "log-format=json". */
  flags?: string[];
}

/** cgroup v2 (unified) has cgroup.controllers at the top; hybrid and v1 hosts do not. */
export function cgroupV2(): boolean {
  return existsSync('/sys/fs/cgroup/cgroup.controllers');
}

/**
 * Rootless on cgroup v2 with a systemd user session (its D-Bus socket): podman's cgroup manager is systemd
 * there, each container a scope the user's systemd makes (cgroupsPath "SLICE:PREFIX:NAME", --systemd-cgroup).
 */
export function systemdUserCgroups(rootless: boolean): boolean {
  if (!rootless || !cgroupV2() || !existsSync('/run/systemd/system')) return false;
  const dir = process.env.XDG_RUNTIME_DIR;
  return !!dir && existsSync(`${dir}/bus`);
}

const SEARCH = ['/usr/local/bin', '/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/sbin'];

export function findBinary(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH];
  for (const d of dirs) if (existsSync(`${d}/${name}`)) return `${d}/${name}`;
  return undefined;
}

/** crun where it works (cgroup v2), else runc; an explicit choice wins. Never throws: missing.ts fails later. */
export async function selectRuntime(choice: RuntimeChoice): Promise<OciRuntime> {
  const { cliRuntime } = await import('./cli.ts');
  const order = choice.requested ? [choice.requested] : cgroupV2() ? ['crun', 'runc'] : ['runc', 'crun'];
  for (const name of order) {
    const path = findBinary(name);
    if (path) return cliRuntime(path, choice);
  }
  const { missingRuntime } = await import('./missing.ts');
  return missingRuntime(order[0], !!choice.requested);
}
