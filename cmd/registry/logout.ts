// tspod logout: podman-logout(1). Removes stored credentials for a registry (or all of them).
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import { authfileOption, loginKey, registryContext, type AuthFileOptions } from './shared.ts';

export interface LogoutOptions extends AuthFileOptions {
  registry?: string;
  all?: boolean;
}

export function logoutCommand(): CommandModule<LogoutOptions> {
  return {
    command: 'logout [registry]',
    describe: 'Log out of a container registry',
    builder: (y) =>
      authfileOption(y)
        .positional('registry', { type: 'string', describe: 'registry (or registry/namespace) to log out of' })
        .option('all', { alias: 'a', type: 'boolean', describe: 'Remove the cached credentials for all registries in the auth file' })
        .example('$0 logout quay.io', '')
        .example('$0 logout --authfile dir/auth.json quay.io', '')
        .example('$0 logout --all', ''),
    handler: async (opts, io) => {
      const ctx = registryContext(opts, io);
      const auth = await import('../../lib/config/auth.ts');
      if (opts.all) {
        if (opts.registry) throw new TspodError('INVALID_ARGUMENT', '--all takes no arguments');
        await auth.removeAllCredentials(ctx);
        io.stdout.write('Removed login credentials for all registries\n');
        return 0;
      }
      const key = await loginKey(opts.registry, ctx);
      try {
        await auth.removeCredentials(key, ctx);
      } catch (err) {
        if ((err as TspodError).code !== 'NOT_LOGGED_IN') throw err;
        const elsewhere = auth.credentialsElsewhere(key, ctx);
        if (elsewhere) {
          throw new TspodError('NOT_LOGGED_IN', `not logged into ${key} with current tool. Existing credentials were established via docker login. Please use docker logout instead`);
        }
        throw err;
      }
      io.stdout.write(`Removed login credentials for ${key}\n`);
      return 0;
    },
  };
}
