// The native launcher (native/, installed as bin/tspod) seen from the TypeScript side: where it is,
// and how to run a program inside the rootless user+mount namespaces when this process is not
// already in them (in-process tests, `node dist/tspod.js`). Node never calls unshare/setns itself.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TspodError } from '../errors.ts';
import { inUserNamespace, isRootless } from '../rootless/index.ts';

/** Path of bin/tspod: the launcher that started us (_TSPOD_SELF), else the one in this checkout. */
export function launcherPath(): string {
  const self = process.env._TSPOD_SELF;
  if (self) return self;
  // from the bundle (dist/*.js) or from source (lib/native/launcher.ts)
  for (const rel of ['../bin/tspod', '../../bin/tspod']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new TspodError('NO_LAUNCHER', 'cannot find the tspod launcher bin/tspod', { hint: 'build it with `npm run build`' });
}

/** True when work that needs the rootless namespaces must go through the launcher first. */
export function needsLauncher(): boolean {
  return isRootless() && !inUserNamespace();
}

/** argv that runs `argv` inside the rootless namespaces: unchanged when already inside (or rootful),
 *  else prefixed with `bin/tspod __ns-exec` (a ~3 ms join, no second node start). */
export function nsExecArgv(argv: string[]): string[] {
  if (!needsLauncher()) return argv;
  return [launcherPath(), '__ns-exec', ...argv];
}

/** Environment for a launcher child so that its errors come back as one JSON line (native/ERRORS.md). */
export function launcherEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, TSPOD_HELPER_ERRORS: 'json' };
}

export interface LauncherErrorLine {
  code: string;
  errno: number;
  message: string;
}

/** The launcher's JSON error line in `stderr`, as a TspodError (exit 125), or undefined if none. */
export function parseLauncherError(stderr: string): TspodError | undefined {
  for (const line of stderr.split('\n').reverse()) {
    if (!line.startsWith('{"code":')) continue;
    try {
      const e = JSON.parse(line) as LauncherErrorLine;
      const msg = e.errno ? `${e.message}: errno ${e.errno}` : e.message;
      return new TspodError(`LAUNCHER_${e.code}`, msg);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
