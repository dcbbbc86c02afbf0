// The list of commands. main.ts builds the CLI from this list: no registration by import side effect.
// Command modules are cheap to import; each handler loads the heavy library code it needs lazily.
import type { CommandGroup, CommandModule } from './types.ts';
import { versionCommand } from './system/version.ts';
import { unshareCommand } from './system/unshare.ts';
import { infoCommand } from './system/info.ts';
import { skopeoGroup } from './skopeo/group.ts';
import { containerGroup, containerTopLevelCommands } from './container/group.ts';
import { imageGroup, imageTopLevelCommands } from './image/group.ts';
import { manifestGroup } from './manifest/group.ts';
import { volumeGroup } from './volume/group.ts';
import { secretGroup } from './secret/group.ts';
import { networkGroup } from './network/group.ts';
import { healthcheckGroup } from './healthcheck/group.ts';
import { systemGroup } from './system/group.ts';
import { registryTopLevelCommands } from './registry/group.ts';

/** Top-level verbs (tspod version, tspod pull, ...). */
export function topLevelCommands(): CommandModule<any>[] {
  return [versionCommand(), infoCommand(), unshareCommand(), ...containerTopLevelCommands(), ...imageTopLevelCommands(), ...registryTopLevelCommands()];
}

/** Groups (tspod image ls, tspod container ps, ...). */
export function commandGroups(): CommandGroup[] {
  return [skopeoGroup(), containerGroup(), imageGroup(), manifestGroup(), volumeGroup(), secretGroup(), networkGroup(), healthcheckGroup(), systemGroup()];
}
