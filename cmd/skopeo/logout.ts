// skopeo logout: remove stored credentials for a registry (or all of them).
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { SystemContext } from '../../lib/transports/types.ts';
import { positionals, skopeoAction, type SkopeoGlobalOptions } from './shared.ts';

export interface LogoutOptions extends SkopeoGlobalOptions {
  registry?: string;
  all?: boolean;
  authfile?: string;
}

export function logoutCommand(): CommandModule<LogoutOptions> {
  return {
    command: 'logout [registry]',
    describe: 'Logout of a container registry',
    builder: (y0) =>
      positionals(y0, 'registry')
        .option('all', { alias: 'a', type: 'boolean', describe: 'Remove the cached credentials for all registries in the auth file' })
        .option('authfile', { type: 'string', describe: 'path of the authentication file' })
        .example('$0 skopeo logout registry.example.com', ''),
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        const auth = await import('../../lib/config/auth.ts');
        const ctx: SystemContext = { authFile: opts.authfile ?? io.env.REGISTRY_AUTH_FILE };
        if (opts.all) {
          if (opts.registry) throw new TspodError('INVALID_ARGUMENT', '--all takes no registry argument');
          await auth.removeAllCredentials(ctx);
          io.stdout.write('Removed login credentials for all registries\n');
          return 0;
        }
        if (!opts.registry) throw new TspodError('INVALID_ARGUMENT', 'registry must be given');
        const key = opts.registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
        await auth.removeCredentials(key, ctx);
        io.stdout.write(`Removed login credentials for ${key}\n`);
        return 0;
      }),
  };
}
