// `tspod skopeo VERB`: skopeo's CLI, so that `alias skopeo='tspod skopeo'` runs skopeo scripts.
// The group's builder takes skopeo's global flags, accepted before or after the verb.
import type { CommandGroup, CommandModule } from '../types.ts';
import { skopeoGlobalOptions } from './shared.ts';
import { copyCommand } from './copy.ts';
import { inspectCommand } from './inspect.ts';
import { listTagsCommand } from './list-tags.ts';
import { syncCommand } from './sync.ts';
import { deleteCommand } from './delete.ts';
import { manifestDigestCommand } from './manifest-digest.ts';
import { standaloneSignCommand } from './standalone-sign.ts';
import { standaloneVerifyCommand } from './standalone-verify.ts';
import { generateSigstoreKeyCommand } from './generate-sigstore-key.ts';
import { loginCommand } from './login.ts';
import { logoutCommand } from './logout.ts';
import { VERSION } from '../system/version.ts';

export function skopeoSubcommands(): CommandModule<any>[] {
  return [
    copyCommand(),
    inspectCommand(),
    listTagsCommand(),
    syncCommand(),
    deleteCommand(),
    manifestDigestCommand(),
    standaloneSignCommand(),
    standaloneVerifyCommand(),
    generateSigstoreKeyCommand(),
    loginCommand(),
    logoutCommand(),
  ];
}

/** `skopeo --version`: the skopeo release whose CLI this mirrors, with tspod's own version as build
 *  metadata (semver: it does not change how version checks compare). */
export function skopeoVersionLine(): string {
  return `skopeo version 1.9.3+tspod.${VERSION}\n`;
}

export function skopeoGroup(): CommandGroup {
  return {
    command: 'skopeo',
    describe: 'Work with images and registries as skopeo does (copy, inspect, sync, sign, ...)',
    builder: skopeoGlobalOptions,
    subcommands: skopeoSubcommands,
  };
}
