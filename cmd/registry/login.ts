// tspod login: podman-login(1). Verifies the credentials against the registry (through its token
// realm when it has one) before writing them to the auth file (0600, atomically, under a lock).
import type { CommandModule, GlobalOptions, Io } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { SystemContext } from '../../lib/transports/types.ts';
import { authfileOption, isInsecure, loginKey, registryContext, tlsOptions, type AuthFileOptions, type TlsOptions } from './shared.ts';
import { LineReader, promptLine, promptSecret } from './prompt.ts';

export interface LoginOptions extends AuthFileOptions, TlsOptions {
  registry?: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  getLogin?: boolean;
  verbose?: boolean;
}

/** Check credentials by talking to the registry; throws "logging into ..." / "authenticating creds for ...". */
export async function verifyLogin(key: string, username: string, password: string, ctx: SystemContext): Promise<void> {
  const host = key.split('/')[0];
  const { RegistryClient } = await import('../../lib/registry/client.ts');
  const client = new RegistryClient({ registry: host, insecure: await isInsecure(host, ctx), ctx: { ...ctx, credentials: { username, password } } });
  try {
    await client.checkAuth();
  } catch (err) {
    const e = err as TspodError & { status?: number };
    if (e.status === 401 || e.status === 403) throw new TspodError('UNAUTHORIZED', `logging into "${key}": invalid username/password`, { cause: err });
    throw new TspodError(e.code ?? 'REGISTRY', `authenticating creds for "${key}": ${e.message}`, { cause: err });
  } finally {
    await client.close();
  }
}

export function loginCommand(): CommandModule<LoginOptions> {
  return {
    command: 'login [registry]',
    describe: 'Log in to a container registry',
    builder: (y) =>
      tlsOptions(authfileOption(y))
        .positional('registry', { type: 'string', describe: 'registry (or registry/namespace) to log in to' })
        .option('username', { alias: 'u', type: 'string', describe: 'Username for registry' })
        .option('password', { alias: 'p', type: 'string', describe: 'Password for registry' })
        .option('password-stdin', { type: 'boolean', describe: 'Take the password from stdin' })
        .option('get-login', { type: 'boolean', describe: 'Return the current login user for the registry' })
        .option('verbose', { alias: 'v', type: 'boolean', describe: 'Write more detailed information to stdout' })
        .example('$0 login quay.io', '')
        .example('$0 login --username ... --password ... quay.io', '')
        .example('$0 login --authfile dir/auth.json quay.io', ''),
    handler: async (opts, io) => login(opts, io),
  };
}

async function login(opts: LoginOptions & GlobalOptions, io: Io): Promise<number> {
  const ctx = registryContext(opts, io);
  const key = await loginKey(opts.registry, ctx);
  const auth = await import('../../lib/config/auth.ts');
  if (opts.getLogin) {
    const c = auth.getCredentials(key, { authFile: ctx.authFile });
    if (!c?.username) throw new TspodError('NOT_LOGGED_IN', `not logged into ${key}`);
    io.stdout.write(`${c.username}\n`);
    return 0;
  }
  if (opts.password !== undefined && opts.passwordStdin) throw new TspodError('INVALID_ARGUMENT', "Can't specify both --password-stdin and --password");
  if (opts.passwordStdin && !opts.username) throw new TspodError('INVALID_ARGUMENT', 'Must provide --username with --password-stdin');
  auth.validateAuthKey(key);
  const reader = new LineReader(io);
  try {
    let { username, password } = opts;
    if (opts.passwordStdin) password = (await reader.rest()).replace(/\r?\n$/, '');
    const stored = auth.getCredentials(key, { authFile: ctx.authFile });
    if (username === undefined && password === undefined && stored?.username && stored.password) {
      io.stdout.write(`Authenticating with existing credentials for ${key}\n`);
      try {
        await verifyLogin(key, stored.username, stored.password, ctx);
        io.stdout.write(`Existing credentials are valid. Already logged in to ${key}\n`);
        return 0;
      } catch (err) {
        if ((err as TspodError).code !== 'UNAUTHORIZED') throw err;
        io.stdout.write('Existing credentials are invalid, please enter valid username and password\n');
      }
    }
    if (username === undefined || username === '') {
      const prompt = stored?.username ? `Username (${stored.username}): ` : 'Username: ';
      username = (await promptLine(reader, io, prompt, 'username')).trim() || stored?.username || '';
      if (!username) throw new TspodError('INVALID_ARGUMENT', 'getting username and password: username is empty');
    }
    if (password === undefined) password = await promptSecret(reader, io, 'Password: ');
    if (password === '') throw new TspodError('INVALID_ARGUMENT', 'getting username and password: password is empty');
    await verifyLogin(key, username, password, ctx);
    const where = await auth.setCredentials(key, username, password, ctx);
    if (opts.verbose) io.stdout.write(`Used: ${where}\n`);
    io.stdout.write('Login Succeeded!\n');
    return 0;
  } finally {
    reader.close();
  }
}
