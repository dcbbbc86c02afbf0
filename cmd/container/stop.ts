import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';

interface StopOptions { names?: string[]; time?: number; all?: boolean; latest?: boolean; ignore?: boolean }

export function stopCommand(): CommandModule<StopOptions> {
  return {
    command: 'stop [names..]',
    describe: 'Stop one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('time', { alias: 't', type: 'number', describe: 'Seconds to wait for stop before killing the container' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Stop all running containers' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' })
      .option('ignore', { alias: 'i', type: 'boolean', describe: 'Ignore errors when a specified container is missing' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const targets = await selectTargets(engine, o, o.all ? (s) => s === 'running' || s === 'paused' : undefined);
      // stop containers in parallel, as podman does; output in the given order
      const results = await Promise.all(targets.map((t) => engine.stop(t, o.time).then(() => undefined, (e: unknown) => e)));
      return eachTarget(targets, io, async (ref) => {
        const err = results[targets.indexOf(ref)];
        if (err) {
          if (o.ignore && (err as { code?: string }).code === 'NO_SUCH_CONTAINER') return undefined;
          throw err;
        }
        return ref;
      });
    },
  };
}
