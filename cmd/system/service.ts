// tspod system service (podman-system-service(1)): podman's REST API service. tspod is daemonless and
// serves no API, so this is a clear error (125) whatever the options.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';

export function systemServiceCommand(): CommandModule<{ words?: string[] }> {
  return {
    command: 'service [words..]',
    describe: 'Run API service (not supported by tspod)',
    builder: (y) => y.positional('words', { type: 'string', array: true }).strictOptions(false),
    handler: async () => {
      throw new TspodError('UNSUPPORTED', 'system service: the API service is not supported by tspod: it is daemonless, each command runs on its own');
    },
  };
}
