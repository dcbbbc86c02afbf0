// Registry verbs: tspod login, logout, search (top level, as podman).
import type { CommandModule } from '../types.ts';
import { loginCommand } from './login.ts';
import { logoutCommand } from './logout.ts';
import { searchCommand } from './search.ts';

export function registryTopLevelCommands(): CommandModule<any>[] {
  return [loginCommand(), logoutCommand(), searchCommand()];
}
