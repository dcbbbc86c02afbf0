import type { CommandModule, GlobalOptions, Io } from '../types.ts';
import { RUN_FLAGS, addFlags, argsAfterVerb, openEngine, parseFlags } from './shared.ts';
import { createWithPull, pullFlagsOf, toCreateOptions } from './create.ts';
import { TspodError } from '../../lib/errors.ts';
import { GLOBAL_FLAGS_AFTER_VERB, HELP_FLAG, HelpRequested, effectiveGlobals } from '../shared/global.ts';
import type { ContainerEngine } from '../../lib/containers/engine.ts';

/**
 * Attach to a created container, start it, relay its stdio until it ends, and return its exit code.
 * Shared by run and start -a.
 */
export async function startAttached(engine: ContainerEngine, id: string, io: Io, o: { interactive: boolean; tty: boolean; sigProxy: boolean; detachKeys: string; autoRemove?: boolean }): Promise<number | 'detached'> {
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
        stdout: io.stdout, stderr: io.stderr, stdin: o.interactive ? stdin : undefined,
        detachKeys: o.tty && o.interactive ? parseDetachKeys(o.detachKeys) : [],
      });
    });
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
      if (rest.length === 0) throw new TspodError('USAGE', 'run requires at least 1 arg(s), only received 0');
      if (opts.detach && opts.rm && opts.restart && opts.restart !== 'no') throw new TspodError('USAGE', 'the --rm option conflicts with --restart');
      const engine = await openEngine(argv);
      const co = toCreateOptions(opts, rest[0], rest.slice(1), io);
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
        code = await startAttached(engine, id, io, { interactive: !!opts.interactive, tty: !!opts.tty, sigProxy: opts.sigProxy !== false, detachKeys: opts.detachKeys, autoRemove: !!opts.rm });
      } catch (err) {
        if (opts.rm) await engine.remove(id, { force: true }).catch(() => {});
        throw runExitCode(err);
      }
      return code === 'detached' ? 0 : code;
    },
  };
}
