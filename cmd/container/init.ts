import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { eachTarget, selectTargets } from './targets.ts';
import { TspodError } from '../../lib/errors.ts';

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
      // --all: every container, oldest first, each printed; one already initialized or running is no error (podman 4.3)
      const targets = o.all ? (await selectTargets(engine, o)).reverse() : await selectTargets(engine, o);
      return eachTarget(targets, io, async (ref) => {
        await engine.initialize(ref).catch((err) => {
          if (!o.all || !(err instanceof TspodError) || err.code !== 'STATE_IMPROPER') throw err;
        });
        return ref;
      });
    },
  };
}
