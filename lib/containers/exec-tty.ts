// exec -t the podman way (libpod/oci_conmon_exec_linux.go): conmon --exec -t with its own console
// socket (the runtime sends the pty master to conmon over SCM_RIGHTS), an attach socket in the session
// directory, and two pipes: conmon says on _OCI_ATTACHPIPE that the attach socket is ready, and waits
// on _OCI_STARTPIPE until we are attached before the runtime runs the process, so no output is lost.
// The exit code comes back on _OCI_SYNCPIPE after the pid.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TspodError } from '../errors.ts';
import type { OciRuntime } from '../runtime/runtime.ts';
import { findBinary } from '../runtime/runtime.ts';
import { conmonArgs, startError } from './conmon.ts';
import { attachTerminal, connectAttach, parseDetachKeys, relay } from './attach.ts';

export interface ExecTtyOptions {
  conmonPath?: string;
  runtime: OciRuntime;
  containerId: string;
  containerName: string;
  /** the container's run dir: sessions live below it in exec/<session>/ */
  runDir: string;
  /** process spec file (terminal: true) */
  processSpec: string;
  interactive: boolean;
  /** exec -d -t: start it on its pty and leave it to its conmon */
  detach?: boolean;
  detachKeys?: string;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

interface SyncMessage { data?: number; message?: string }

/** Reads conmon's JSON lines ({"data": N, "message"?}) from one pipe, in order. */
function messages(stream: NodeJS.ReadableStream): () => Promise<SyncMessage | undefined> {
  const queue: SyncMessage[] = [];
  let waiter: ((m: SyncMessage | undefined) => void) | undefined;
  let ended = false;
  let buf = '';
  stream.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const line of lines) {
      if (!line.trim()) continue;
      try { queue.push(JSON.parse(line)); } catch { continue; }
    }
    if (waiter && queue.length) { const w = waiter; waiter = undefined; w(queue.shift()); }
  });
  const end = () => { ended = true; if (waiter) { const w = waiter; waiter = undefined; w(undefined); } };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return () => (queue.length ? Promise.resolve(queue.shift()) : ended ? Promise.resolve(undefined) : new Promise((r) => (waiter = r)));
}

/** Run the exec session on a new pty, relaying the caller's terminal; resolves with its exit code. */
export async function execTty(o: ExecTtyOptions): Promise<number> {
  const bin = o.conmonPath ?? findBinary('conmon');
  if (!bin) throw new TspodError('NO_CONMON', 'conmon not found: install conmon or pass --conmon PATH');
  const session = randomBytes(16).toString('hex');
  const dir = join(o.runDir, 'exec', session);
  mkdirSync(dir, { recursive: true });
  const args = conmonArgs({
    id: o.containerId, name: o.containerName, runtime: o.runtime, bundle: dir,
    pidFile: join(dir, 'pid'), conmonPidFile: join(dir, 'conmon.pid'), exitDir: dir, persistDir: dir,
    logDriver: 'none', logPath: join(dir, 'log'), stdin: o.interactive, tty: true, exitCommand: [],
    exec: { processSpec: o.processSpec, attach: !o.detach },
  });
  const child = spawn(bin, args, {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    env: { ...(o.env ?? process.env), _OCI_SYNCPIPE: '3', _OCI_ATTACHPIPE: '4', _OCI_STARTPIPE: '5' },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const sync = messages(child.stdio[3] as NodeJS.ReadableStream);
  const attachReady = messages(child.stdio[4] as NodeJS.ReadableStream);
  const start = (child.stdio as unknown as NodeJS.WritableStream[])[5];
  const spawnFailed = new Promise<never>((_, rej) => child.on('error', (e) => rej(new TspodError('NO_CONMON', `starting conmon: ${e.message}`))));
  let restore: (() => void) | undefined;
  let detached = false;
  try {
    // first write: conmon may go on (podman moves it to a cgroup here); the second starts the process
    start.write('0');
    if (o.detach) {
      const pid = await Promise.race([sync(), spawnFailed]);
      if (!pid || (pid.data ?? -1) <= 0) throw startError(o.runtime.name, pid?.message ?? (stderr.trim() || 'exec failed'));
      detached = true;
      return 0;
    }
    const ready = await Promise.race([attachReady(), spawnFailed]);
    if (!ready || (ready.data ?? -1) < 0) throw new TspodError('OCI_RUNTIME', `conmon failed: ${ready?.message ?? (stderr.trim() || 'no attach message')}`);
    const fd = connectAttach(dir);
    const stdin = o.stdin as NodeJS.ReadStream;
    restore = attachTerminal(stdin, o.stdout as NodeJS.WriteStream, dir, o.interactive);
    start.write('0');
    const pid = await sync();
    if (!pid || (pid.data ?? -1) <= 0) {
      try { (await import('node:fs')).closeSync(fd); } catch { /* closed */ }
      throw startError(o.runtime.name, pid?.message ?? (stderr.trim() || 'exec failed'));
    }
    const r = await relay(fd, {
      stdout: o.stdout, stdin: o.interactive ? stdin : undefined,
      detachKeys: o.interactive ? parseDetachKeys(o.detachKeys ?? 'ctrl-p,ctrl-q') : [],
    });
    // detached: the session goes on under its conmon, which keeps its directory
    if (r.detached) { detached = true; return 0; }
    const exit = await sync();
    if (!exit || exit.data === undefined) throw new TspodError('OCI_RUNTIME', `reading exit code of exec session: ${stderr.trim() || 'conmon ended without one'}`);
    return exit.data;
  } finally {
    restore?.();
    for (const i of [2, 3, 4, 5]) (child.stdio as unknown as { destroy(): void }[])[i].destroy();
    child.unref();
    if (!detached) rmSync(dir, { recursive: true, force: true });
  }
}
