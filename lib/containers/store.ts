// Container records on disk. Layout (owned here):
//   ${graphRoot}/containers/<id>/{config.json,state.json,lock}   records + per-container lock
//   ${graphRoot}/containers/<id>/userdata/                       OCI bundle (config.json), ctr.log, attach
//   ${graphRoot}/containers/<id>/overlay/{diff,work,merged}      rootfs (lib/overlay)
//   ${graphRoot}/containers/names/<name> -> <id>                 name claims: symlink(2) is atomic
//   ${runRoot}/containers/<id>/                                  pidfiles, hosts, hostname, resolv.conf
//   ${runRoot}/exits/<id>                                        conmon's exit file
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError, TspodError } from '../errors.ts';
import { withLock } from '../lock/index.ts';
import type { Container, ContainerConfig, ContainerState } from './types.ts';
import { NAME_RE } from './names.ts';

export class NoSuchContainerError extends NotFoundError {
  constructor(ref: string) {
    super('container', `no container with name or ID "${ref}" found: no such container`);
  }
}

export class NameInUseError extends TspodError {
  constructor(name: string, id: string) {
    super('NAME_IN_USE', `creating container storage: the container name "${name}" is already in use by ${id}. You have to remove that container to be able to reuse that name: that name is already in use`);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

export class ContainerStore {
  readonly dir: string;
  readonly namesDir: string;
  private readonly run: string;
  // Paths are joined with template strings, not path.join: listing 100 containers joined ~400
  // paths, and path.join's normalisation, run cold, cost ~4 ms of `ps` (bench/ps).
  constructor(readonly graphRoot: string, readonly runRoot: string) {
    this.dir = resolve(graphRoot, 'containers');
    this.namesDir = `${this.dir}/names`;
    this.run = resolve(runRoot);
  }

  containerDir(id: string): string { return `${this.dir}/${id}`; }
  bundleDir(id: string): string { return `${this.dir}/${id}/userdata`; }
  runDir(id: string): string { return `${this.run}/containers/${id}`; }
  exitDir(): string { return `${this.run}/exits`; }
  exitFile(id: string): string { return `${this.run}/exits/${id}`; }
  lockPath(id: string): string { return `${this.dir}/${id}/lock`; }

  /** Claim a name for id; fails if taken by a live container. Stale claims (no such dir) are replaced. */
  claimName(name: string, id: string): void {
    if (!NAME_RE.test(name)) throw new TspodError('INVALID_NAME', `names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
    mkdirSync(this.namesDir, { recursive: true });
    const link = join(this.namesDir, name);
    for (let i = 0; i < 3; i++) {
      try {
        symlinkSync(id, link);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let owner: string;
      try { owner = readlinkSync(link); } catch { continue; }
      if (existsSync(join(this.dir, owner))) throw new NameInUseError(name, owner);
      // the owner is gone: drop its claim (only if still the same) and retry
      try { if (readlinkSync(link) === owner) unlinkSync(link); } catch { /* raced: retry */ }
    }
    throw new TspodError('NAME_IN_USE', `claiming name "${name}": too much contention`);
  }

  releaseName(name: string, id: string): void {
    const link = join(this.namesDir, name);
    try { if (readlinkSync(link) === id) unlinkSync(link); } catch { /* already gone */ }
  }

  /** Create the record. The directory exists before the name claim, so a claim whose directory is
   *  missing is stale; a concurrent create with the same name fails cleanly. */
  create(config: ContainerConfig, state: ContainerState): void {
    const d = this.containerDir(config.id);
    mkdirSync(join(d, 'userdata'), { recursive: true });
    try {
      for (const n of config.names) this.claimName(n, config.id);
      writeJsonAtomic(join(d, 'state.json'), state);
      writeJsonAtomic(join(d, 'config.json'), config); // last: its presence marks a complete record
    } catch (err) {
      this.remove(config);
      throw err;
    }
  }

  remove(config: ContainerConfig): void {
    // config.json first, so readers never see a half-removed container as complete
    rmSync(join(this.containerDir(config.id), 'config.json'), { force: true });
    rmSync(this.runDir(config.id), { recursive: true, force: true });
    rmSync(this.exitFile(config.id), { force: true });
    // retried a little: a busy mount point or a file conmon (still exiting) adds fails rmdir for a moment
    rmSync(this.containerDir(config.id), { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    for (const n of config.names) this.releaseName(n, config.id);
  }

  ids(): string[] {
    let names: string[];
    try { names = readdirSync(this.dir); } catch { return []; }
    return names.filter((n) => n.length === 64);
  }

  readConfig(id: string): ContainerConfig | undefined {
    try { return JSON.parse(readFileSync(`${this.dir}/${id}/config.json`, 'utf8')); } catch { return undefined; }
  }

  readState(id: string): ContainerState | undefined {
    try { return JSON.parse(readFileSync(`${this.dir}/${id}/state.json`, 'utf8')); } catch { return undefined; }
  }

  writeState(id: string, state: ContainerState): void {
    writeJsonAtomic(join(this.containerDir(id), 'state.json'), state);
  }

  get(id: string): Container | undefined {
    const config = this.readConfig(id);
    const state = config && this.readState(id);
    return config && state ? { config, state } : undefined;
  }

  list(): Container[] {
    const out: Container[] = [];
    for (const id of this.ids()) {
      const c = this.get(id);
      if (c) out.push(c);
    }
    return out;
  }

  /** podman's lookup order: full ID, name, unique ID prefix. */
  resolve(ref: string): string {
    if (/^[0-9a-f]{64}$/.test(ref) && existsSync(join(this.containerDir(ref), 'config.json'))) return ref;
    if (NAME_RE.test(ref)) {
      try {
        const id = readlinkSync(join(this.namesDir, ref));
        if (existsSync(join(this.containerDir(id), 'config.json'))) return id;
      } catch { /* not a name */ }
    }
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = this.ids().filter((id) => id.startsWith(ref) && existsSync(join(this.containerDir(id), 'config.json')));
      if (hits.length === 1) return hits[0];
      if (hits.length > 1) throw new TspodError('AMBIGUOUS', `more than one result for container ID "${ref}": container already exists`);
    }
    throw new NoSuchContainerError(ref);
  }

  lookup(ref: string): Container {
    const c = this.get(this.resolve(ref));
    if (!c) throw new NoSuchContainerError(ref);
    return c;
  }

  /** Run fn under the container's lock with its current record; fn may return a new state to write. */
  async withContainer<T>(id: string, fn: (c: Container) => Promise<T> | T): Promise<T> {
    if (!existsSync(this.containerDir(id))) throw new NoSuchContainerError(id);
    return withLock(this.lockPath(id), async () => {
      const c = this.get(id);
      if (!c) throw new NoSuchContainerError(id);
      return fn(c);
    });
  }
}
