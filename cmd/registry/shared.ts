// Options and helpers shared by login, logout and search.
import type { Argv } from 'yargs';
import type { GlobalOptions, Io } from '../types.ts';
import type { SystemContext } from '../../lib/transports/types.ts';
import { TspodError } from '../../lib/errors.ts';

export interface AuthFileOptions { authfile?: string }
export interface TlsOptions { tlsVerify?: boolean; certDir?: string }

export const authfileOption = (y: Argv) =>
  y.option('authfile', { type: 'string', describe: 'path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' });

export const tlsOptions = (y: Argv) =>
  y.option('tls-verify', { type: 'boolean', describe: 'Require HTTPS and verify certificates when contacting registries' })
    .option('cert-dir', { type: 'string', describe: 'use certificates at the specified path to access the registry' });

export function registryContext(opts: AuthFileOptions & TlsOptions & GlobalOptions & { creds?: string }, io: Io): SystemContext {
  const ctx: SystemContext = { authFile: opts.authfile ?? (io.env.REGISTRY_AUTH_FILE || undefined), tlsVerify: opts.tlsVerify, certDir: opts.certDir };
  if (opts.creds !== undefined) {
    const i = opts.creds.indexOf(':');
    const username = i < 0 ? opts.creds : opts.creds.slice(0, i);
    if (!username) throw new TspodError('INVALID_ARGUMENT', "username can't be empty");
    ctx.credentials = { username, password: i < 0 ? '' : opts.creds.slice(i + 1) };
  }
  return ctx;
}

/**
 * The auth-file key for a login/logout argument: "http(s)://host/path" means the host (docker's
 * URL form), otherwise the registry or namespace as given. Without an argument: the first
 * unqualified-search registry, as podman.
 */
export async function loginKey(arg: string | undefined, ctx: SystemContext): Promise<string> {
  if (!arg) {
    const { unqualifiedSearchRegistries } = await import('../../lib/config/registries.ts');
    const first = unqualifiedSearchRegistries(ctx)[0];
    if (!first) throw new TspodError('INVALID_ARGUMENT', 'no registries found in registries.conf, a registry must be provided');
    return first;
  }
  if (/^https?:\/\//.test(arg)) return new URL(arg).host;
  return arg.replace(/\/+$/, '');
}

/** Whether the registry may be reached over http / without verified TLS. */
export async function isInsecure(host: string, ctx: SystemContext): Promise<boolean> {
  if (ctx.tlsVerify === false) return true;
  if (ctx.tlsVerify === true) return false;
  const { isInsecureRegistry } = await import('../../lib/config/registries.ts');
  return isInsecureRegistry(host, ctx);
}
