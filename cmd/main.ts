// The root of the CLI: builds the yargs tree from cmd/commands.ts, runs one command, maps errors
// to exit statuses. This is the one place that prints the final error; library code throws.
import yargs, { type Argv } from 'yargs';
import { commandGroups, topLevelCommands } from './commands.ts';
import { HelpRequested, effectiveGlobals, globalIo, globalOptions } from './shared/global.ts';
import type { CommandModule, Io } from './types.ts';
import { EXIT_TOOL, TspodError } from '../lib/errors.ts';
import { processIo, reportError } from './report.ts';

export { processIo, reportError };

class UsageError extends TspodError {
  constructor(message: string) {
    super('USAGE', message, { exitCode: EXIT_TOOL });
  }
}

function toYargsCommand(mod: CommandModule<any>, io: Io, setExit: (code: number) => void) {
  let built: Argv | undefined;
  return {
    command: mod.command,
    aliases: mod.aliases,
    describe: mod.describe,
    builder: (y: Argv) => (built = mod.builder(y)),
    handler: async (argv: any) => {
      let code: number | void;
      try {
        const g = effectiveGlobals(argv);
        code = await mod.handler(g, globalIo(g, io));
      } catch (err) {
        // run/create/exec read their own words, so their --help reaches the handler, not yargs
        if (!(err instanceof HelpRequested) || !built) throw err;
        built.showHelp((s) => io.stdout.write(`${s}\n`));
        code = 0;
      }
      setExit(typeof code === 'number' ? code : 0);
    },
  };
}

/** Build the CLI. Tests drive it in-process with their own Io (skopeo's runSkopeo idea). */
export function createCli(args: string[], io: Io, setExit: (code: number) => void): Argv {
  let y: Argv = yargs(args)
    .scriptName('tspod')
    .usage('Manage pods, containers and images\n\nUsage: tspod [options] <command>')
    .parserConfiguration({ 'populate--': true, 'halt-at-non-option': false, 'boolean-negation': false })
    .strictCommands()
    .strictOptions()
    .help('help')
    .alias('h', 'help')
    .version(false)
    .option('version', { alias: 'v', type: 'boolean', describe: 'Version of tspod' })
    .wrap(Math.min(120, (io.stdout as any).columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    })
    .completion('completion', 'Generate shell completion script');
  y = globalOptions(y);
  for (const mod of topLevelCommands()) y = y.command(toYargsCommand(mod, io, setExit));
  for (const group of commandGroups()) {
    y = y.command({
      command: group.command,
      aliases: group.aliases,
      describe: group.describe,
      builder: (g: Argv) => {
        if (group.builder) g = group.builder(g);
        for (const mod of group.subcommands()) g = g.command(toYargsCommand(mod, io, setExit));
        return g.demandCommand(1, `missing command '${group.command} COMMAND'`);
      },
      handler: () => {},
    });
  }
  // yargs renders and caches the whole help text after every handler (~15-25 ms of string-width
  // work) so a later showHelp() can use it; handlers never call showHelp (bench/cli-start).
  const usage = (y as any).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {};
  return y;
}

/** Run one command line; resolves to the exit status. */
export async function runCli(args: string[], io: Io): Promise<number> {
  let exitCode = 0;
  try {
    if (args[0] === '--version' || args[0] === '-v') args = ['version', '--format', 'tspod version {{.Client.Version}}'];
    if (args[0] === 'skopeo' && args.length === 2 && (args[1] === '--version' || args[1] === '-v')) {
      const { skopeoVersionLine } = await import('./skopeo/group.ts');
      io.stdout.write(skopeoVersionLine());
      return 0;
    }
    if (args.length === 0) args = ['--help'];
    const cli = createCli(args, io, (c) => (exitCode = c));
    // yargs may call the callback more than once (shell completion calls it first with no output,
    // then with the completions), so collect output until the parse has settled.
    let out = '';
    let failure: unknown;
    await cli.parseAsync(args, {}, (err, _argv, output) => {
      if (err) failure ??= err;
      else if (output) out += out ? '\n' + output : output;
    });
    if (failure) throw failure;
    if (out) io.stdout.write(out.endsWith('\n') ? out : out + '\n');
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

// Entry point when run as the bundled CLI.
export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), processIo());
  process.exitCode = code;
}
