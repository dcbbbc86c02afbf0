// conmon's exit command: runs after the container ended, with tspod itself possibly long gone.
import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';

interface CleanupOptions { names?: string[]; rm?: boolean }

export function cleanupCommand(): CommandModule<CleanupOptions> {
  return {
    command: 'cleanup [names..]',
    describe: 'Clean up network and mountpoints of one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true }).option('rm', { type: 'boolean', describe: 'After cleanup, remove the container entirely' }),
    handler: async (o) => {
      const engine = await openEngine(o);
      for (const n of o.names ?? []) await engine.cleanup(n, { rm: o.rm });
      return 0;
    },
  };
}
