import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';
import { matchFilter } from './ps.ts';

export function pruneCommand(): CommandModule<{ force?: boolean; filter?: string | string[] }> {
  return {
    command: 'prune',
    describe: 'Remove all non running containers',
    builder: (y) => y
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
      .option('filter', { type: 'string', describe: 'Provide filter values (e.g. \'label=<key>=<value>\')' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const list = (await engine.list()).filter((c) => c.state.status === 'exited' || c.state.status === 'created')
        .filter((c) => ([] as string[]).concat(o.filter ?? []).every((f) => matchFilter(c, f)));
      for (const c of list) {
        try {
          await engine.remove(c.config.id, {});
          io.stdout.write(`${c.config.id}\n`);
        } catch (err) {
          io.stderr.write(`Error: ${(err as Error).message}\n`);
        }
      }
      return 0;
    },
  };
}
