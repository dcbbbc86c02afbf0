// skopeo login: `tspod login` (cmd/registry/login.ts) with skopeo's exit statuses.
import type { CommandModule } from '../types.ts';
import { loginCommand as registryLogin, type LoginOptions } from '../registry/login.ts';
import { skopeoAction, type SkopeoGlobalOptions } from './shared.ts';

export function loginCommand(): CommandModule<LoginOptions & SkopeoGlobalOptions> {
  const base = registryLogin();
  return {
    ...base,
    describe: 'Login to a container registry',
    handler: (opts, io) => skopeoAction(opts, async () => base.handler(opts, io)),
  };
}
