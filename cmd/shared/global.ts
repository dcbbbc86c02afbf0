import type { Argv } from 'yargs';
import { readdirSync } from 'node:fs';
import { TspodError } from '../../lib/errors.ts';
import { parseStorageOpts } from '../../lib/config/storage-opts.ts';
import type { Io } from '../types.ts';

/** One root-level option; the same shape as the flag tables of run/create/exec (cmd/container/shared.ts). */
export interface GlobalFlag {
  name: string;
  type: 'string' | 'boolean';
  /** Repeatable (pflag's stringArray): every value is kept, in order. */
  multi?: boolean;
  describe: string;
  default?: string;
}

/** Root-level options, as podman's (cmd/podman/root.go). Like podman's, they are persistent: valid after the verb too. */
export const GLOBAL_FLAGS: GlobalFlag[] = [
  { name: 'root', type: 'string', describe: 'Path to the root directory in which data, including images, is stored' },
  { name: 'runroot', type: 'string', describe: 'Path to the runtime state directory' },
  { name: 'storage-driver', type: 'string', describe: 'Select which storage driver is used to manage storage of images and containers' },
  { name: 'storage-opt', type: 'string', multi: true, describe: 'Used to pass an option to the storage driver (replaces the options of storage.conf)' },
  { name: 'log-level', type: 'string', default: 'warn', describe: 'Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)' },
  { name: 'runtime', type: 'string', describe: 'Path to the OCI-compatible binary used to run containers' },
  { name: 'runtime-flag', type: 'string', multi: true, describe: 'add global flags for the container runtime' },
  { name: 'conmon', type: 'string', describe: 'Path of the conmon binary' },
  { name: 'cgroup-manager', type: 'string', describe: 'Cgroup manager to use ("cgroupfs"|"systemd")' },
  { name: 'events-backend', type: 'string', describe: 'Events backend to use ("file"|"journald"|"none")' },
  { name: 'network-cmd-path', type: 'string', describe: 'Path to the command for configuring the network' },
  { name: 'hooks-dir', type: 'string', multi: true, describe: 'Set the OCI hooks directory path (may be set multiple times)' },
  { name: 'tmpdir', type: 'string', describe: 'Path to the tmp directory for libpod state content' },
  { name: 'noout', type: 'boolean', describe: 'do not output to stdout' },
  // podman's remote client and the options only it uses; see unsupportedGlobals()
  { name: 'remote', type: 'boolean', describe: 'Access remote Podman service (not supported)' },
  { name: 'url', type: 'string', describe: 'URL to access Podman service (not supported)' },
  { name: 'connection', type: 'string', describe: 'Connection to use for remote Podman service (not supported)' },
  { name: 'identity', type: 'string', describe: 'path to SSH identity file (used only by the remote client)' },
  { name: 'ssh', type: 'string', describe: 'define the ssh mode (used only by the remote client)' },
  { name: 'namespace', type: 'string', describe: 'Set the libpod namespace (not supported)' },
  { name: 'network-config-dir', type: 'string', describe: 'Path of the configuration directory for networks (not supported)' },
  { name: 'volumepath', type: 'string', describe: 'Path to the volume directory in which volume data is stored (not supported)' },
  { name: 'syslog', type: 'boolean', describe: 'Output logging information to syslog as well as the console (ignored)' },
];

export function globalOptions(y: Argv): Argv {
  for (const f of GLOBAL_FLAGS) {
    const o: Record<string, unknown> = { type: f.type, describe: f.describe };
    // one value per occurrence, every occurrence kept (`--storage-opt a --storage-opt b`)
    if (f.multi) Object.assign(o, { array: true, nargs: 1 });
    if (f.default !== undefined) o.default = f.default;
    y = y.option(f.name, o);
  }
  return y;
}

