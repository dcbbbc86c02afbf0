// Option groups and helpers shared by the skopeo verbs (skopeo's sharedImageFlags/imageFlags/
// retryFlags in cmd/skopeo/utils.go). Handlers get plain option objects; this file turns them into
// SystemContexts and maps errors to skopeo's exit statuses (1 = error, 2 = image not found).
import type { Argv } from 'yargs';
import { TspodError } from '../../lib/errors.ts';
import type { SystemContext } from '../../lib/transports/types.ts';
import type { Io } from '../types.ts';
import { GLOBAL_FLAGS } from '../shared/global.ts';

export const EXIT_SKOPEO_ERROR = 1;
export const EXIT_SKOPEO_NOT_FOUND = 2;

/** Global flags of `tspod skopeo` (skopeo's root flags). */
export interface SkopeoGlobalOptions {
  policy?: string;
  insecurePolicy?: boolean;
  'registries.d'?: string;
  registriesConf?: string;
  overrideArch?: string;
  overrideOs?: string;
  overrideVariant?: string;
  tmpdir?: string;
  debug?: boolean;
  commandTimeout?: string;
}

export function skopeoGlobalOptions(y: Argv): Argv {
  // "--registries.d" must stay one flag name, not yargs' nested {registries: {d}}. parserConfiguration()
  // replaces the settings, so start from the root's (cmd/main.ts).
  const current = (y as unknown as { getInternalMethods?: () => { getParserConfiguration?: () => object } }).getInternalMethods?.().getParserConfiguration?.();
  y = y
    .parserConfiguration({ ...(current ?? { 'populate--': true, 'halt-at-non-option': false, 'boolean-negation': false }), 'dot-notation': false })
    // skopeo exits 1 on a usage error (podman's 125 is for the podman-style verbs).
    .fail((msg, err) => {
      if (err) throw err;
      throw new TspodError('USAGE', msg, { exitCode: EXIT_SKOPEO_ERROR });
    })
    .option('policy', { type: 'string', describe: 'Path to a trust policy file' })
    .option('insecure-policy', { type: 'boolean', describe: 'run the tool without any policy check' })
    .option('registries.d', { type: 'string', describe: 'use registry configuration files in DIR (e.g. for container signature storage)' })
    .option('registries-conf', { type: 'string', describe: 'path to registries.conf file' })
    .option('override-arch', { type: 'string', describe: 'use ARCH instead of the architecture of the machine for choosing images' })
    .option('override-os', { type: 'string', describe: 'use OS instead of the running OS for choosing images' })
    .option('override-variant', { type: 'string', describe: 'use VARIANT instead of the running architecture variant for choosing images' })
    .option('tmpdir', { type: 'string', describe: 'directory used to store temporary files' })
    .option('debug', { type: 'boolean', describe: 'enable debug output' })
    .option('command-timeout', { type: 'string', describe: 'timeout for the command execution (e.g. 30s, 5m)' })
    // skopeo's help lists skopeo's global flags: tspod's own still work (--root for containers-storage:)
    // but are not shown, nor --registries-conf, which skopeo hides too.
    .hide('registries-conf');
  for (const f of GLOBAL_FLAGS) if (f.name !== 'tmpdir') y = y.hide(f.name);
  return y;
}

export type Prefix = '' | 'src-' | 'dest-';

/** Registry access flags (--creds, --authfile, --tls-verify, ...) with an optional src-/dest- prefix. */
export function imageFlags(y: Argv, prefix: Prefix, what = 'the registry'): Argv {
  return y
    .option(`${prefix}authfile`, { type: 'string', describe: 'path of the authentication file. Default is ${XDG_RUNTIME_DIR}/containers/auth.json' })
    .option(`${prefix}creds`, { type: 'string', describe: `Use USERNAME[:PASSWORD] for accessing ${what}` })
    .option(`${prefix}username`, { type: 'string', describe: `Username for accessing ${what}` })
    .option(`${prefix}password`, { type: 'string', describe: `Password for accessing ${what}` })
    .option(`${prefix}no-creds`, { type: 'boolean', describe: `Access ${what} anonymously` })
    .option(`${prefix}registry-token`, { type: 'string', describe: 'Provide a Bearer token for accessing the registry' })
    .option(`${prefix}cert-dir`, { type: 'string', describe: 'use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry' })
    .option(`${prefix}tls-verify`, { type: 'boolean', describe: 'require HTTPS and verify certificates when talking to the container registry' });
}

