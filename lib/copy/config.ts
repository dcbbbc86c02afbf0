// An image config as containers/image sees it through the OCI image-spec's Go struct (image.OCIConfig):
// what skopeo inspect --config prints, and the config blob a schema2 -> OCI conversion writes (the
// schema2 config unmarshalled into imgspecv1.Image and marshalled again: docker-only fields dropped,
// Go's field order, times with trailing zeros trimmed, map keys sorted, empty optional fields left out).

/** Go marshals time.Time as RFC 3339 with trailing fractional zeros trimmed and a zero offset as "Z". */
export function goTime(s: unknown): string | null {
  if (typeof s !== 'string' || s === '') return null;
  s = s.replace(/[+-]00:00$/, 'Z');
  return (s as string).replace(/\.(\d*?)0+(Z|[+-]\d\d:\d\d)$/, (_, f: string, z: string) => (f ? `.${f}${z}` : z));
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === '' || v === false ||
  (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

function sortedMap(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
}

/** The config as imgspecv1.Image, in its JSON field order. */
export function ociConfig(c: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (o: Record<string, unknown>, k: string, v: unknown) => {
    if (!isEmpty(v)) o[k] = v;
  };
  put(out, 'created', goTime(c.created));
  put(out, 'author', c.author);
  out.architecture = c.architecture ?? '';
  put(out, 'variant', c.variant);
  out.os = c.os ?? '';
  put(out, 'os.version', c['os.version']);
  put(out, 'os.features', c['os.features']);
  const cc = c.config ?? {};
  const conf: Record<string, unknown> = {};
  for (const k of ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped']) {
    put(conf, k, k === 'ExposedPorts' || k === 'Volumes' || k === 'Labels' ? sortedMap(cc[k]) : cc[k]);
  }
  out.config = conf;
  out.rootfs = { type: c.rootfs?.type ?? '', diff_ids: c.rootfs?.diff_ids ?? null };
  if (Array.isArray(c.history) && c.history.length) {
    out.history = c.history.map((h: Record<string, unknown>) => {
      const e: Record<string, unknown> = {};
      put(e, 'created', goTime(h.created));
      for (const k of ['created_by', 'author', 'comment', 'empty_layer']) put(e, k, h[k]);
      return e;
    });
  }
  return out;
}

/** Go's json.Marshal text of a value (compact, with <, > and & escaped as it does). */
export function goJsonCompact(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The config blob containers/image writes when it converts a schema2 image to OCI. */
export function convertConfigToOci(bytes: Buffer): Buffer {
  return Buffer.from(goJsonCompact(ociConfig(JSON.parse(bytes.toString('utf8')))));
}
