import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';

interface WaitOptions { names?: string[]; condition?: string | string[]; latest?: boolean; ignore?: boolean }

export function waitCommand(): CommandModule<WaitOptions> {
  return {
    command: 'wait [names..]',
    describe: 'Block on one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('condition', { type: 'string', describe: 'Condition to wait on', default: 'stopped' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' })
      .option('ignore', { type: 'boolean', describe: 'Ignore if a container does not exist' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const targets = await selectTargets(engine, o);
      return eachTarget(targets, io, async (ref) => {
        try {
          return String(await engine.wait(ref, ([] as string[]).concat(o.condition ?? 'stopped')));
        } catch (err) {
          if (o.ignore && (err as { code?: string }).code === 'NO_SUCH_CONTAINER') return '-1';
          throw err;
        }
      });
    },
  };
}
