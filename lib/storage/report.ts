// What the image verbs show: podman's inspect object, history rows, list filters. Pure functions over the
// store's records, so commands stay thin.
import { join } from 'node:path';
import { TspodError } from '../errors.ts';
import type { HistoryEntry, ImageConfig, Manifest } from '../oci/types.ts';
import { parseReference } from '../reference/parse.ts';
import type { ImageRecord, Store } from './index.ts';

/** Repository and tag of a stored name; "<none>" where absent (a name@digest has no tag). */
export function repoTag(name: string): { repository: string; tag: string } {
  try {
    const r = parseReference(name);
    return { repository: r.name, tag: r.tag ?? '<none>' };
  } catch {
    return { repository: name, tag: '<none>' };
  }
}

/**
 * Image size as podman reports it (containers/storage ImageSize): the uncompressed layers plus every
 * stored metadata item of the image (config, "manifest" and one manifest-<digest> per digest).
 */
export function imageSize(store: Store, rec: ImageRecord): number {
  return rec.size + store.imageMetadataSize(rec.id);
}

/** A timestamp as Go marshals a time.Time (RFC 3339 with only the significant fractional digits). */
export function goTimestamp(s: string | undefined): string | undefined {
  if (!s) return s;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return s;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return `${m[1]}${frac ? '.' + frac : ''}${m[3]}`;
}

const CONFIG_ORDER = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal', 'ArgsEscaped'];
const HISTORY_ORDER = ['created', 'created_by', 'author', 'comment', 'empty_layer'];

/** Keys in Go struct order (what podman prints), unknown keys after them; empty values dropped (omitempty). */
function ordered(o: Record<string, unknown> | undefined, order: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!o) return out;
  for (const k of [...order, ...Object.keys(o).filter((k) => !order.includes(k))]) {
    const v = o[k];
    if (v === undefined || v === null || v === '' || v === false) continue;
    out[k] = v;
  }
  return out;
}

/** Every repository of the image's names with every digest it has, sorted as libimage does. */
export function repoDigests(rec: ImageRecord): string[] {
  const repos = new Set(rec.names.map((n) => repoTag(n).repository));
  const out: string[] = [];
  for (const r of repos) for (const d of rec.digests) out.push(`${r}@${d}`);
  return [...new Set(out)].sort();
}

export function repoTags(rec: ImageRecord): string[] {
  return rec.names.filter((n) => repoTag(n).tag !== '<none>');
}

/** podman image inspect's object. */
export async function inspectImage(store: Store, rec: ImageRecord): Promise<Record<string, unknown>> {
  const config = await store.imageConfig(rec.id);
  let manifest: Manifest | undefined;
  try {
    manifest = JSON.parse((await store.imageManifest(rec.id)).bytes.toString('utf8'));
  } catch {
    manifest = undefined;
  }
  const size = imageSize(store, rec);
  const dirs = rec.layers.map((l) => store.layerDir(l));
  const data: Record<string, string> = {};
  if (dirs.length > 1) data.LowerDir = dirs.slice(0, -1).reverse().join(':');
  if (dirs.length) {
    data.UpperDir = dirs[dirs.length - 1];
    data.WorkDir = join(dirs[dirs.length - 1], '..', 'work');
  }
  const cfg = config as ImageConfig & { docker_version?: string; comment?: string };
  const out: Record<string, unknown> = {
    Id: rec.id,
    Digest: rec.digest,
    RepoTags: repoTags(rec),
    RepoDigests: repoDigests(rec),
    Parent: '',
    Comment: cfg.comment ?? cfg.history?.[0]?.comment ?? '',
    Created: goTimestamp(cfg.created ?? rec.created),
    Config: ordered(cfg.config as Record<string, unknown>, CONFIG_ORDER),
    Version: cfg.docker_version ?? '',
    Author: cfg.author ?? '',
    Architecture: cfg.architecture,
    Os: cfg.os,
    Size: size,
    VirtualSize: size,
    GraphDriver: { Name: 'overlay', Data: data },
    RootFS: { Type: 'layers', Layers: rec.layers },
    Labels: cfg.config?.Labels ?? null,
    Annotations: manifest?.annotations ?? {},
    ManifestType: rec.manifestMediaType,
    User: cfg.config?.User ?? '',
    History: (cfg.history ?? []).map((h) => {
      const e = ordered(h as Record<string, unknown>, HISTORY_ORDER);
      if (e.created) e.created = goTimestamp(e.created as string);
      return e;
    }),
    NamesHistory: rec.namesHistory,
  };
  if (cfg.variant) out.Variant = cfg.variant;
  return out;
}

