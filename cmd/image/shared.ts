// Shared by the image-store verbs: opening the store for the global options, podman's human sizes and
// times (docker/go-units), and a tabwriter-like table with podman's settings (minwidth 12, padding 2).
import type { GlobalOptions } from '../types.ts';
import type { Store } from '../../lib/storage/index.ts';
import { TspodError } from '../../lib/errors.ts';

export async function openImageStore(g: GlobalOptions): Promise<Store> {
  const { storagePaths } = await import('../../lib/config/paths.ts');
  const { openStore } = await import('../../lib/storage/index.ts');
  const p = storagePaths(g);
  return openStore({ graphRoot: p.graphRoot, runRoot: p.runRoot });
}

/** Go's %.3g for a positive number below 1000, as HumanSizeWithPrecision(size, 3) prints it. */
function g3(v: number): string {
  const s = v.toPrecision(3);
  if (s.includes('e')) return String(Math.round(v));
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** "4.26 MB" (decimal units, 3 significant digits). */
export function humanSize(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${g3(v)} ${UNITS[i]}`;
}

/** go-units HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(ms / 60000);
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

export function timeAgo(iso: string, now = Date.now()): string {
  return `${humanDuration(Math.max(0, now - Date.parse(iso)))} ago`;
}

/** Go's time.Time String() truncated to seconds: "2026-11-25 04:38:47 +0000 UTC". */
export function goTime(iso: string): string {
  const d = new Date(Math.floor(Date.parse(iso) / 1000) * 1000);
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60000);
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())} ${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}`;
  const sign = off >= 0 ? '+' : '-';
  const zone = `${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${date} ${zone} ${off === 0 ? 'UTC' : zone}`;
}

/** Columns aligned like Go's tabwriter(minwidth 12, padding 2); the last column is not padded. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, c.length + 2, 12); });
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('') + '\n').join('');
}

/**
 * --format handling for lists through the shared formatList (podman's report rules): "table ..." gets a
 * header from the field names (headers overrides them), a plain template prints one line per row.
 */
export async function renderList(
  format: string, rows: object[], headers: Record<string, string>, noHeading: boolean, name = 'images',
): Promise<string> {
  const { formatList } = await import('../shared/format.ts');
  const out = await formatList(format, rows, format, { headers, name });
  if (noHeading && /^table /.test(format)) return out.slice(out.indexOf('\n') + 1);
  return out;
}


/** podman's NormalizeName for tag/untag: short names go to localhost/, ":latest" when no tag. */
export async function normalizeTarget(name: string): Promise<string> {
  const { isShortName, parseNamed, parseReference, withDefaultTag } = await import('../../lib/reference/parse.ts');
  const ref = isShortName(name) ? parseReference(`localhost/${name}`) : parseNamed(name);
  if (ref.digest && !ref.tag) throw new TspodError('INVALID_REFERENCE', `${name}: tagging with a digest is not supported`);
  return withDefaultTag(ref).toString();
}

/** Several per-image failures reported at once, like podman's multierror. */
export function combinedError(errors: TspodError[]): TspodError {
  if (errors.length === 1) return errors[0];
  const msg = `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e.message}`).join('\n')}`;
  return new TspodError(errors[0].code, msg, { exitCode: Math.max(...errors.map((e) => e.exitCode)) });
}
