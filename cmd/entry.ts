// Entry of the bundle (dist/tspod.js). `tspod version`, `--version` and `-v` take a fast path that
// loads neither yargs nor the command modules (about 80 ms of CPU): the startup target is bare
// node + 20 ms (bench/cli-start). Everything else goes through main.ts, loaded as its own chunk.
import type { Io } from './types.ts';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === 'version' || args[0] === '--version' || args[0] === '-v')) {
  const { versionCommand } = await import('./system/version.ts');
  const io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
  const format = args[0] === 'version' ? undefined : 'tspod version {{.Client.Version}}';
  process.exitCode = (await versionCommand().handler({ format, logLevel: 'warn' }, io)) ?? 0;
} else {
  const { main } = await import('./main.ts');
  await main();
}