export interface HistoryRow {
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
  tags: string[];
}

/**
 * podman history (libimage/history.go): newest first. Walking down the layers, an entry gets the ID of the
 * first image whose top layer is the current layer (this image for the top, a parent image like the base
 * busybox further down), each ID once; the others show "<missing>".
 */
export async function imageHistory(store: Store, rec: ImageRecord): Promise<HistoryRow[]> {
  const config = await store.imageConfig(rec.id);
  const hist: HistoryEntry[] = config.history?.length ? config.history : rec.layers.map(() => ({ created: rec.created }));
  const images = await store.listImages();
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const used = new Set<string>();
  let top = rec.layers.length - 1;
  const rows: HistoryRow[] = [];
  for (let x = hist.length - 1; x >= 0; x--) {
    const h = hist[x];
    const row: HistoryRow = { id: '<missing>', created: goTimestamp(h.created) ?? '', createdBy: h.created_by ?? '', size: 0, comment: h.comment ?? '', tags: [] };
    if (top >= 0) {
      if (!h.empty_layer) row.size = store.layerInfo(rec.layers[top])?.uncompressedSize ?? 0;
      const chain = rec.layers.slice(0, top + 1);
      const owner = images.find((i) => same(i.layers, chain));
      if (owner && !used.has(owner.id)) {
        row.id = owner.id;
        row.tags = owner.names;
        used.add(owner.id);
      }
      if (top > 0 && !h.empty_layer) top--;
    }
    rows.push(row);
  }
  return rows;
}

// ---- filters (podman images --filter / image prune --filter) ----

/**
 * IDs of images that have children, as libimage's layer tree decides: a child has the same layers or exactly
 * one more on top, and exactly one more history entry, the others equal to the parent's.
 */
export async function imagesWithChildren(images: ImageRecord[], config: (id: string) => Promise<ImageConfig>): Promise<Set<string>> {
  const hist = new Map<string, string[]>();
  for (const r of images) hist.set(r.id, ((await config(r.id).catch(() => undefined))?.history ?? []).map((h) => JSON.stringify([h.created, h.created_by, h.author, h.comment, !!h.empty_layer])));
  const out = new Set<string>();
  for (const p of images) {
    for (const c of images) {
      if (c.id === p.id) continue;
      const layersOk = (c.layers.length === p.layers.length || c.layers.length === p.layers.length + 1) && p.layers.every((l, i) => c.layers[i] === l);
      const ph = hist.get(p.id)!, ch = hist.get(c.id)!;
      if (layersOk && ch.length === ph.length + 1 && ph.every((h, i) => ch[i] === h)) {
        out.add(p.id);
        break;
      }
    }
  }
  return out;
}

/** libimage: dangling = no names and no children; intermediate = no names but children. */
export function isDangling(rec: ImageRecord, parents: Set<string>): boolean {
  return rec.names.length === 0 && !parents.has(rec.id);
}

export function isIntermediate(rec: ImageRecord, parents: Set<string>): boolean {
  return rec.names.length === 0 && parents.has(rec.id);
}

export interface FilterContext {
  store: Store;
  images: ImageRecord[];
  containersOf: (id: string) => number;
  config: (id: string) => Promise<ImageConfig>;
}

