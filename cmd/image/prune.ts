// tspod image prune (podman-image-prune(1)): remove dangling images (-a: every image no container uses).
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { confirm, openImageStore } from './shared.ts';

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
      const { compileFilters } = await import('../../lib/storage/report.ts');
      const images = await store.listImages();
      const match = await compileFilters(([] as string[]).concat(opts.filter ?? []), {
        store, images, containersOf: (id) => store.containersUsing(id).length, config: (id) => store.imageConfig(id),
      });
      const errors: TspodError[] = [];
      for (const rec of images) {
        if (!opts.all && rec.names.length) continue;
        if (store.containersUsing(rec.id).length) continue;
        if (!(await match(rec))) continue;
        try {
          await store.removeImage(rec.id);
          io.stdout.write(`${rec.id}\n`);
        } catch (err) {
          if (err instanceof TspodError) errors.push(err);
          else throw err;
        }
      }
      await store.collectGarbage();
      if (errors.length) throw errors[0];
      return 0;
    },
  };
}
