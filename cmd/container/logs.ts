import type { CommandModule, Io } from '../types.ts';
import { openEngine } from './shared.ts';
import { TspodError } from '../../lib/errors.ts';

interface LogsOptions { names?: string[]; follow?: boolean; tail?: number; since?: string; until?: string; timestamps?: boolean; latest?: boolean; names_?: boolean }

/** "10m", "2h30m", RFC3339 or a unix timestamp -> ms since epoch. */
export function parseTimeFlag(s: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const d = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(s);
  if (d && s) return now - ((Number(d[1] ?? 0) * 3600 + Number(d[2] ?? 0) * 60 + Number(d[3] ?? 0)) * 1000);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new TspodError('USAGE', `invalid time "${s}"`);
  return t;
}

export function logsCommand(): CommandModule<LogsOptions> {
  return {
    command: 'logs [names..]',
    describe: 'Fetch the logs of one or more containers',
    builder: (y) => y.positional('names', { type: 'string', array: true })
      .option('follow', { alias: 'f', type: 'boolean', describe: 'Follow log output' })
      .option('tail', { type: 'number', describe: 'Output the specified number of LINES at the end of the logs', default: -1 })
      .option('since', { type: 'string', describe: 'Show logs since TIMESTAMP' })
      .option('until', { type: 'string', describe: 'Show logs until TIMESTAMP' })
      .option('timestamps', { alias: 't', type: 'boolean', describe: 'Output the timestamps in the log' })
      .option('latest', { alias: 'l', type: 'boolean', describe: 'Act on the latest container podman is aware of' }),
    handler: async (o, io) => {
      const engine = await openEngine(o);
      const { selectTargets } = await import('./targets.ts');
      const targets = await selectTargets(engine, o);
      for (const t of targets) await showLogs(engine, t, o, io, targets.length > 1);
      return 0;
    },
  };
}

async function showLogs(engine: import('../../lib/containers/engine.ts').ContainerEngine, ref: string, o: LogsOptions, io: Io, prefix: boolean): Promise<void> {
  const { readLogFrom, entryTime } = await import('../../lib/containers/logs.ts');
  const c = await engine.inspect(ref);
  if (c.config.logDriver === 'none') throw new TspodError('NO_LOGS', `this container is using the 'none' log driver, cannot read logs: this container is not logging output`);
  const since = o.since ? parseTimeFlag(o.since) : undefined;
  const until = o.until ? parseTimeFlag(o.until) : undefined;
  let { entries, offset } = readLogFrom(c.config.logPath, 0);
  const emit = (list: typeof entries) => {
    for (const e of list) {
      const t = entryTime(e);
      if (since !== undefined && t < since) continue;
      if (until !== undefined && t > until) continue;
      const text = (o.timestamps ? `${e.time} ` : '') + (prefix ? `${c.config.id.slice(0, 12)} ` : '') + e.text + (e.partial ? '' : '\n');
      (e.stream === 'stderr' ? io.stderr : io.stdout).write(text);
    }
  };
  if (o.tail !== undefined && o.tail >= 0) {
    // count whole lines: a line is its partials plus the final F entry
    let lines = 0, i = entries.length;
    while (i > 0 && lines < o.tail) {
      i--;
      if (!entries[i].partial) lines++;
    }
    while (i > 0 && entries[i - 1].partial) i--;
    if (o.tail === 0) i = entries.length;
    entries = entries.slice(i);
  }
  emit(entries);
  if (!o.follow) return;
  const { existsSync } = await import('node:fs');
  for (;;) {
    const running = ['running', 'paused', 'stopping'].includes((engine.store.readState(c.config.id) ?? { status: 'exited' }).status) && !existsSync(engine.store.exitFile(c.config.id));
    const r = readLogFrom(c.config.logPath, offset);
    offset = r.offset;
    emit(r.entries);
    if (!running) {
      const last = readLogFrom(c.config.logPath, offset);
      emit(last.entries);
      return;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}
