import type { CommandModule, GlobalOptions } from '../types.ts';
import { CREATE_FLAGS, RUN_FLAGS, openEngine, parseFlags } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';
import type { ContainerConfig } from '../../lib/containers/types.ts';
import type { ContainerStore } from '../../lib/containers/store.ts';

interface CloneOptions extends GlobalOptions { container: string; newName?: string; image?: string; name?: string; destroy?: boolean; force?: boolean; run?: boolean; [k: string]: unknown }

// the resource flags podman 4.3's clone takes (each as create's)
const RESOURCE_FLAGS = ['blkio-weight', 'blkio-weight-device', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-shares',
  'cpus', 'cpuset-cpus', 'cpuset-mems', 'device-read-bps', 'device-write-bps', 'memory', 'memory-reservation', 'memory-swap', 'memory-swappiness'];
const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * podman container clone: a new container made as the original was (its create or run command line,
 * Config.CreateCommand, read again), with another name, image or resource limits.
 */
export function cloneCommand(): CommandModule<CloneOptions> {
  return {
    command: 'clone <container> [newName] [image]',
    describe: 'Clone an existing container',
    builder: (y) => {
      let b = y.positional('container', { type: 'string' }).positional('newName', { type: 'string' }).positional('image', { type: 'string' })
        .option('name', { type: 'string', describe: 'Assign a name to the container' })
        .option('destroy', { type: 'boolean', describe: 'destroy the original container' })
        .option('force', { alias: 'f', type: 'boolean', describe: 'force the existing container to be destroyed' })
        .option('run', { type: 'boolean', describe: 'run the new container' });
      for (const f of CREATE_FLAGS.filter((x) => RESOURCE_FLAGS.includes(x.name))) {
        b = b.option(f.name, { alias: f.name === 'memory' || f.name === 'cpu-shares' ? f.alias : undefined, type: f.type, array: f.multi, describe: f.describe });
      }
      return b;
    },
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const src = (await engine.inspect(o.container)).config;
      const { opts, rest } = createLine(src);
      for (const f of RESOURCE_FLAGS) if (o[camel(f)] !== undefined) opts[camel(f)] = o[camel(f)];
      opts.name = o.name ?? o.newName ?? cloneName(src.names[0], engine.store);
      opts.cidfile = undefined;
      opts.replace = undefined;
      const { toCreateOptions, createWithPull } = await import('./create.ts');
      const co = toCreateOptions(opts, o.image ?? rest[0] ?? src.imageName, rest.slice(1), io);
      co.createCommand = src.createCommand;
      let c;
      try {
        c = await createWithPull(engine, co, 'missing', true, io);
      } catch (err) {
        // podman's words when the option check fails
        if (err instanceof TspodError && err.code === 'INVALID_NAME') throw new TspodError(err.code, `running container create option: ${err.message}`);
        throw err;
      }
      if (o.destroy) {
        // the clone stays when this fails; podman exits 125 here (rm's own 2 is for rm)
        await engine.remove(src.id, { force: o.force }).catch((err) => {
          throw err instanceof TspodError ? new TspodError(err.code, err.message) : err;
        });
      }
      if (o.run) await engine.start(c.config.id);
      io.stdout.write(`${c.config.id}\n`);
      return 0;
    },
  };
}

/** The original's flags and image/command: its command line, or (made before tspod kept one) from its config. */
function createLine(cfg: ContainerConfig): { opts: Record<string, any>; rest: string[] } {
  const words = cfg.createCommand ?? [];
  const i = words.findIndex((w) => w === 'create' || w === 'run');
  if (i >= 0) {
    try { return parseFlags(words.slice(i + 1), RUN_FLAGS); } catch { /* a global flag after the verb: from the config */ }
  }
  const opts: Record<string, any> = {
    env: cfg.env, workdir: cfg.workingDir || undefined, user: cfg.user || undefined, tty: cfg.tty, interactive: cfg.interactive,
    label: Object.entries(cfg.labels).map(([k, v]) => `${k}=${v}`), annotation: Object.entries(cfg.annotations).map(([k, v]) => `${k}=${v}`),
    init: cfg.init, readOnly: cfg.readOnly, privileged: cfg.privileged, capAdd: cfg.capAdd, capDrop: cfg.capDrop, securityOpt: cfg.securityOpt,
    ulimit: cfg.ulimits, rm: cfg.autoRemove, network: cfg.network || undefined,
    entrypoint: cfg.entrypoint.length ? JSON.stringify(cfg.entrypoint) : undefined,
  };
  return { opts, rest: [cfg.imageName, ...cfg.cmd] };
}

/** podman's name for a clone: NAME-clone, and NAME-cloneN (the next free N) for a clone of a clone. */
function cloneName(name: string, store: ContainerStore): string {
  const at = name.indexOf('-clone');
  if (at < 0) return `${name}-clone`;
  const base = name.slice(0, at + 6);
  const taken = (n: string) => { try { store.resolve(n); return true; } catch { return false; } };
  let n = Number(name.slice(at + 6)) || 0;
  while (taken(`${base}${++n}`));
  return `${base}${n}`;
}
