// `tspod container VERB` and the top-level container verbs (tspod run, tspod ps, ...), one module each.
import type { CommandGroup, CommandModule } from '../types.ts';
import { runCommand } from './run.ts';
import { createCommand } from './create.ts';
import { startCommand } from './start.ts';
import { stopCommand } from './stop.ts';
import { killCommand } from './kill.ts';
import { rmCommand } from './rm.ts';
import { psCommand } from './ps.ts';
import { logsCommand } from './logs.ts';
import { waitCommand } from './wait.ts';
import { inspectCommand, containerInspectCommand } from './inspect.ts';
import { execCommand } from './exec.ts';
import { restartCommand } from './restart.ts';
import { cleanupCommand } from './cleanup.ts';
import { pauseCommand, unpauseCommand } from './pause.ts';
import { existsCommand } from './exists.ts';
import { pruneCommand } from './prune.ts';
import { renameCommand } from './rename.ts';
import { portCommand } from './port.ts';
import { attachCommand } from './attach.ts';
import { exportCommand } from './export.ts';
import { cpCommand } from './cp.ts';
import { diffCommand } from './diff.ts';
import { commitCommand } from './commit.ts';
import { importCommand } from './import.ts';
import { topCommand } from './top.ts';
import { statsCommand } from './stats.ts';
import { initCommand } from './init.ts';
import { mountCommand } from './mount.ts';
import { umountCommand } from './umount.ts';
import { cloneCommand } from './clone.ts';
import { runlabelCommand } from './runlabel.ts';
import { eventsCommand } from './events.ts';

const shared = (): CommandModule<any>[] => [runCommand(), createCommand(), startCommand(), stopCommand(), killCommand(), rmCommand(),
  logsCommand(), waitCommand(), execCommand(), restartCommand(), pauseCommand(), unpauseCommand(),
  renameCommand(), portCommand(), attachCommand(), exportCommand(), cpCommand(), commitCommand(), topCommand(), statsCommand(),
  initCommand(), mountCommand(), umountCommand()];

/** `tspod import` (podman has it top-level and under image). */
export function importTopLevel(): CommandModule<any> {
  return importCommand();
}

export function containerTopLevelCommands(): CommandModule<any>[] {
  return [...shared(), psCommand(), inspectCommand(), diffCommand(), importCommand(), eventsCommand()];
}

/** `tspod diff` is container diff here (podman also diffs images with it). */
export function containerDiffCommand(): CommandModule<any> {
  return diffCommand();
}

export function containerGroup(): CommandGroup {
  return {
    command: 'container',
    describe: 'Manage containers',
    subcommands: () => [...shared(), psCommand(), containerInspectCommand(), cleanupCommand(), existsCommand(), pruneCommand(), diffCommand(), cloneCommand(), runlabelCommand()],
  };
}
