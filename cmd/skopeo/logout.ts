// skopeo logout: `tspod logout` (cmd/registry/logout.ts) with skopeo's exit statuses.
import type { CommandModule } from '../types.ts';
import { logoutCommand as registryLogout, type LogoutOptions } from '../registry/logout.ts';
import { skopeoAction, type SkopeoGlobalOptions } from './shared.ts';

export function logoutCommand(): CommandModule<LogoutOptions & SkopeoGlobalOptions> {
  const base = registryLogout();
  return {
    ...base,
    describe: 'Logout of a container registry',
    // skopeo's logout takes --tls-verify too (it changes nothing: logging out contacts no registry)
    builder: (y) => base.builder(y).option('tls-verify', { type: 'boolean', describe: 'require HTTPS and verify certificates when accessing the registry' }),
    handler: (opts, io) => skopeoAction(opts, async () => base.handler(opts, io)),
  };
}