/** --shared-blob-dir with an optional src-/dest- prefix (skopeo's imageFlags): oci: blobs kept in DIRECTORY. */
export function sharedBlobDirFlag(y: Argv, prefix: Prefix): Argv {
  return y.option(`${prefix}shared-blob-dir`, { type: 'string', describe: 'DIRECTORY to use to share blobs across OCI repositories' });
}

/** The flags only a copy destination has (skopeo's imageDestFlags). */
export function imageDestFlags(y: Argv): Argv {
  return y
    .option('dest-compress', { type: 'boolean', describe: "Compress tarball image layers when saving to directory using the 'dir' transport. (default is same compression type as source)" })
    .option('dest-decompress', { type: 'boolean', describe: "Decompress tarball image layers when saving to directory using the 'dir' transport. (default is same compression type as source)" })
    .option('dest-oci-accept-uncompressed-layers', { type: 'boolean', describe: "Allow uncompressed image layers when saving to an OCI image using the 'oci' transport. (default is to compress things that aren't compressed)" })
    .option('dest-compress-format', { type: 'string', describe: 'FORMAT to use for the compression' })
    .option('dest-compress-level', { type: 'number', describe: 'LEVEL to use for the compression' })
    .option('dest-precompute-digests', { type: 'boolean', describe: "Precompute digests to prevent uploading layers already on the registry using the 'docker' transport." });
}

export function retryFlags(y: Argv): Argv {
  return y
    .option('retry-times', { type: 'number', describe: 'the number of times to possibly retry' })
    .option('retry-delay', { type: 'string', describe: 'Fixed delay between retries (e.g. 2s); default exponential backoff' });
}

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Parse Go-style durations ("1m30s", "500ms", "10s") to milliseconds. */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[m[2]];
    seen = re.lastIndex;
  }
  if (s === '0') return 0;
  if (seen !== s.length || seen === 0) throw new TspodError('INVALID_ARGUMENT', `invalid duration "${s}"`);
  return total;
}

function splitCreds(creds: string): { username: string; password: string } {
  const i = creds.indexOf(':');
  if (i < 0) throw new TspodError('INVALID_ARGUMENT', `credentials "${creds.split(':')[0]}" have no password: use USERNAME:PASSWORD`);
  return { username: creds.slice(0, i), password: creds.slice(i + 1) };
}

/** The SystemContext for one side of an operation (skopeo's imageOptions.newSystemContext). */
export function systemContext(opts: Record<string, unknown>, prefix: Prefix, env: NodeJS.ProcessEnv): SystemContext {
  const g = opts as SkopeoGlobalOptions & Record<string, unknown>;
  const get = <T>(name: string): T | undefined => (opts[camel(prefix + name)] ?? opts[prefix + name]) as T | undefined;
  const shared = <T>(name: string): T | undefined => (prefix ? (get<T>(name) ?? (opts[camel(name)] as T | undefined)) : get<T>(name));
  const ctx: SystemContext = {
    authFile: get<string>('authfile') ?? (opts.authfile as string | undefined) ?? env.REGISTRY_AUTH_FILE,
    certDir: get<string>('cert-dir'),
    registryToken: get<string>('registry-token'),
    tmpDir: g.tmpdir,
    // tspod's global --root/--runroot (given before `skopeo`) choose the store containers-storage: uses
    storeRoot: opts.root as string | undefined,
    storeRunRoot: opts.runroot as string | undefined,
    os: g.overrideOs,
    arch: g.overrideArch,
    variant: g.overrideVariant,
    registriesDir: (opts['registries.d'] as string | undefined) ?? (opts['registries'] as { d?: string } | undefined)?.d,
    registriesConf: g.registriesConf,
    retryTimes: shared<number>('retry-times'),
    ociSharedBlobDir: get<string>('shared-blob-dir'),
  };
  if (prefix === 'dest-') {
    ctx.dirForceCompress = get<boolean>('compress');
    ctx.dirForceDecompress = get<boolean>('decompress');
    ctx.ociAcceptUncompressedLayers = get<boolean>('oci-accept-uncompressed-layers');
  }
  const tls = get<boolean>('tls-verify');
  if (tls !== undefined) ctx.tlsVerify = tls;
  const delay = opts.retryDelay as string | undefined;
  if (delay) ctx.retryDelayMs = parseDuration(delay);
  const creds = get<string>('creds');
  const user = get<string>('username');
  if (creds && user) throw new TspodError('INVALID_ARGUMENT', `--${prefix}creds and --${prefix}username cannot be used together`);
  if (creds) ctx.credentials = splitCreds(creds);
  else if (user) ctx.credentials = { username: user, password: get<string>('password') ?? '' };
  if (get<boolean>('no-creds')) {
    if (ctx.credentials) throw new TspodError('INVALID_ARGUMENT', `--${prefix}no-creds cannot be used with --${prefix}creds`);
    ctx.credentials = { username: '', password: '' };
  }
  return ctx;
}

