// --format handling shared by every command: "json", "table ..." and Go templates, with podman's
// rules (containers/common pkg/report): a "table" format has every space turned into a tab, a header
// row rendered by the same template against the column titles, and goes through a tabwriter
// (min width 12, padding 2); a plain template prints one line per row with no header and no
// alignment; "json" and "{{json .}}" print the rows as an indented JSON array.
// The template engine lives in lib/template and is loaded only when needed.

export interface FormatListOptions {
  /** Column titles by field name, overriding the derived ones ({ ID: 'IMAGE ID' }). */
  headers?: Record<string, string>;
  /** Template name in error messages (podman uses the command name: "images"). */
  name?: string;
  /** --noheading: a table without its header line. */
  noHeading?: boolean;
}

/** Whether a --format value asks for JSON output (podman's report.IsJSON). */
export function isJsonFormat(format: string | undefined): boolean {
  return format !== undefined && /^\s*(?:json|\{\{\s*json\s*\.?\s*\}\})\s*$/.test(format);
}

/** Format a single object (inspect/version/info style). Returns text ending in a newline. */
export async function formatOutput(format: string, value: unknown, opts: { name?: string } = {}): Promise<string> {
  const { goJson, renderTemplate } = await import('../../lib/template/index.ts');
  if (isJsonFormat(format)) return goJson(value, '    ') + '\n';
  const out = renderTemplate(format, value, { name: opts.name });
  return out.endsWith('\n') ? out : out + '\n';
}

/** fatih/camelcase.Split as podman uses it for headers: "CreatedAt" -> ["Created", "At"], "ID" -> ["ID"]. */
export function splitCamelCase(s: string): string[] {
  const runs: string[][] = [];
  let last = 0;
  for (const ch of s) {
    const cls = /\p{Ll}/u.test(ch) ? 1 : /\p{Lu}/u.test(ch) ? 2 : /\p{Nd}/u.test(ch) ? 3 : 4;
    if (cls === last) runs[runs.length - 1].push(ch);
    else runs.push([ch]);
    last = cls;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    if (/\p{Lu}/u.test(runs[i][0]) && /\p{Ll}/u.test(runs[i + 1][0])) runs[i + 1].unshift(runs[i].pop()!);
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

/** podman's default column title for a field: "CreatedAt" -> "CREATED AT". */
export function headerFor(field: string): string {
  return splitCamelCase(field).join(' ').toUpperCase();
}

const TABLE_REPLACE: Record<string, string> = { 'table ': '', '\\t': '\t', ' ': '\t', '\\n': '\n' };

/** podman's NormalizeFormat: strip "table ", unescape \t and \n, spaces become tabs in tables, end with \n. */
export function normalizeFormat(format: string): { template: string; table: boolean } {
  let f: string;
  let table = false;
  if (format.startsWith('table ')) {
    table = true;
    f = format.replace(/table |\\t| |\\n/g, (m) => TABLE_REPLACE[m]);
  } else {
    f = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  }
  if (!f.endsWith('\n')) f += '\n';
  return { template: f, table };
}

const RANGE_RE = /\{\{\s*range\s*\.\s*\}\}[\s\S]*\{\{\s*-?\s*end\s*-?\s*\}\}/;

/**
 * Format a list of rows (images, containers, volumes...) with podman's semantics:
 * no format -> defaultTableFormat; "table" -> defaultTableFormat; "table {{.A}}\t{{.B}}" -> header
 * titles derived from field names (opts.headers overrides) and tabwriter-aligned columns; "json" ->
 * JSON array indented with 4 spaces; any other template -> one rendered line per row.
 */
export async function formatList(
  format: string | undefined,
  rows: object[],
  defaultTableFormat: string,
  opts: FormatListOptions | Record<string, string> = {},
): Promise<string> {
  const options: FormatListOptions = 'headers' in opts || 'name' in opts || 'noHeading' in opts
    ? (opts as FormatListOptions)
    : { headers: opts as Record<string, string> };
  const { compileTemplate, goJson } = await import('../../lib/template/index.ts');
  let f = format === undefined || format === '' || /^\s*table\s*$/.test(format) ? defaultTableFormat : format;
  if (isJsonFormat(f)) return goJson(rows, '    ') + '\n';
  const { template, table } = normalizeFormat(f);
  const source = RANGE_RE.test(template) ? template : `{{range .}}${template}{{end -}}`;
  const t = compileTemplate(source, { name: options.name });
  let out = '';
  if (table && !options.noHeading) out += t.execute([headerRow(rows, options.headers)]);
  out += t.execute(rows);
  if (!table) return out;
  const { tabwrite } = await import('../../lib/template/tabwriter.ts');
  return tabwrite(out);
}

/** The object the header line is rendered from: field name -> column title. */
function headerRow(rows: object[], overrides: Record<string, string> = {}): Record<string, string> {
  const known = new Set<string>();
  const methods = new Set<string>();
  for (const r of rows.slice(0, 1)) {
    for (const k of Object.keys(r)) {
      known.add(k);
      if (typeof (r as Record<string, unknown>)[k] === 'function') methods.add(k);
    }
  }
  const upper = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, v.toUpperCase()]));
  const title = (name: string) => upper[name] ?? (known.size === 0 || known.has(name) ? headerFor(name) : undefined);
  // With no rows the fields are unknown: derive a title for whatever the template names.
  // A method field ({{.Label "x"}}) gets a method returning its title, so its arguments are accepted.
  return new Proxy({} as Record<string, string>, {
    get: (_t, name) => (typeof name !== 'string' ? undefined : methods.has(name) ? () => title(name) : title(name)),
    has: (_t, name) => typeof name === 'string' && (name in upper || known.size === 0 || known.has(name)),
    ownKeys: () => [...new Set([...known, ...Object.keys(upper)])],
    getOwnPropertyDescriptor: (_t, name) => (typeof name === 'string' ? { enumerable: true, configurable: true, value: upper[name] ?? headerFor(name) } : undefined),
  });
}
