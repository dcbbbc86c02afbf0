// conmon, the per-container monitor, started the way podman starts it (libpod/oci_conmon_linux.go):
// it runs `runtime create`, holds the container's stdio, writes the log and the exit file, serves the
// attach socket and runs the exit command (tspod container cleanup) when the container ends, so a
// detached container needs no tspod process.
import { spawn } from 'node:child_process';
import { TspodError, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND } from '../errors.ts';
import type { OciRuntime } from '../runtime/runtime.ts';
import { findBinary } from '../runtime/runtime.ts';
import { cleanRuntimeMessage } from '../runtime/cli.ts';

export interface ConmonOptions {
  conmonPath?: string;
  id: string;
  name: string;
  runtime: OciRuntime;
  bundle: string;
  pidFile: string;
  conmonPidFile: string;
  exitDir: string;
  persistDir: string;
  logDriver: string;
  logPath: string;
  logLevel?: string;
  stdin: boolean;
  tty: boolean;
  exitCommand: string[];
  env?: NodeJS.ProcessEnv;
  /** --log-opt max-size and tag, --timeout (seconds) */
  logSizeMax?: number;
  logTag?: string;
  timeout?: number;
  /** exec sessions: path of the process spec; attach to the session's stdio. */
  exec?: { processSpec: string; attach: boolean };
  /** --preserve-fds N: this process's fds 3..N+2 handed on to the container (the sync pipe follows them, as podman) */
  preserveFds?: number;
  /** --sdnotify=container: the host's NOTIFY_SOCKET, where conmon relays what the container sends */
  sdNotifySocket?: string;
}

/** 127 when the command is not found, 126 when it cannot be invoked, as podman classifies runtime text. */
export function classifyStartError(message: string): number | undefined {
  if (/executable file not found|no such file or directory|not found in \$PATH/i.test(message)) return EXIT_NOT_FOUND;
  // podman's getOCIRuntimeError counts "operation not permitted" (a refused rlimit, say) as permission denied
  if (/permission denied|operation not permitted|exec format error|is a directory/i.test(message)) return EXIT_CANNOT_INVOKE;
  return undefined;
}

export function startError(runtime: string, message: string): TspodError {
  const text = cleanRuntimeMessage(message);
  const code = classifyStartError(text);
  const suffix = code === EXIT_NOT_FOUND ? ': OCI runtime attempted to invoke a command that was not found'
    : code === EXIT_CANNOT_INVOKE ? ': OCI permission denied' : ': OCI runtime error';
  return new TspodError(code === undefined ? 'OCI_RUNTIME' : 'CANNOT_START', `${runtime}: ${text}${suffix}`, { exitCode: code });
}

export function conmonArgs(o: ConmonOptions): string[] {
  const a = ['--api-version', '1', '-c', o.id, '-u', o.exec ? `${o.id}-exec` : o.id, '-r', o.runtime.path, '-b', o.bundle,
    '-p', o.pidFile, '-n', o.name, '--exit-dir', o.exitDir, '--persist-dir', o.persistDir, '--full-attach',
    '-l', `${o.logDriver === 'none' ? 'none' : 'k8s-file'}:${o.logPath}`, '--log-level', o.logLevel ?? 'warning',
    '--conmon-pidfile', o.conmonPidFile];
  // as podman: -t alone for a terminal (conmon feeds attach input to the pty master); with -i it
  // would close the container's stdin when the first attach client leaves, so a detach kills input
  if (o.tty) a.push('-t');
  else if (o.stdin) a.push('-i');
  if (o.logSizeMax !== undefined) a.push('--log-size-max', String(o.logSizeMax));
  if (o.logTag !== undefined) a.push('--log-tag', o.logTag);
  if (o.timeout) a.push('--timeout', String(o.timeout));
  // conmon hands runtime options on to `runtime create` (podman's formatRuntimeOpts)
  if (o.preserveFds) a.push('--runtime-opt', '--preserve-fds', '--runtime-opt', String(o.preserveFds));
  if (o.sdNotifySocket) a.push(`--sdnotify-socket=${o.sdNotifySocket}`);
  for (const r of o.runtime.globalArgs) a.push('--runtime-arg', r);
  if (o.exec) {
    a.push('-e', '--exec-process-spec', o.exec.processSpec);
    if (o.exec.attach) a.push('--exec-attach');
  }
  if (o.exitCommand.length) {
    a.push('--exit-command', o.exitCommand[0]);
    for (const x of o.exitCommand.slice(1)) a.push('--exit-command-arg', x);
  }
  return a;
}

/** Start conmon; resolves with the container (or exec session) pid once the runtime created it. */
export function startConmon(o: ConmonOptions): Promise<{ pid: number }> {
  const bin = findBinary(o.conmonPath ?? 'conmon');
  if (!bin) return Promise.reject(new TspodError('NO_CONMON', o.conmonPath ? `conmon ${o.conmonPath} not found: no such file or directory` : 'conmon not found: install conmon or pass --conmon PATH'));
  const kept = Array.from({ length: o.preserveFds ?? 0 }, (_, n) => n + 3);
  const syncFd = 3 + kept.length;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, conmonArgs(o), {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', ...kept, 'pipe'],
      env: { ...(o.env ?? process.env), _OCI_SYNCPIPE: String(syncFd) },
    });
    let stderr = '';
    let sync = '';
    let done = false;
    const finish = (err?: Error, pid?: number) => {
      if (done) return;
      done = true;
      child.stderr?.destroy();
      (child.stdio[syncFd] as NodeJS.ReadableStream & { destroy(): void }).destroy();
      child.unref();
      if (err) reject(err);
      else resolve({ pid: pid! });
    };
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', (err) => finish(new TspodError('NO_CONMON', `starting conmon: ${err.message}`)));
    const pipe = child.stdio[syncFd] as NodeJS.ReadableStream;
    pipe.on('data', (d) => {
      sync += d;
      for (const line of sync.split('\n')) {
        const t = line.trim();
        if (!t) continue;
        let msg: { data?: number; pid?: number; message?: string };
        try { msg = JSON.parse(t); } catch { continue; }
        const pid = msg.data ?? msg.pid ?? -1;
        if (pid > 0) finish(undefined, pid);
        else finish(startError(o.runtime.name, msg.message ?? stderr ?? 'container create failed'));
        return;
      }
    });
    pipe.on('close', () => finish(new TspodError('OCI_RUNTIME', `conmon failed: ${stderr.trim() || 'no status from conmon'}`)));
  });
}
