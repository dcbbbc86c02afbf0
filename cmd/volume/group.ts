// `tspod volume VERB`.
import type { CommandGroup } from '../types.ts';
import { volumeCreateCommand } from './create.ts';
import { volumeLsCommand } from './ls.ts';
import { volumeInspectCommand } from './inspect.ts';
import { volumeRmCommand } from './rm.ts';
import { volumePruneCommand } from './prune.ts';
import { volumeExistsCommand } from './exists.ts';

export function volumeGroup(): CommandGroup {
  return {
    command: 'volume',
    describe: 'Manage volumes',
    subcommands: () => [volumeCreateCommand(), volumeLsCommand(), volumeInspectCommand(), volumeRmCommand(), volumePruneCommand(), volumeExistsCommand()],
  };
}
