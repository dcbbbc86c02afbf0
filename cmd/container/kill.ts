import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';

interface KillOptions { names?: string[]; signal: string; all?: boolean; latest?: boolean }

export function killCommand(): CommandModule<KillOptions> {
  return {
    command: 'kill [names..]',
    describe: 'Kill one or more running containers with a specific signal',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'Signal to send to the container' })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Signal all running containers' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const { parseSignal } = await import('../../lib/containers/engine.ts');
      parseSignal(o.signal);
      const targets = await selectTargets(engine, o, o.all ? (s) => s === 'running' || s === 'paused' : undefined);
      return eachTarget(targets, io, async (ref) => { await engine.kill(ref, o.signal); return ref; });
    },
  };
}
