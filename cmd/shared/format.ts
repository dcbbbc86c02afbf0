// --format handling shared by every command: "json", "table ..." and Go templates.
// The template engine lives in lib/template and is loaded only when a template is used.

/** Format a single object (inspect/version/info style). Returns text ending in a newline. */
export async function formatOutput(format: string, value: unknown): Promise<string> {
  if (format === 'json') return JSON.stringify(value, null, 4) + '\n';
  const { renderTemplate } = await import('../../lib/template/index.ts');
  const out = renderTemplate(format, value);
  return out.endsWith('\n') ? out : out + '\n';
}
