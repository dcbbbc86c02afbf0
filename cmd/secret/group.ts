// `tspod secret VERB` (podman-secret(1)): secrets of the file driver, used by run/create --secret.
import type { CommandGroup } from '../types.ts';
import { secretCreateCommand } from './create.ts';
import { secretLsCommand } from './ls.ts';
import { secretInspectCommand } from './inspect.ts';
import { secretRmCommand } from './rm.ts';

export function secretGroup(): CommandGroup {
  return {
    command: 'secret',
    describe: 'Manage secrets',
    subcommands: () => [secretCreateCommand(), secretLsCommand(), secretInspectCommand(), secretRmCommand()],
  };
}
