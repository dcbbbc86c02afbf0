// tspod network exists (podman-network-exists(1)): exit 0 when the network exists, 1 when not.
import type { CommandModule } from '../types.ts';
import { graphRootOf } from '../volume/shared.ts';

interface ExistsOptions { name: string }

export function networkExistsCommand(): CommandModule<ExistsOptions> {
  return {
    command: 'exists <name>',
    describe: 'Check if network exists',
    builder: (y) => y.positional('name', { type: 'string', describe: 'Network name or ID' }).example('$0 network exists mynet', ''),
    handler: async (o) => {
      const { graphRoot } = await graphRootOf(o);
      const { networkExists } = await import('../../lib/netns/networks.ts');
      return (await networkExists(graphRoot, o.name)) ? 0 : 1;
    },
  };
}
