import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';

export function renameCommand(): CommandModule<{ container: string; name: string }> {
  return {
    command: 'rename <container> <name>',
    describe: 'Rename an existing container',
    builder: (y) => y.positional('container', { type: 'string' }).positional('name', { type: 'string' }),
    handler: async (o) => {
      const engine = await openEngine(o);
      await engine.rename(o.container, o.name);
      return 0;
    },
  };
}