/** The table for parseFlags() in run/create/exec: no defaults, so only what was given shows up. */
export const GLOBAL_FLAGS_AFTER_VERB: GlobalFlag[] = GLOBAL_FLAGS.map(({ default: _d, ...f }) => f);

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The global options as the handler should see them. A repeated single-value option counts once, the
 * last one winning (pflag's rule; yargs would make an array of `--root a ps --root b`); a repeatable
 * one keeps every value, those before the verb first. `after` holds those that parseFlags() read after
 * the verb of run/create/exec (camelCase keys), which yargs never sees. Values are checked here as
 * podman checks them when it sets up its runtime, before any command runs.
 */
export function effectiveGlobals<T extends Record<string, any>>(argv: T, after: Record<string, unknown> = {}): T {
  const out: Record<string, any> = { ...argv };
  for (const f of GLOBAL_FLAGS) {
    const key = camel(f.name);
    let v: unknown;
    if (f.multi) {
      const list = [out[key], after[key]].flatMap((x) => (x === undefined ? [] : ([] as unknown[]).concat(x))).map(String);
      v = list.length ? list : undefined;
    } else {
      v = after[key] ?? out[key];
      if (Array.isArray(v)) v = v[v.length - 1];
    }
    if (v === undefined) continue;
    out[key] = v;
    out[f.name] = v;
  }
  checkGlobals(out);
  return out as T;
}

const REAL_STDOUT = Symbol('stdout before --noout');

/** --noout: the command's standard output goes nowhere (its errors still go to stderr). */
export function globalIo(g: { noout?: boolean }, io: Io): Io {
  if (!g.noout) return io;
  const sink = {
    isTTY: false,
    [REAL_STDOUT]: (io.stdout as unknown as Record<symbol, unknown>)[REAL_STDOUT] ?? io.stdout,
    write: (_c: unknown, ...rest: unknown[]) => { const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined; cb?.(); return true; },
  };
  return { ...io, stdout: sink as unknown as Io['stdout'], get stdin() { return io.stdin; } };
}

/** The Io for an attached run's container output: podman 4.3 still prints it with --noout. */
export function containerIo(io: Io): Io {
  const real = (io.stdout as unknown as Record<symbol, Io['stdout'] | undefined>)[REAL_STDOUT];
  return real ? { ...io, stdout: real, get stdin() { return io.stdin; } } : io;
}

/** podman's checks of its global options (cmd/podman/root.go, libpod's runtime options). */
function checkGlobals(g: Record<string, any>): void {
  for (const f of ['remote', 'url', 'connection']) {
    if (g[f] !== undefined && g[f] !== false) {
      throw new TspodError('UNSUPPORTED', `--${f}: tspod has no remote client (it runs containers only on this machine): not supported`);
    }
  }
  for (const f of ['namespace', 'network-config-dir', 'volumepath']) {
    if (g[camel(f)] !== undefined) throw new TspodError('UNSUPPORTED', `--${f}: not supported by tspod`);
  }
  const LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'];
  if (g.logLevel !== undefined && !LEVELS.includes(g.logLevel)) {
    // podman prints this line (without "Error:") and exits 1
    throw new TspodError('USAGE', `Log Level "${g.logLevel}" is not supported, choose from: ${LEVELS.join(', ')}`, { exitCode: 1 });
  }
  const eb = g.eventsBackend;
  if (eb !== undefined && !['file', 'journald', 'none'].includes(eb)) {
    throw new TspodError('INVALID_ARGUMENT', `configuring runtime: "${eb}" is not a valid events backend: invalid argument`);
  }
  const cm = g.cgroupManager;
  if (cm !== undefined && cm !== 'cgroupfs' && cm !== 'systemd') {
    throw new TspodError('INVALID_ARGUMENT', 'configuring runtime: cgroup manager must be one of cgroupfs and systemd: invalid argument');
  }
  // tspod's store is overlay only: another driver podman knows is refused rather than ignored
  const sd = g.storageDriver;
  if (sd !== undefined && sd !== 'overlay' && sd !== 'overlay2') {
    if (['vfs', 'btrfs', 'zfs', 'devicemapper', 'aufs'].includes(sd)) throw new TspodError('UNSUPPORTED', `--storage-driver ${sd}: not supported by tspod (overlay only)`);
    throw new TspodError('INVALID_ARGUMENT', `failed to GetDriver graph ${sd}: driver not supported`);
  }
  if (g.storageOpt) parseStorageOpts(g.storageOpt);
  // tspod runs no OCI hooks: a hooks dir without any is the same as podman's, one with hooks is refused
  for (const dir of g.hooksDir ?? []) {
    let hooks: string[] = [];
    try { hooks = readdirSync(dir).filter((n) => n.endsWith('.json')); } catch { /* podman ignores a missing dir too */ }
    if (hooks.length) throw new TspodError('UNSUPPORTED', `--hooks-dir ${dir}: OCI hooks (${hooks[0]}) are not supported by tspod`);
  }
}

/**
 * For verbs that read their raw words themselves (unshare): take the global options out of the words
 * before the first non-option one (COMMAND and what follows stay as they are). The verb's own options
 * are left in place and must not take a separate value.
 */
export function takeGlobalFlags(words: string[]): { globals: Record<string, string | string[] | boolean>; rest: string[] } {
  const globals: Record<string, string | string[] | boolean> = {};
  const rest: string[] = [];
  const set = (f: GlobalFlag, v: string | boolean) => {
    const k = camel(f.name);
    if (f.multi) globals[k] = [...((globals[k] as string[] | undefined) ?? []), String(v)];
    else globals[k] = f.type === 'boolean' ? v === true || v === 'true' : v;
  };
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--' || !w.startsWith('--')) break;
    const eq = w.indexOf('=');
    const f = GLOBAL_FLAGS.find((g) => g.name === w.slice(2, eq < 0 ? undefined : eq));
    if (!f) rest.push(w);
    else if (eq >= 0) set(f, w.slice(eq + 1));
    else if (f.type === 'boolean') set(f, true);
    else if (i + 1 < words.length) set(f, words[++i]);
    else rest.push(w);
  }
  return { globals, rest: [...rest, ...words.slice(i)] };
}

/**
 * --help among the options of a verb that parses its own words (run/create/exec): the handler throws
 * HelpRequested and cmd/main.ts prints the verb's help from yargs.
 */
export const HELP_FLAG = { name: 'help', type: 'boolean' as const, describe: 'Show help' };

export class HelpRequested extends TspodError {
  constructor(verb: string) {
    super('HELP', `help for "${verb}" is shown by yargs: run 'tspod ${verb} --help' through the full CLI`);
  }
}
