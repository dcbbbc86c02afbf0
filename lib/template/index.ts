// Go text/template subset (placeholder until the real engine lands).
export function renderTemplate(format: string, value: unknown): string {
  return format.replace(/\{\{\s*\.([\w.]+)\s*\}\}/g, (_, path: string) => {
    let v: any = value;
    for (const k of path.split('.')) v = v?.[k];
    return v === undefined ? '<no value>' : String(v);
  });
}
