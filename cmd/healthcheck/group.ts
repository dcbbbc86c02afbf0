// `tspod healthcheck VERB`.
import type { CommandGroup } from '../types.ts';
import { healthcheckRunCommand } from './run.ts';

export function healthcheckGroup(): CommandGroup {
  return {
    command: 'healthcheck',
    describe: 'Manage health checks on containers',
    subcommands: () => [healthcheckRunCommand()],
  };
}
