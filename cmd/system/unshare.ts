// tspod unshare [COMMAND [ARG...]]: run a command inside the rootless user+mount namespaces
// (podman-unshare(1)). The launcher (native/) has already joined them before node started; this
// handler only runs the command, with the storage paths in the environment, and returns its status.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { CommandModule, Io } from '../types.ts';
import { EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND, TspodError } from '../../lib/errors.ts';
import { inUserNamespace, isRootless } from '../../lib/rootless/index.ts';
import { storagePaths } from '../../lib/config/paths.ts';
import { effectiveGlobals, takeGlobalFlags } from '../shared/global.ts';

interface UnshareOptions {
  command?: string[];
  rootlessNetns?: boolean;
}

const USAGE = `Run a command in a modified user namespace

Usage: tspod unshare [options] [COMMAND [ARG...]]

Options:
  --rootless-netns  Join the rootless network namespace used for netavark networking
  -h, --help        Show help

Examples:
  tspod unshare id
  tspod unshare cat /proc/self/uid_map
`;

/** Split the raw words after the verb into our options and COMMAND: the first non-option word and
 *  everything after it belong to COMMAND (`tspod unshare du -h /` must not show our help). */
export function parseUnshareArgs(words: string[]): { help: boolean; rootlessNetns: boolean; command: string[] } {
  const r = { help: false, rootlessNetns: false, command: [] as string[] };
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--') { i++; break; }
    if (w === '-h' || w === '--help') r.help = true;
    else if (w === '--rootless-netns' || w === '--rootless-netns=true') r.rootlessNetns = true;
    else if (w === '--rootless-netns=false') r.rootlessNetns = false;
    else if (w.startsWith('-')) throw new TspodError('USAGE', `unknown flag: ${w}`, { hint: "See 'tspod unshare --help'" });
    else break;
  }
  r.command = words.slice(i);
  return r;
}

export function unshareCommand(): CommandModule<UnshareOptions> {
  return {
    command: 'unshare [command..]',
    describe: 'Run a command in a modified user namespace',
    builder: (y) =>
      y
        .usage('Run a command in a modified user namespace\n\nUsage: tspod unshare [options] [COMMAND [ARG...]]')
        // yargs stops at the verb and hands us the raw words in '--' (parseUnshareArgs splits them):
        // everything after COMMAND belongs to it, `tspod unshare sh -c 'id'`
        .parserConfiguration({ 'halt-at-non-option': true, 'populate--': true })
        .positional('command', { type: 'string', array: true, describe: 'Command to run, default $SHELL' }),
    handler: async (rawOpts, io) => {
      const raw = ((rawOpts as any)['--'] as unknown[] | undefined)?.map(String) ?? [];
      const verbAt = raw.indexOf('unshare');
      // global options may follow the verb, as podman's persistent flags
      const { globals, rest } = takeGlobalFlags(verbAt >= 0 ? raw.slice(verbAt + 1) : raw);
      const parsed = parseUnshareArgs(rest);
      if (parsed.help) {
        io.stdout.write(USAGE);
        return 0;
      }
      const opts = { ...effectiveGlobals(rawOpts, globals), rootlessNetns: parsed.rootlessNetns, command: parsed.command };
      if (!isRootless()) throw new TspodError('NOT_ROOTLESS', 'please use unshare with rootless');
      if (!inUserNamespace()) {
        throw new TspodError('NO_USERNS', 'not running inside the rootless user namespace', {
          hint: 'run tspod through its launcher (bin/tspod), not `node dist/tspod.js`',
        });
      }
      if (opts.rootlessNetns) {
        throw new TspodError('UNSUPPORTED', 'unshare --rootless-netns: not supported yet');
      }
      const argv = [...opts.command];
      if (argv.length === 0) argv.push(io.env.SHELL || '/bin/sh');
      const paths = storagePaths(opts);
      const env: NodeJS.ProcessEnv = { ...io.env, CONTAINERS_GRAPHROOT: paths.graphRoot, CONTAINERS_RUNROOT: paths.runRoot };
      delete env._TSPOD_NS_ENTERED; // what runs here is inside the namespace (a tspod mount in it works)
      // child_process (with net and dgram) only for this verb, not at every tspod start
      const { spawn } = await import('node:child_process');
      return runCommand(spawn, argv, env, io);
    },
  };
}

/** exec.LookPath: a name with a slash as is, else the first executable regular file on PATH. */
function lookPath(name: string, env: NodeJS.ProcessEnv): string {
  if (name.includes('/')) return name;
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = join(dir || '.', name);
    try {
      if (statSync(p).isFile()) {
        accessSync(p, fsConstants.X_OK);
        return p;
      }
    } catch {
      // not here (or not ours to run): keep looking, as execvp does
    }
  }
  throw new TspodError('NOT_FOUND', `exec: "${name}": executable file not found in $PATH`, { exitCode: EXIT_NOT_FOUND });
}

/** Run argv with the caller's stdio; resolve to its exit status (128+N when killed by signal N). */
function runCommand(spawn: typeof import('node:child_process').spawn, argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const inherit = io.stdout === process.stdout && io.stderr === process.stderr && io.stdin === process.stdin;
  return new Promise((resolve, reject) => {
    const child = spawn(lookPath(argv[0], env), argv.slice(1), { env, stdio: inherit ? 'inherit' : ['pipe', 'pipe', 'pipe'] });
    if (!inherit) {
      io.stdin.pipe(child.stdin!);
      child.stdout!.pipe(io.stdout, { end: false });
      child.stderr!.pipe(io.stderr, { end: false });
    }
    // the terminal's ^C reaches the child too; we only wait for it
    const ignore = () => {};
    const signals = ['SIGINT', 'SIGQUIT'] as const;
    for (const s of signals) process.on(s, ignore);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      for (const s of signals) process.off(s, ignore);
      fn();
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      const notFound = err.code === 'ENOENT';
      settle(() => reject(
        new TspodError(notFound ? 'NOT_FOUND' : 'CANNOT_INVOKE',
          notFound ? `exec: "${argv[0]}": executable file not found in $PATH`
            : `exec ${argv[0]}: ${err.code === 'EACCES' ? 'permission denied' : err.message}`,
          { exitCode: notFound ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE, cause: err }),
      ));
    });
    child.on('close', (code, signal) => {
      const sig = signal ? (osConstants.signals as Record<string, number>)[signal] ?? 0 : 0;
      settle(() => resolve(signal ? 128 + sig : code ?? 0));
    });
  });
}
