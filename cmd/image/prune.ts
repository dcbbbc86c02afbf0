// tspod image prune (podman-image-prune(1)): remove dangling images (-a: every image no container uses).
import type { CommandModule } from '../types.ts';
import { confirm } from '../shared/confirm.ts';
import { openImageStore } from './shared.ts';

interface PruneOptions { all?: boolean; force?: boolean; filter?: string | string[]; external?: boolean }

export function pruneCommand(): CommandModule<PruneOptions> {
  return {
    command: 'prune',
    describe: 'Remove unused images',
    builder: (y) => y
      .option('all', { alias: 'a', type: 'boolean', describe: 'Remove all images not in use by containers, not just dangling ones' })
      .option('external', { type: 'boolean', describe: 'Remove images even when they are used by external containers (e.g., by build containers)' })
      .option('filter', { type: 'string', describe: "Provide filter values (e.g. 'label=<key>=<value>')" })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
      .example('$0 image prune -a -f', ''),
    handler: async (opts, io) => {
      if (!opts.force) {
        const what = opts.all
          ? 'WARNING! This command removes all images without at least one container associated with them.'
          : 'WARNING! This command removes all dangling images.';
        if (!(await confirm(io, `${what}\nAre you sure you want to continue? [y/N] `))) return 0;
      }
      const store = await openImageStore(opts);
      const { pruneImages } = await import('../../lib/storage/prune.ts');
      const { errors } = await pruneImages(store, {
        all: opts.all, filters: ([] as string[]).concat(opts.filter ?? []), onRemoved: (rec) => io.stdout.write(`${rec.id}\n`),
      });
      if (errors.length) throw errors[0];
      return 0;
    },
  };
}
