// Bits shared by the volume and network verbs: store paths from the global options, label parsing,
// the y/N prompt, and podman's inspect JSON (5-space indentation).
import type { GlobalOptions, Io } from '../types.ts';
import { TspodError } from '../../lib/errors.ts';

export async function graphRootOf(g: GlobalOptions): Promise<{ graphRoot: string; runRoot: string }> {
  const { storagePaths } = await import('../../lib/config/paths.ts');
  const p = storagePaths(g);
  return { graphRoot: p.graphRoot, runRoot: p.runRoot };
}

/** "--label k=v" / "-o k=v" lists into a map ("k" alone maps to ""). */
export function keyValues(list: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i === 0) throw new TspodError('INVALID_ARGUMENT', `invalid ${what} "${kv}": empty key`);
    if (i < 0) out[kv] = '';
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}


/** podman prints inspect results with json.MarshalIndent(v, "", "     "). */
export function inspectJson(v: unknown): string {
  return JSON.stringify(v, null, '     ') + '\n';
}

/** Render --format for a list of objects (inspect -f): json, or one template rendering per item. */
export async function formatEach(format: string, items: unknown[]): Promise<string> {
  const { isJsonFormat, formatOutput } = await import('../shared/format.ts');
  if (isJsonFormat(format)) return inspectJson(items);
  let out = '';
  for (const it of items) out += await formatOutput(format, it);
  return out;
}

/** Several failures at once, podman-style; the highest exit status wins. */
export function combined(errors: TspodError[]): TspodError {
  if (errors.length === 1) return errors[0];
  const msg = `${errors.length} errors occurred:\n${errors.map((e) => `\t* ${e.message}`).join('\n')}`;
  return new TspodError(errors[0].code, msg, { exitCode: Math.max(...errors.map((e) => e.exitCode)) });
}
