// Events as podman's file backend writes them: one JSON object a line (libpod/events.Event, field order
// kept) appended to ${runRoot}/events/events.log. Writers call recordEvent once per happening; an
// append with O_APPEND of one short line is atomic enough for concurrent tspod processes. The global
// --events-backend none (or events_logger = "none") turns writing off; journald is written here too.
import { appendFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { storagePaths } from '../config/paths.ts';

export interface TspodEvent {
  ID?: string;
  Image?: string;
  Name: string;
  Status: string;
  /** RFC 3339 with nanoseconds, UTC (Go's time.Time JSON). */
  Time: string;
  Type: 'container' | 'image' | 'volume' | 'network' | 'pod' | 'system';
  Attributes: Record<string, string> | null;
}

export interface EventSink { runRoot: string; backend?: string }

/** The sink of the global options (--root/--runroot/--storage-driver, --events-backend), at the engine's run root. */
export function eventSink(g: { root?: string; runroot?: string; storageDriver?: string; eventsBackend?: string }): EventSink {
  return { runRoot: resolve(storagePaths(g).runRoot), backend: g.eventsBackend };
}

export function eventsLogPath(runRoot: string): string {
  return `${runRoot}/events/events.log`;
}

/** Now with nanoseconds: the wall clock's milliseconds and the monotonic clock's sub-millisecond part. */
export function nowNano(): string {
  const ms = Date.now();
  const sub = Number(process.hrtime.bigint() % 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = `${String(ms % 1000).padStart(3, '0')}${String(sub).padStart(6, '0')}`.replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

/** Append one event; never throws (an event lost must not fail the command). */
export function recordEvent(sink: EventSink, e: Omit<TspodEvent, 'Time'> & { Time?: string }): void {
  if (sink.backend === 'none') return;
  const ev: TspodEvent = { ...(e.ID !== undefined ? { ID: e.ID } : {}), ...(e.Image !== undefined ? { Image: e.Image } : {}),
    Name: e.Name, Status: e.Status, Time: e.Time ?? nowNano(), Type: e.Type, Attributes: e.Attributes };
  try {
    const path = eventsLogPath(sink.runRoot);
    try {
      appendFileSync(path, `${JSON.stringify(ev)}\n`);
    } catch {
      mkdirSync(`${sink.runRoot}/events`, { recursive: true });
      appendFileSync(path, `${JSON.stringify(ev)}\n`);
    }
  } catch { /* unwritable run root */ }
}

/** A container's event: its ID, image, first name and labels (podman's Attributes). */
export function containerEvent(sink: EventSink, status: string, c: { id: string; imageName: string; names: string[]; labels?: Record<string, string> }): void {
  recordEvent(sink, { ID: c.id, Image: c.imageName, Name: c.names[0] ?? '', Status: status, Type: 'container', Attributes: { ...c.labels } });
}

/** A volume's event: its name only. */
export function volumeEvent(sink: EventSink, status: string, name: string): void {
  recordEvent(sink, { Name: name, Status: status, Type: 'volume', Attributes: null });
}

/** An image's event: pull/push name the reference only; tag/untag/remove the ID and the name. */
export function imageEvent(sink: EventSink, status: string, name: string, id?: string): void {
  recordEvent(sink, { ...(id ? { ID: id } : {}), Name: name, Status: status, Type: 'image', Attributes: null });
}
