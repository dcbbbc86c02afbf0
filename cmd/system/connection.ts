// tspod system connection (podman-system-connection(1)): podman's remote destinations for its API
// service. tspod is daemonless and has no remote client, so every subcommand is a clear error (125).
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';

export function systemConnectionCommand(): CommandModule<{ words?: string[] }> {
  return {
    command: 'connection [words..]',
    describe: 'Manage remote API service destinations (not supported by tspod)',
    builder: (y) => y.positional('words', { type: 'string', array: true }).strictOptions(false),
    handler: async () => {
      throw new TspodError('UNSUPPORTED', 'system connection: remote connections are not supported by tspod: it has no API service and no remote client, run tspod on the host itself');
    },
  };
}
