// tspod volume exists (podman-volume-exists(1)): exit 0 when the volume exists, 1 when not.
import type { CommandModule } from '../types.ts';
import { graphRootOf } from './shared.ts';

interface ExistsOptions { name: string }

export function volumeExistsCommand(): CommandModule<ExistsOptions> {
  return {
    command: 'exists <name>',
    describe: 'Check if the given volume exists',
    builder: (y) => y.positional('name', { type: 'string', describe: 'Volume name' }).example('$0 volume exists myvol', ''),
    handler: async (o) => {
      const { graphRoot } = await graphRootOf(o);
      const { volumeExists } = await import('../../lib/volumes/index.ts');
      return (await volumeExists(o.name, graphRoot)) ? 0 : 1;
    },
  };
}
