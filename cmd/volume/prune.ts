// tspod volume prune (podman-volume-prune(1)): remove every volume no container uses.
import type { CommandModule } from '../types.ts';
import { confirm } from '../shared/confirm.ts';
import { graphRootOf } from './shared.ts';

interface PruneOptions { filter?: string[]; force?: boolean }

export function volumePruneCommand(): CommandModule<PruneOptions> {
  return {
    command: 'prune',
    describe: 'Remove all unused volumes',
    builder: (y) => y
      .option('filter', { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'label=<key>=<value>')" })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
      .example('$0 volume prune --force', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o);
      const { pruneVolumes, pruneCandidates, parseFilters } = await import('../../lib/volumes/index.ts');
      const filters = parseFilters(o.filter);
      if (!o.force) {
        const list = (await pruneCandidates({ graphRoot, filters })).map((v) => `${v.name}\n`).join('');
        const ok = await confirm(io, `WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n${list}Are you sure you want to continue? [y/N] `);
        if (!ok) return 0;
      }
      for (const name of await pruneVolumes({ graphRoot, filters })) io.stdout.write(`${name}\n`);
      return 0;
    },
  };
}
