// `tspod network VERB`.
import type { CommandGroup } from '../types.ts';
import { networkCreateCommand } from './create.ts';
import { networkLsCommand } from './ls.ts';
import { networkInspectCommand } from './inspect.ts';
import { networkRmCommand } from './rm.ts';
import { networkPruneCommand } from './prune.ts';
import { networkExistsCommand } from './exists.ts';
import { networkConnectCommand, networkDisconnectCommand } from './connect.ts';

export function networkGroup(): CommandGroup {
  return {
    command: 'network',
    describe: 'Manage networks',
    subcommands: () => [networkCreateCommand(), networkLsCommand(), networkInspectCommand(), networkRmCommand(), networkPruneCommand(), networkExistsCommand(),
      networkConnectCommand(), networkDisconnectCommand()],
  };
}
