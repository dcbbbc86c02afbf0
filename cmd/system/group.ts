// `tspod system VERB`.
import type { CommandGroup } from '../types.ts';
import { systemConnectionCommand } from './connection.ts';
import { dfCommand } from './df.ts';
import { infoCommand } from './info.ts';
import { systemMigrateCommand } from './migrate.ts';
import { systemPruneCommand } from './prune.ts';
import { systemRenumberCommand } from './renumber.ts';
import { systemResetCommand } from './reset.ts';
import { systemServiceCommand } from './service.ts';

export function systemGroup(): CommandGroup {
  return {
    command: 'system',
    describe: 'Manage tspod',
    subcommands: () => [systemConnectionCommand(), dfCommand(), infoCommand(), systemMigrateCommand(), systemPruneCommand(), systemRenumberCommand(), systemResetCommand(), systemServiceCommand()],
  };
}