// skopeo (1.11 and later, which document exit status 2) counts as "not found": a registry's manifest
// unknown, an image not in containers-storage, a name not in an OCI layout's or archive's index.json.
// Missing files (dir:, an archive, a layout's blob) are plain errors (1), as there.
const NOT_FOUND_CODES = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'NO_SUCH_IMAGE', 'IMAGE_NOT_FOUND', 'NOT_FOUND']);

/** Whether an error means "the input image does not exist" (skopeo's exit status 2). */
export function isImageNotFound(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const x = e as { code?: string; status?: number; errors?: { code?: string }[] };
    if (x.code && NOT_FOUND_CODES.has(x.code)) return true;
    if (x.status === 404) return true;
    if (x.errors?.some((d) => d.code && NOT_FOUND_CODES.has(d.code))) return true;
  }
  return false;
}

/**
 * Run a verb's body with skopeo's exit statuses: errors become exit 1 (2 when notFound applies and
 * the image is missing), and --command-timeout bounds the whole run.
 */
export async function skopeoAction(opts: SkopeoGlobalOptions, fn: () => Promise<number | void>, notFound = false): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  // --debug: main.ts prints the stack of the final error.
  if (opts.debug) process.env.TSPOD_DEBUG = '1';
  try {
    const run = fn();
    if (opts.commandTimeout) {
      const ms = parseDuration(opts.commandTimeout);
      if (ms > 0) {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TspodError('TIMEOUT', `command timed out after ${opts.commandTimeout}`)), ms);
          timer.unref?.();
        });
        return (await Promise.race([run, timeout])) ?? 0;
      }
    }
    return (await run) ?? 0;
  } catch (err) {
    const code = notFound && isImageNotFound(err) ? EXIT_SKOPEO_NOT_FOUND : EXIT_SKOPEO_ERROR;
    if (err instanceof TspodError) throw new TspodError(err.code, err.message, { hint: err.hint, cause: err.cause ?? err, exitCode: code });
    throw new TspodError('INTERNAL', (err as Error)?.message ?? String(err), { cause: err, exitCode: code });
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The policy for a copy: --insecure-policy, --policy, or the default file. */
export async function policyFor(opts: SkopeoGlobalOptions) {
  const { loadPolicy } = await import('../../lib/signature/policy.ts');
  return loadPolicy(opts.policy, { insecure: opts.insecurePolicy });
}

/** Go's json.MarshalIndent(v, "", "    ") text, including its HTML-safe escaping of <, > and &. */
export function goJson(v: unknown): string {
  return JSON.stringify(v, null, 4)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function write(io: Io, s: string): void {
  io.stdout.write(s);
}

/** Declare a verb's positional arguments; without this yargs' strictOptions calls them unknown in a group. */
export function positionals(y: Argv, ...names: string[]): Argv {
  for (const n of names) y = y.positional(n, { type: 'string' });
  return y;
}
