import type { CommandModule } from '../types.ts';
import type { Container } from '../../lib/containers/types.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';
import { openEngine } from './shared.ts';
import { matchFilter } from './ps.ts';

/** Remove every stopped (exited or created) container that matches; shared with `system prune`. */
export async function pruneContainers(engine: ContainerEngine, match: (c: Container) => boolean, onRemoved: (c: Container) => void, onError: (err: Error) => void): Promise<void> {
  const list = (await engine.list()).filter((c) => c.state.status === 'exited' || c.state.status === 'created' || c.state.status === 'initialized').filter(match);
  for (const c of list) {
    try {
      await engine.remove(c.config.id, {});
      onRemoved(c);
    } catch (err) {
      onError(err as Error);
    }
  }
}

export function pruneCommand(): CommandModule<{ force?: boolean; filter?: string | string[] }> {
  return {
    command: 'prune',
    describe: 'Remove all non running containers',
    builder: (y) => y
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
      .option('filter', { type: 'string', describe: 'Provide filter values (e.g. \'label=<key>=<value>\')' }),
    handler: async (o, io) => {
      if (!o.force) {
        const { confirm } = await import('../shared/confirm.ts');
        if (!(await confirm(io, 'WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] '))) return 0;
      }
      const engine = await openEngine(o);
      await pruneContainers(engine, (c) => ([] as string[]).concat(o.filter ?? []).every((f) => matchFilter(c, f)),
        (c) => io.stdout.write(`${c.config.id}\n`), (err) => io.stderr.write(`Error: ${err.message}\n`));
      return 0;
    },
  };
}
