// Entry of the bundle (scripts/build.mjs). Start-up target: bare node + 20 ms (bench/cli-start).
// `tspod version`, `--version` and `-v` load only the version module; the hot read-only commands
// (fast-path.ts) run without loading yargs; everything else goes through main.ts and yargs.
// No top-level await: the bundle is CommonJS so that V8's code cache can be used (scripts/cli-loader.cjs).
import type { Io } from './types.ts';

async function run(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === 'version' || args[0] === '--version' || args[0] === '-v')) {
    const { versionCommand } = await import('./system/version.ts');
    const io: Io = { stdout: process.stdout, stderr: process.stderr, get stdin() { return process.stdin; }, env: process.env };
    const format = args[0] === 'version' ? undefined : 'tspod version {{.Client.Version}}';
    return (await versionCommand().handler({ format, logLevel: 'warn' }, io)) ?? 0;
  }
  if (!process.env.TSPOD_NO_FAST_PATH) {
    const { parseFast } = await import('./fast-path.ts');
    const fast = await parseFast(args);
    if (fast) {
      const { fdIo, processIo, reportError } = await import('./report.ts');
      const io = fast.streams ? processIo() : fdIo();
      try {
        const { effectiveGlobals, globalIo } = await import('./shared/global.ts');
        const g = effectiveGlobals(fast.argv);
        const code = await fast.mod.handler(g, globalIo(g, io));
        return typeof code === 'number' ? code : 0;
      } catch (err) {
        return reportError(err, io);
      }
    }
  }
  const { runCli, processIo } = await import('./main.ts');
  return runCli(args, processIo());
}

void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
