// tspod network prune (podman-network-prune(1)): remove networks no container uses (never the default).
import type { CommandModule } from '../types.ts';
import { confirm } from '../shared/confirm.ts';
import { graphRootOf } from '../volume/shared.ts';
import { defaultNetworkName, filterNetworks, networkUsers } from './shared.ts';

interface PruneOptions { filter?: string[]; force?: boolean }

/** Remove the networks (matching filters) no container uses, never the default; shared with `system prune`. */
export async function pruneNetworks(graphRoot: string, filters: string[] | undefined, onRemoved: (name: string) => void): Promise<void> {
  const { listNetworks, removeNetworkFile, networksLock } = await import('../../lib/netns/networks.ts');
  const { withLock } = await import('../../lib/lock/index.ts');
  const def = await defaultNetworkName();
  const nets = await filterNetworks(graphRoot, await listNetworks(graphRoot), filters, def);
  for (const n of nets) {
    if (n.name === def || (await networkUsers(graphRoot, n, def)).length) continue;
    await withLock(networksLock(graphRoot), () => removeNetworkFile(graphRoot, n.name));
    onRemoved(n.name);
  }
}

export function networkPruneCommand(): CommandModule<PruneOptions> {
  return {
    command: 'prune',
    describe: 'Prune unused networks',
    builder: (y) => y
      .option('filter', { type: 'string', array: true, nargs: 1, describe: "Provide filter values (e.g. 'label=<key>=<value>')" })
      .option('force', { alias: 'f', type: 'boolean', describe: 'Do not prompt for confirmation' })
      .example('$0 network prune -f', ''),
    handler: async (o, io) => {
      const { graphRoot } = await graphRootOf(o);
      if (!o.force && !(await confirm(io, 'WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] '))) return 0;
      await pruneNetworks(graphRoot, o.filter, (name) => io.stdout.write(`${name}\n`));
      return 0;
    },
  };
}
