import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';

export function existsCommand(): CommandModule<{ name: string }> {
  return {
    command: 'exists <name>',
    describe: 'Check if a container exists in local storage',
    builder: (y) => y.positional('name', { type: 'string' }),
    handler: async (o) => {
      const engine = await openEngine(o);
      try {
        engine.store.resolve(o.name);
        return 0;
      } catch (err) {
        if ((err as { code?: string }).code === 'NO_SUCH_CONTAINER') return 1;
        throw err;
      }
    },
  };
}
