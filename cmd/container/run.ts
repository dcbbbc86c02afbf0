import type { CommandModule, GlobalOptions, Io } from '../types.ts';
import { RUN_FLAGS, addFlags, argsAfterVerb, openEngine, parseFlags } from './shared.ts';
import { createWithPull, pullFlagsOf, toCreateOptions } from './create.ts';
import { TspodError } from '../../lib/errors.ts';
import { GLOBAL_FLAGS_AFTER_VERB, HELP_FLAG, HelpRequested, containerIo, effectiveGlobals, globalIo } from '../shared/global.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';

/** run -a: the container's streams shown (stdin follows -i, as podman 4.3). */
export interface AttachStreams { stdout: boolean; stderr: boolean }

export function parseAttach(values: string[] | undefined): AttachStreams | undefined {
  if (!values?.length) return undefined;
  const set = new Set<string>();
  for (const v of values.flatMap((x) => x.split(','))) {
    const s = v.toLowerCase();
    if (!['stdin', 'stdout', 'stderr'].includes(s)) throw new TspodError('USAGE', `invalid stream "${v}" for --attach - must be one of stdin, stdout, or stderr: invalid argument`);
    set.add(s);
  }
  return { stdout: set.has('stdout'), stderr: set.has('stderr') };
}

/**
 * Attach to a created container, start it, relay its stdio until it ends, and return its exit code.
 * Shared by run and start -a.
 */
export async function startAttached(engine: ContainerEngine, id: string, io: Io, o: { interactive: boolean; tty: boolean; sigProxy: boolean; detachKeys: string; autoRemove?: boolean; streams?: AttachStreams }): Promise<number | 'detached'> {
  const { connectAttachAccepted, relay, parseDetachKeys, attachTerminal } = await import('../../lib/containers/attach.ts');
  const { acquireLock } = await import('../../lib/lock/index.ts');
  const { join } = await import('node:path');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(engine.store.runDir(id), { recursive: true });
  // while held, conmon's `cleanup --rm` leaves removal (and the exit code) to us
  const attached = await acquireLock(join(engine.store.runDir(id), 'attach.lock'), { shared: true });
  let relayP: Promise<{ detached: boolean }> | undefined;
  const stdin = io.stdin as NodeJS.ReadStream;
  let restoreTerminal: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals) => { engine.kill(id, sig).catch(() => {}); };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  // --sig-proxy: from before the start, so a signal as soon as the container speaks is not lost
  if (o.sigProxy && !o.tty) for (const s of signals) process.on(s, onSignal);
  try {
    await engine.start(id, async (c) => {
      const fd = await connectAttachAccepted(engine.store.bundleDir(c.config.id), c.state.conmonPid);
      if (o.tty) restoreTerminal = attachTerminal(stdin, io.stdout as NodeJS.WriteStream, engine.store.bundleDir(id), o.interactive);
      relayP = relay(fd, {
        // a stream not attached (-a) is read and dropped
        stdout: o.streams?.stdout === false ? undefined : io.stdout, stderr: o.streams?.stderr === false ? undefined : io.stderr,
        stdin: o.interactive ? stdin : undefined,
        detachKeys: o.tty && o.interactive ? parseDetachKeys(o.detachKeys) : [],
      });
    });
    const started = engine.store.get(id);
    if (started) engine.event('attach', started.config);
    const r = await relayP!;
    const { mark } = await import('../../lib/containers/timing.ts');
    mark('attach closed');
    if (r.detached) return 'detached';
    await engine.waitExit(id, 24 * 3600 * 1000);
    const c = await engine.inspect(id);
    mark('exit code read');
    // conmon's exit command left the cleanup to us (we hold attach.lock); --rm removes right after,
    // still holding it so that the exit command does not start a second process for the same work
    if (o.autoRemove) await engine.remove(id, { force: true }).catch(() => {});
    else {
      // a restart by policy starts a new run: its exit command must find attach.lock free
      attached.release();
      await engine.cleanup(id).catch(() => {});
    }
    return c.state.exitCode;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    restoreTerminal?.();
    attached.release();
  }
}

