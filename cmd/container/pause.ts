import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';

interface PauseOptions { names?: string[]; all?: boolean; latest?: boolean }

function pauseLike(verb: 'pause' | 'unpause'): CommandModule<PauseOptions> {
  const resume = verb === 'unpause';
  return {
    command: `${verb} [names..]`,
    describe: resume ? 'Unpause the processes in one or more containers' : 'Pause all the processes in one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: `${resume ? 'Unpause' : 'Pause'} all containers` })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const targets = await selectTargets(engine, o, o.all ? (s) => s === (resume ? 'paused' : 'running') : undefined);
      return eachTarget(targets, io, async (ref) => { await engine.pause(ref, resume); return ref; });
    },
  };
}

export const pauseCommand = () => pauseLike('pause');
export const unpauseCommand = () => pauseLike('unpause');
