// `tspod image VERB` and the top-level image-store verbs (tspod images, tag, untag, rmi, history).
// Other image verbs (pull, push, save, load, ...) are added to imageSubcommands() by their owners.
import type { CommandGroup, CommandModule } from '../types.ts';
import { listCommand } from './list.ts';
import { tagCommand } from './tag.ts';
import { untagCommand } from './untag.ts';
import { rmCommand } from './rm.ts';
import { inspectCommand } from './inspect.ts';
import { historyCommand } from './history.ts';
import { existsCommand } from './exists.ts';
import { pruneCommand } from './prune.ts';
import { transferCommands } from './transfer-commands.ts';
import { imageCopyCommand } from './copy.ts';

export function imageSubcommands(): CommandModule<any>[] {
  return [listCommand('ls'), tagCommand(), untagCommand(), rmCommand('rm'), inspectCommand(), historyCommand(), existsCommand(), pruneCommand(), ...transferCommands(), imageCopyCommand()];
}

export function imageTopLevelCommands(): CommandModule<any>[] {
  return [listCommand('images'), tagCommand(), untagCommand(), rmCommand('rmi'), historyCommand(), ...transferCommands()];
}

export function imageGroup(): CommandGroup {
  return { command: 'image', describe: 'Manage images', subcommands: imageSubcommands };
}
