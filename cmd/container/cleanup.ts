// conmon's exit command: runs after the container ended, with tspod itself possibly long gone.
import type { CommandModule } from '../types.ts';
import { openEngine } from './shared.ts';

interface CleanupOptions { names?: string[]; rm?: boolean; rmi?: boolean }

export function cleanupCommand(): CommandModule<CleanupOptions> {
  return {
    command: 'cleanup [names..]',
    describe: 'Clean up network and mountpoints of one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true }).option('rm', { type: 'boolean', describe: 'After cleanup, remove the container entirely' })
      .option('rmi', { type: 'boolean', describe: 'After cleanup, remove the image entirely' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      for (const n of o.names ?? []) {
        const image = o.rmi ? (await engine.inspect(n).catch(() => undefined))?.config.removeImage : undefined;
        await engine.cleanup(n, { rm: o.rm });
        // only once the container is gone (a restart by policy keeps it, and its image)
        if (image && !(await engine.inspect(n).catch(() => undefined))) {
          const { removeImageAfterRun } = await import('./run.ts');
          await removeImageAfterRun(o as never, image, io);
        }
      }
      return 0;
    },
  };
}