/**
 * --rmi: the image goes once its container did, unless another container still uses it: then
 * podman logs why and the run keeps the container's exit status.
 */
export async function removeImageAfterRun(globals: Record<string, unknown>, image: string, io: Io): Promise<void> {
  const { rmCommand } = await import('../image/rm.ts');
  const quiet: Io = { ...io, stdout: { write: () => true } as unknown as Io['stdout'] };
  try {
    await rmCommand().handler({ ...globals, images: [image] } as never, quiet);
  } catch (err) {
    io.stderr.write(`ERRO[0000] ${(err as Error).message}\n`);
  }
}

/**
 * podman run's exit status when the container could not be started (define.ExitCode): 127 when
 * something was not found, else 126, "cannot invoke", whatever failed (runtime, network, mount).
 * A missing runtime, conmon or mount_program stays 125: podman finds out before it starts anything.
 */
const FOUND_BEFORE_START = new Set(['NO_RUNTIME', 'NO_CONMON', 'NO_MOUNT_PROGRAM']);
function runExitCode(err: unknown): unknown {
  if (!(err instanceof TspodError) || err.exitCode !== 125 || FOUND_BEFORE_START.has(err.code)) return err;
  const notFound = /file not found|no such file or directory/i.test(err.message);
  return new TspodError(err.code, err.message, { exitCode: notFound ? 127 : 126, hint: err.hint, cause: err });
}

export function runCommand(): CommandModule<GlobalOptions> {
  return {
    command: 'run',
    describe: 'Run a command in a new container',
    builder: (y) => addFlags(y, RUN_FLAGS)
      .example('tspod run --rm busybox echo hi', '')
      .example('tspod run -d --name web -p 8080:80 nginx', ''),
    handler: async (argv, io) => {
      // global options may follow the verb (podman's are persistent); parsing still stops at the first positional
      const { opts, rest } = parseFlags(argsAfterVerb(argv as any, 'run'), [...RUN_FLAGS, ...GLOBAL_FLAGS_AFTER_VERB, HELP_FLAG]);
      if (opts.help) throw new HelpRequested('run');
      argv = effectiveGlobals(argv, opts);
      io = globalIo(argv, io); // --noout after the verb
      if (rest.length === 0) throw new TspodError('USAGE', 'run requires at least 1 arg(s), only received 0');
      if (opts.rmi) opts.rm = true;
      const streams = parseAttach(opts.attach);
      if (opts.detach && opts.rm && opts.restart && opts.restart !== 'no') throw new TspodError('USAGE', 'the --rm option conflicts with --restart');
      const engine = await openEngine(argv);
      const co = { ...toCreateOptions(opts, rest[0], rest.slice(1), io), ...(opts.rmi ? { removeImage: rest[0] } : {}) };
      co.createCommand = ['tspod', ...process.argv.slice(2)]; // inspect's Config.CreateCommand, what `container clone` re-reads
      const c = await createWithPull(engine, co, opts.pull, !!opts.quiet, io, pullFlagsOf(opts));
      const id = c.config.id;
      if (opts.detach) {
        try {
          await engine.start(id);
        } catch (err) {
          if (opts.rm) await engine.remove(id, { force: true }).catch(() => {});
          throw runExitCode(err);
        }
        io.stdout.write(`${id}\n`);
        return 0;
      }
      let code: number | 'detached';
      try {
        code = await startAttached(engine, id, containerIo(io), { interactive: !!opts.interactive, tty: !!opts.tty, sigProxy: opts.sigProxy !== false, detachKeys: opts.detachKeys, autoRemove: !!opts.rm, streams });
      } catch (err) {
        if (opts.rm) await engine.remove(id, { force: true }).catch(() => {});
        throw runExitCode(err);
      }
      if (code === 'detached') return 0;
      if (opts.rmi) await removeImageAfterRun(argv as never, rest[0], io);
      return code;
    },
  };
}
