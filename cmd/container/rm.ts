import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';
import { TspodError } from '../../lib/errors.ts';

interface RmOptions { names?: string[]; force?: boolean; volumes?: boolean; all?: boolean; latest?: boolean; ignore?: boolean; time?: number; depend?: boolean }

export function rmCommand(): CommandModule<RmOptions> {
  return {
    command: 'rm [names..]',
    aliases: ['remove'],
    describe: 'Remove one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Force removal of a running or unusable container' })
      .option('volumes', { alias: 'v', type: 'boolean', describe: 'Remove anonymous volumes associated with the container' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all containers' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' })
      .option('ignore', { alias: 'i', type: 'boolean', describe: 'Ignore errors when a specified container is missing' })
      .option('depend', { type: 'boolean', describe: 'Remove container and all containers that depend on it' })
      .option('time', { alias: 't', type: 'number', describe: 'Seconds to wait for stop before killing the container (default: the container\'s stop timeout, 10)' }),
    handler: async (o, io) => {
      // podman 4.3: --time is a uint and only goes with --force; without it a running container is
      // stopped with its own stop timeout (--stop-timeout, default 10 s), then SIGKILL
      if (o.time !== undefined) {
        if (!Number.isInteger(o.time) || o.time < 0) throw new TspodError('USAGE', `invalid argument "${o.time}" for "-t, --time" flag: strconv.ParseUint: parsing "${o.time}": invalid syntax`);
        if (!o.force) throw new TspodError('USAGE', '--force option must be specified to use the --time option');
      }
      const engine = await openEngine(o);
      let targets = await selectTargets(engine, o);
      // --depend: the containers that join a target's namespaces go first, each printed by its ID (podman)
      if (o.depend) {
        const { removalOrder } = await import('../../lib/containers/namespaces.ts');
        const order: string[] = [];
        for (const ref of targets) {
          let id: string;
          try { id = engine.store.resolve(ref); } catch { order.push(ref); continue; }
          for (const x of removalOrder((d) => engine.store.containerDir(d), id)) if (!order.includes(x)) order.push(x);
        }
        targets = order;
      }
      let notFound = false;
      const code = await eachTarget(targets, io, async (ref) => {
        try {
          await engine.remove(ref, { force: o.force, volumes: o.volumes, timeout: o.time });
        } catch (err) {
          if ((err as { code?: string }).code === 'NO_SUCH_CONTAINER') {
            if (o.ignore) return undefined;
            notFound = true;
          }
          throw err;
        }
        return ref;
      });
      // podman: 1 when a container was not found, 2 when one was running
      return code === 0 ? 0 : notFound && code === 125 ? 1 : code;
    },
  };
}
