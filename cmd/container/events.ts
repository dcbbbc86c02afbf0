import type { CommandModule, GlobalOptions, Io } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';
import type { TspodEvent } from '../../lib/events/index.ts';

interface EventsOptions extends GlobalOptions { since?: string; until?: string; filter?: string | string[]; format?: string; stream?: boolean; noTrunc?: boolean }

const FILTER_KEYS = ['container', 'event', 'status', 'image', 'label', 'type', 'volume', 'pod', 'network'];

/** Go's time.Time String() of an RFC 3339 UTC time: "2026-11-25 10:50:06.413256839 +0000 UTC". */
export function goTime(rfc3339: string): string {
  return rfc3339.replace('T', ' ').replace(/Z$/, ' +0000 UTC');
}

/** podman's Event.ToHumanReadable. */
export function humanLine(e: TspodEvent, noTrunc: boolean): string {
  const id = e.ID ? (noTrunc ? e.ID : e.ID.slice(0, 12)) : '';
  const t = goTime(e.Time);
  switch (e.Type) {
    case 'container': case 'pod': {
      const attrs = Object.keys(e.Attributes ?? {}).sort().map((k) => `, ${k}=${e.Attributes![k]}`).join('');
      return `${t} ${e.Type} ${e.Status} ${id} (image=${e.Image ?? ''}, name=${e.Name}${attrs})`;
    }
    case 'image': return `${t} ${e.Type} ${e.Status} ${id} ${e.Name}`;
    default: return `${t} ${e.Type} ${e.Status} ${e.Name}`;
  }
}

/** --filter KEY=VALUE: the same key ORed, different keys ANDed (podman 4.3). */
export function eventFilter(specs: string[]): (e: TspodEvent) => boolean {
  const byKey = new Map<string, string[]>();
  for (const s of specs) {
    const eq = s.indexOf('=');
    const key = eq < 0 ? s : s.slice(0, eq);
    if (eq < 0 || !FILTER_KEYS.includes(key)) throw new TspodError('USAGE', `${s} is an invalid filter`);
    byKey.set(key, [...byKey.get(key) ?? [], s.slice(eq + 1)]);
  }
  const one = (key: string, v: string, e: TspodEvent): boolean => {
    switch (key) {
      case 'container': return e.Type === 'container' && (e.Name === v || (!!e.ID && e.ID.startsWith(v)));
      case 'event': case 'status': return e.Status === v;
      case 'image': return e.Type === 'container' ? e.Image === v || e.Image?.split(':')[0] === v : e.Type === 'image' && (e.Name === v || (!!e.ID && e.ID.startsWith(v)));
      case 'type': return e.Type === v;
      case 'volume': return e.Type === 'volume' && e.Name === v;
      case 'network': return e.Type === 'network' && e.Name === v;
      case 'pod': return e.Type === 'pod' && e.Name === v;
      case 'label': {
        const [k, val] = v.split(/=(.*)/s);
        return !!e.Attributes && k in e.Attributes && (val === undefined || e.Attributes[k] === val);
      }
      default: return false;
    }
  };
  return (e) => [...byKey].every(([key, vals]) => vals.some((v) => one(key, v, e)));
}

/** podman events with the file backend: the recorded events, then (--stream, the default) the new ones as they come. */
export function eventsCommand(): CommandModule<EventsOptions> {
  return {
    command: 'events',
    describe: 'Show podman system events',
    builder: (y) => y
      .option('filter', { alias: 'f', type: 'string', array: true, describe: 'filter output' })
      .option('format', { type: 'string', describe: 'format the output using a Go template' })
      .option('no-trunc', { type: 'boolean', default: true, describe: 'do not truncate the output' })
      .option('since', { type: 'string', describe: 'show all events created since timestamp' })
      .option('stream', { type: 'boolean', default: true, describe: 'stream new events; for testing only' })
      .option('until', { type: 'string', describe: 'show all events until timestamp' }),
    handler: async (o, io) => {
      const { parseTimeFlag } = await import('./logs.ts');
      const { eventSink, eventsLogPath } = await import('../../lib/events/index.ts');
      const since = o.since ? parseTimeFlag(o.since) : undefined;
      // a duration is before now for --since, after now for --until (podman's ParseInputTime)
      const now = Date.now();
      const until = o.until ? (/^[\d.hms]+$/.test(o.until) && /[hms]$/.test(o.until) ? 2 * now - parseTimeFlag(o.until, now) : parseTimeFlag(o.until, now)) : undefined;
      const match = eventFilter(([] as string[]).concat(o.filter ?? []));
      const path = eventsLogPath(eventSink(o).runRoot);
      const format = o.format;
      let render: (e: TspodEvent, line: string) => Promise<string>;
      if (format === undefined || format === '') render = async (e) => humanLine(e, o.noTrunc !== false);
      else if (/^\s*(json|\{\{\s*json\s*\.?\s*\}\})\s*$/.test(format)) render = async (_e, line) => line;
      else {
        const { renderTemplate } = await import('../../lib/template/index.ts');
        const tmpl = format.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
        render = async (e) => renderTemplate(tmpl, { ...e, ID: e.ID ?? '', Image: e.Image ?? '', Time: goTime(e.Time) }, {});
      }
      const show = async (line: string): Promise<void> => {
        let e: TspodEvent;
        try { e = JSON.parse(line); } catch { return; }
        const t = Date.parse(e.Time);
        if (since !== undefined && t < since) return;
        if (until !== undefined && t > until) return;
        if (!match(e)) return;
        const out = await render(e, line);
        io.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
      };
      return follow(path, show, o.stream !== false ? until ?? Infinity : undefined, io);
    },
  };
}

/** Print the file's lines; with an end time, keep reading what is appended until then (or until killed). */
async function follow(path: string, show: (line: string) => Promise<void>, end: number | undefined, _io: Io): Promise<number> {
  const { openSync, readSync, closeSync, fstatSync } = await import('node:fs');
  let fd: number | undefined;
  let offset = 0, rest = '';
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    if (fd === undefined) {
      try { fd = openSync(path, 'r'); } catch { /* no event yet */ }
    }
    if (fd !== undefined) {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        const lines = (rest + buf.subarray(0, n).toString('utf8')).split('\n');
        rest = lines.pop()!;
        for (const l of lines) if (l) await show(l);
      }
      if (fstatSync(fd).size < offset) { offset = 0; rest = ''; } // truncated: start over
    }
    if (end === undefined || Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (fd !== undefined) closeSync(fd);
  return 0;
}
