// The shape every command module has. Handlers see typed options and an Io, never yargs
// (skopeo's commandAction idea): that keeps them callable from tests and from other commands.
import type { Argv } from 'yargs';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Global options every command receives (cmd/shared/global.ts defines them). */
export interface GlobalOptions {
  root?: string;
  runroot?: string;
  storageDriver?: string;
  logLevel: string;
  runtime?: string;
  conmon?: string;
  cgroupManager?: string;
  tmpdir?: string;
  /** Repeatable: every --storage-opt / --runtime-flag / --hooks-dir given, in order. */
  storageOpt?: string[];
  runtimeFlag?: string[];
  hooksDir?: string[];
  eventsBackend?: string;
  networkCmdPath?: string;
  noout?: boolean;
}

/** A handler returns the process exit status (default 0). */
export type Handler<O> = (opts: O & GlobalOptions, io: Io) => Promise<number | void>;

export interface CommandModule<O = Record<string, unknown>> {
  command: string | string[];
  aliases?: string[];
  describe: string;
  builder: (y: Argv) => Argv;
  handler: Handler<O>;
}

/** Sub-command groups (tspod image ..., tspod container ...). */
export interface CommandGroup {
  command: string;
  aliases?: string[];
  describe: string;
  subcommands: () => CommandModule<any>[];
  /** Options every subcommand takes, accepted before the verb too (`tspod skopeo --policy P copy`). */
  builder?: (y: Argv) => Argv;
}
