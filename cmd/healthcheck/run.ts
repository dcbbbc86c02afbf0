// tspod healthcheck run (podman-healthcheck-run(1)): run the container's check once, inside it, and
// record the result. Exit 0 healthy (nothing printed), 1 "unhealthy", 125 no check or not running.
import type { CommandModule, GlobalOptions, Io } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';

interface RunOptions extends GlobalOptions { container?: string }

export function healthcheckRunCommand(): CommandModule<RunOptions> {
  return {
    command: 'run <container>',
    describe: 'Run the health check of a container',
    builder: (y) => y.positional('container', { type: 'string', describe: 'Container name or ID' })
      .example('$0 healthcheck run mywebapp', ''),
    handler: async (o, io) => {
      const { openEngine } = await import('../container/shared.ts');
      const engine = await openEngine(o);
      let c;
      try {
        c = await engine.inspect(String(o.container));
      } catch (err) {
        throw new TspodError('NO_SUCH_CONTAINER', `unable to look up ${o.container} to perform a health check: ${(err as Error).message}`);
      }
      return runCheck(engine, c.config.id, io);
    },
  };
}

type Engine = Awaited<ReturnType<typeof import('../container/shared.ts').openEngine>>;

async function runCheck(engine: Engine, id: string, io: Io): Promise<number> {
  const h = await import('../../lib/containers/health.ts');
  const c = await engine.inspect(id);
  const check = c.config.healthcheck;
  if (!h.hasCheck(check)) throw new TspodError('NO_HEALTHCHECK', `container ${id} has no defined healthcheck`);
  if (c.state.status !== 'running') throw new TspodError('STATE_IMPROPER', `container ${id} is not running`);
  const timeout = check.Timeout ?? 30e9;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout / 1e6);
  let output = '';
  const { Writable } = await import('node:stream');
  const collect = new Writable({ write(chunk, _enc, done) { output += String(chunk); done(); } });
  const start = new Date();
  let exitCode: number;
  try {
    exitCode = await engine.exec(id, { cmd: h.checkArgs(check), stdout: collect, stderr: collect, signal: abort.signal });
  } catch (err) {
    exitCode = 1;
    output = abort.signal.aborted ? `Health check exceeded timeout of ${timeout / 1e9}s` : (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
  const entry = { Start: start.toISOString(), End: new Date().toISOString(), ExitCode: exitCode === 0 ? 0 : 1, Output: output.trim() };
  let turnedUnhealthy = false;
  await engine.store.withContainer(id, (ctr) => {
    const inStartPeriod = !!check.StartPeriod && Date.now() - Date.parse(ctr.state.startedAt) < check.StartPeriod / 1e6;
    const before = ctr.state.health?.Status;
    ctr.state.health = h.recordRun(ctr.state.health, entry, check.Retries ?? 3, inStartPeriod);
    turnedUnhealthy = before !== 'unhealthy' && ctr.state.health.Status === 'unhealthy';
    engine.store.writeState(id, ctr.state);
  });
  // --health-on-failure: what becomes of a container that turned unhealthy (podman 4.3)
  if (turnedUnhealthy && c.config.healthOnFailure) {
    const action = c.config.healthOnFailure;
    if (action === 'kill') await engine.kill(id, 'SIGKILL');
    else if (action === 'stop') await engine.stop(id);
    else if (action === 'restart') { await engine.stop(id); await engine.start(id); }
  }
  if (entry.ExitCode !== 0) {
    io.stdout.write('unhealthy\n');
    return 1;
  }
  return 0;
}
