// `tspod manifest VERB`.
import type { CommandGroup } from '../types.ts';
import { manifestInspectCommand } from './inspect.ts';

export function manifestGroup(): CommandGroup {
  return { command: 'manifest', describe: 'Manipulate manifest lists', subcommands: () => [manifestInspectCommand()] };
}
