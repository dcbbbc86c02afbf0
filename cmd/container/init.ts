import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';

interface InitOptions { names?: string[]; all?: boolean; latest?: boolean }

/** podman init: everything start does before the process runs (rootfs, network, `runtime create`); ps then says Initialized. */
export function initCommand(): CommandModule<InitOptions> {
  return {
    command: 'init [names..]',
    describe: 'Initialize one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('all', { alias: 'a', type: 'boolean', describe: 'Initialize all containers' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      // --all: the ones that can be (podman skips the others without an error)
      const targets = await selectTargets(engine, o, o.all ? (s) => s === 'created' || s === 'exited' : undefined);
      return eachTarget(targets, io, async (ref) => {
        await engine.initialize(ref);
        return ref;
      });
    },
  };
}
