import type { CommandModule } from '../types.ts';
import { formatOutput } from '../shared/format.ts';
import { goArch } from '../../lib/oci/platform.ts';

interface VersionOptions { format?: string }

export const VERSION = '0.1.0';
export const API_VERSION = '5.0.0';

/** podman's version record (define.Version), shown by `version` and in `info`. */
export function clientVersion() {
  return {
    APIVersion: API_VERSION,
    Version: VERSION,
    GoVersion: process.version,
    GitCommit: '',
    BuiltTime: '',
    Built: 0,
    OsArch: `linux/${goArch()}`,
    Os: 'linux',
  };
}

export function versionCommand(): CommandModule<VersionOptions> {
  return {
    command: 'version',
    describe: 'Display the tspod version information',
    builder: (y) => y.option('format', { alias: 'f', type: 'string', describe: 'Change the output format to JSON or a Go template' }),
    handler: async (opts, io) => {
      const info = { Client: clientVersion() };
      if (opts.format) {
        io.stdout.write(await formatOutput(opts.format, info));
        return 0;
      }
      const c = info.Client;
      io.stdout.write(
        `Client:       tspod\nVersion:      ${c.Version}\nAPI Version:  ${c.APIVersion}\nNode Version: ${c.GoVersion}\nOS/Arch:      ${c.OsArch}\n`,
      );
      return 0;
    },
  };
}
