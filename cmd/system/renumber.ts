// tspod system renumber (podman-system-renumber(1)): podman reassigns its shared-memory lock numbers.
// tspod locks each container with a file of its own (no numbered locks), so there is nothing to
// renumber: like podman on a store that needs nothing, it prints nothing and exits 0.
import type { CommandModule } from '../types.ts';

export function systemRenumberCommand(): CommandModule {
  return {
    command: 'renumber',
    describe: 'Migrate lock numbers',
    builder: (y) => y.example('$0 system renumber', ''),
    handler: async () => 0,
  };
}
