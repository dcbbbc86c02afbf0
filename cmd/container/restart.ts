import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';

interface RestartOptions { names?: string[]; time?: number; all?: boolean; latest?: boolean; running?: boolean }

export function restartCommand(): CommandModule<RestartOptions> {
  return {
    command: 'restart [names..]',
    describe: 'Restart one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('time', { alias: 't', type: 'number', describe: 'Seconds to wait for stop before killing the container' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Restart all non-running containers' })
      .option('running', { type: 'boolean', describe: 'Restart only running containers' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const targets = await selectTargets(engine, o, o.running ? (s) => s === 'running' : undefined);
      return eachTarget(targets, io, async (ref) => {
        await engine.stop(ref, o.time);
        const c = await engine.start(ref);
        engine.event('restart', c.config);
        return ref;
      });
    },
  };
}
