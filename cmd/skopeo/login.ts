// skopeo login: check the credentials against the registry, then store them in the auth file
// (lib/config/auth.ts); the check is login-check.ts.
import type { CommandModule } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { SystemContext } from '../../lib/transports/types.ts';
import { positionals, skopeoAction, type SkopeoGlobalOptions } from './shared.ts';

export interface LoginOptions extends SkopeoGlobalOptions {
  registry: string;
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  authfile?: string;
  certDir?: string;
  tlsVerify?: boolean;
  getLogin?: boolean;
  verbose?: boolean;
}

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function loginCommand(): CommandModule<LoginOptions> {
  return {
    command: 'login <registry>',
    describe: 'Login to a container registry',
    builder: (y0) =>
      positionals(y0, 'registry')
        .option('username', { alias: 'u', type: 'string', describe: 'Username' })
        .option('password', { alias: 'p', type: 'string', describe: 'Password' })
        .option('password-stdin', { type: 'boolean', describe: 'Take the password from stdin' })
        .option('authfile', { type: 'string', describe: 'path of the authentication file' })
        .option('cert-dir', { type: 'string', describe: 'use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry' })
        .option('tls-verify', { type: 'boolean', describe: 'require HTTPS and verify certificates when contacting registries' })
        .option('get-login', { type: 'boolean', describe: 'Return the current login user for the registry' })
        .option('verbose', { alias: 'v', type: 'boolean', describe: 'Write more detailed information to stdout' })
        .example('$0 skopeo login -u user --password-stdin registry.example.com', ''),
    handler: (opts, io) =>
      skopeoAction(opts, async () => {
        const auth = await import('../../lib/config/auth.ts');
        const key = opts.registry.replace(/^https?:\/\//, '').replace(/\/+$/, '');
        const ctx: SystemContext = { authFile: opts.authfile ?? io.env.REGISTRY_AUTH_FILE, certDir: opts.certDir };
        if (opts.tlsVerify !== undefined) ctx.tlsVerify = opts.tlsVerify;
        if (opts.getLogin) {
          const c = auth.getCredentials(key, ctx);
          if (!c?.username) throw new TspodError('NOT_LOGGED_IN', `not logged into ${key}`);
          io.stdout.write(`${c.username}\n`);
          return 0;
        }
        if (opts.password !== undefined && opts.passwordStdin) throw new TspodError('INVALID_ARGUMENT', "--password and --password-stdin are mutually exclusive");
        if (!opts.username) throw new TspodError('INVALID_ARGUMENT', 'a username is required: use --username (tspod does not prompt)');
        const password = opts.passwordStdin ? await readStdin(io.stdin) : opts.password;
        if (password === undefined) throw new TspodError('INVALID_ARGUMENT', 'a password is required: use --password or --password-stdin (tspod does not prompt)');
        auth.validateAuthKey(key);
        const { checkCredentials } = await import('./login-check.ts');
        await checkCredentials(key.split('/')[0], opts.username, password, ctx);
        const where = await auth.setCredentials(key, opts.username, password, ctx);
        if (opts.verbose) io.stdout.write(`Used: ${where}\n`);
        io.stdout.write('Login Succeeded!\n');
        return 0;
      }),
  };
}