type Predicate = (rec: ImageRecord) => Promise<boolean>;

function globToRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`);
}

/** Whether a stored name matches a reference filter value (glob), as podman: full, repository or short. */
export function referenceMatches(name: string, pattern: string): boolean {
  const { repository, tag } = repoTag(name);
  const re = globToRegExp(pattern);
  const forms = [name, repository];
  // familiar forms: docker.io/library/busybox -> busybox, and any path suffix of the repository
  const parts = repository.split('/');
  for (let i = 1; i < parts.length; i++) forms.push(parts.slice(i).join('/'));
  const withTags = forms.flatMap((f) => (tag !== '<none>' && f !== name ? [f, `${f}:${tag}`] : [f]));
  return withTags.some((f) => re.test(f));
}

/** Compile --filter values into one predicate (different keys AND, repeated reference/label keys as podman). */
export async function compileFilters(filters: string[], ctx: FilterContext): Promise<Predicate> {
  const preds: Predicate[] = [];
  const references: string[] = [];
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? '' : f.slice(eq + 1);
    switch (key) {
      case 'dangling': {
        const want = parseBool(key, value);
        const parents = await imagesWithChildren(ctx.images, ctx.config);
        preds.push(async (r) => isDangling(r, parents) === want);
        break;
      }
      case 'before':
      case 'since': {
        const { findImageIn } = await import('./lookup.ts');
        const ref = findImageIn(ctx.images, value);
        if (!ref) throw new TspodError('NO_SUCH_IMAGE', `${value}: image not known`);
        const t = Date.parse(ref.created);
        preds.push(async (r) => (key === 'before' ? Date.parse(r.created) < t : Date.parse(r.created) > t));
        break;
      }
      case 'until': {
        const t = parseUntil(value);
        preds.push(async (r) => Date.parse(r.created) < t);
        break;
      }
      case 'label': {
        const i = value.indexOf('=');
        const k = i < 0 ? value : value.slice(0, i);
        const v = i < 0 ? undefined : value.slice(i + 1);
        preds.push(async (r) => {
          const labels = (await ctx.config(r.id)).config?.Labels ?? {};
          return Object.hasOwn(labels, k) && (v === undefined || labels[k] === v);
        });
        break;
      }
      case 'reference':
        references.push(value);
        break;
      case 'id':
        preds.push(async (r) => r.id.startsWith(value.replace(/^sha256:/, '')));
        break;
      case 'digest':
        preds.push(async (r) => r.digests.includes(value));
        break;
      case 'containers': {
        const want = parseBool(key, value);
        preds.push(async (r) => (ctx.containersOf(r.id) > 0) === want);
        break;
      }
      case 'readonly':
        preds.push(async () => !parseBool(key, value));
        break;
      case 'intermediate': {
        const want = parseBool(key, value);
        const parents = await imagesWithChildren(ctx.images, ctx.config);
        preds.push(async (r) => isIntermediate(r, parents) === want);
        break;
      }
      default:
        throw new TspodError('INVALID_FILTER', `${key} is an invalid filter`);
    }
  }
  if (references.length) preds.push(async (r) => r.names.some((n) => references.some((p) => referenceMatches(n, p))));
  return async (rec) => {
    for (const p of preds) if (!(await p(rec))) return false;
    return true;
  };
}

function parseBool(key: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new TspodError('INVALID_FILTER', `invalid filter "${key}=${value}": expected true or false`);
}

/** until=: a timestamp (RFC 3339 or unix seconds) or a duration before now ("10m", "2h30m", "24h"). */
function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const dur = /^((?:\d+(?:\.\d+)?(?:h|m|s|ms))+)$/.exec(v);
  if (dur) {
    let ms = 0;
    for (const [, n, u] of v.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) ms += Number(n) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[u];
    return Date.now() - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new TspodError('INVALID_FILTER', `invalid until filter value "${v}"`);
  return t;
}
