import type { Argv } from 'yargs';
import { TspodError } from '../../lib/errors.ts';

/** One root-level option; the same shape as the flag tables of run/create/exec (cmd/container/shared.ts). */
export interface GlobalFlag {
  name: string;
  type: 'string';
  describe: string;
  default?: string;
}

/** Root-level options, as podman's (cmd/podman/root.go). Like podman's, they are persistent: valid after the verb too. */
export const GLOBAL_FLAGS: GlobalFlag[] = [
  { name: 'root', type: 'string', describe: 'Path to the root directory in which data, including images, is stored' },
  { name: 'runroot', type: 'string', describe: 'Path to the runtime state directory' },
  { name: 'storage-driver', type: 'string', describe: 'Select which storage driver is used to manage storage of images and containers' },
  { name: 'log-level', type: 'string', default: 'warn', describe: 'Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)' },
  { name: 'runtime', type: 'string', describe: 'Path to the OCI-compatible binary used to run containers' },
  { name: 'conmon', type: 'string', describe: 'Path of the conmon binary' },
  { name: 'cgroup-manager', type: 'string', describe: 'Cgroup manager to use ("cgroupfs"|"systemd")' },
  { name: 'tmpdir', type: 'string', describe: 'Path to the tmp directory for libpod state content' },
];

export function globalOptions(y: Argv): Argv {
  for (const f of GLOBAL_FLAGS) {
    y = y.option(f.name, f.default === undefined ? { type: f.type, describe: f.describe } : { type: f.type, default: f.default, describe: f.describe });
  }
  return y;
}

/** The table for parseFlags() in run/create/exec: no defaults, so only what was given shows up. */
export const GLOBAL_FLAGS_AFTER_VERB: GlobalFlag[] = GLOBAL_FLAGS.map(({ default: _d, ...f }) => f);

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The global options as the handler should see them. A repeated option counts once, the last one
 * winning (pflag's rule; yargs would make an array of `--root a ps --root b`); `after` holds those
 * that parseFlags() read after the verb of run/create/exec (camelCase keys), which yargs never sees.
 */
export function effectiveGlobals<T extends Record<string, any>>(argv: T, after: Record<string, unknown> = {}): T {
  const out: Record<string, any> = { ...argv };
  for (const f of GLOBAL_FLAGS) {
    const key = camel(f.name);
    let v = after[key] ?? out[key];
    if (Array.isArray(v)) v = v[v.length - 1];
    if (v === undefined) continue;
    out[key] = v;
    out[f.name] = v;
  }
  return out as T;
}

/**
 * For verbs that read their raw words themselves (unshare): take the global options out of the words
 * before the first non-option one (COMMAND and what follows stay as they are). The verb's own options
 * are left in place and must not take a separate value.
 */
export function takeGlobalFlags(words: string[]): { globals: Record<string, string>; rest: string[] } {
  const globals: Record<string, string> = {};
  const rest: string[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--' || !w.startsWith('--')) break;
    const eq = w.indexOf('=');
    const f = GLOBAL_FLAGS.find((g) => g.name === w.slice(2, eq < 0 ? undefined : eq));
    if (!f) rest.push(w);
    else if (eq >= 0) globals[camel(f.name)] = w.slice(eq + 1);
    else if (i + 1 < words.length) globals[camel(f.name)] = words[++i];
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
