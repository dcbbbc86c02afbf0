// The image verbs that move images in and out of the store (helper 5): pull, push, save, load.
import type { CommandModule } from '../types.ts';
import { pullCommand } from './pull.ts';
import { pushCommand } from './push.ts';
import { saveCommand } from './save.ts';
import { loadCommand } from './load.ts';

export function transferCommands(): CommandModule<any>[] {
  return [pullCommand(), pushCommand(), saveCommand(), loadCommand()];
}
