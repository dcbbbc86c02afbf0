// Shared by pull/push/save/load and manifest inspect: podman's registry flags turned into a
// SystemContext, the policy, and the containers-storage reference for the global options.
import { Writable } from 'node:stream';
import type { Argv } from 'yargs';
import { TspodError } from '../../lib/errors.ts';
import type { ImageReference, SystemContext } from '../../lib/transports/types.ts';
import type { GlobalOptions, Io } from '../types.ts';

export interface RegistryFlags {
  authfile?: string;
  creds?: string;
  certDir?: string;
  tlsVerify?: boolean;
  retry?: number;
  retryDelay?: string;
}

export function registryFlags(y: Argv): Argv {
  return y
    .option('authfile', { type: 'string', describe: 'Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override' })
    .option('creds', { type: 'string', describe: 'Credentials (USERNAME:PASSWORD) to use for authenticating to a registry' })
    .option('cert-dir', { type: 'string', describe: 'Path to a directory containing TLS certificates and keys' })
    .option('tls-verify', { type: 'boolean', describe: 'Require HTTPS and verify certificates when contacting registries' })
    .option('retry', { type: 'number', default: 3, describe: 'Number of times to retry in case of failure when performing pull' })
    .option('retry-delay', { type: 'string', describe: 'Delay between retries in case of pull failures (default exponential)' });
}

/** Go duration subset: "500ms", "2s", "1m". */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s.trim());
  if (!m) throw new TspodError('INVALID_ARGUMENT', `invalid duration "${s}"`);
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * mult;
}

export function parseCreds(creds: string): { username: string; password: string } {
  if (!creds) throw new TspodError('INVALID_ARGUMENT', 'credentials can\'t be empty');
  const i = creds.indexOf(':');
  const username = i < 0 ? creds : creds.slice(0, i);
  if (!username) throw new TspodError('INVALID_ARGUMENT', 'username can\'t be empty');
  return { username, password: i < 0 ? '' : creds.slice(i + 1) };
}

export function systemContext(opts: RegistryFlags & GlobalOptions, io: Io): SystemContext {
  const ctx: SystemContext = {
    authFile: opts.authfile ?? io.env.REGISTRY_AUTH_FILE,
    tlsVerify: opts.tlsVerify,
    certDir: opts.certDir,
    storeRoot: opts.root,
    storeRunRoot: opts.runroot,
    tmpDir: opts.tmpdir ?? io.env.TMPDIR,
    interactive: Boolean(io.stdin.isTTY && io.stdout.isTTY),
  };
  if (opts.creds !== undefined) ctx.credentials = parseCreds(opts.creds);
  if (opts.retry !== undefined) ctx.retryTimes = opts.retry;
  if (opts.retryDelay) ctx.retryDelayMs = parseDuration(opts.retryDelay);
  return ctx;
}

/** The policy.json checker (podman checks it on pull too). */
export async function loadPolicyChecker(io: Io) {
  const { loadPolicy } = await import('../../lib/signature/policy.ts');
  return loadPolicy(io.env.TSPOD_POLICY || undefined, { env: io.env });
}

/** containers-storage:NAME (or @ID) in the store the global options select. */
export async function storageReference(nameOrId: string): Promise<ImageReference> {
  const { parseImageName } = await import('../../lib/transports/index.ts');
  return parseImageName(`containers-storage:${/^[a-f0-9]{64}$/.test(nameOrId) ? '@' + nameOrId : nameOrId}`);
}

/** A writer that drops some progress lines (podman save/load print a subset of copy's lines). */
export function filteredWriter(out: NodeJS.WritableStream, drop: RegExp): NodeJS.WritableStream {
  return new Writable({
    write(chunk, _enc, cb) {
      const text = String(chunk).split('\n').filter((l) => l === '' || !drop.test(l)).join('\n');
      if (text.trim()) out.write(text);
      cb();
    },
  });
}
