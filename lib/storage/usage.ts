// Disk usage of a store as `podman system df` (4.3) counts it: one row per image name (libimage's
// DiskUsage with its layer tree), the containers' own changes (the overlay upper dir), and the
// volumes' data, plus the summary rows TYPE/TOTAL/ACTIVE/SIZE/RECLAIMABLE. Pure reads.
import { lstatSync, readdirSync } from 'node:fs';
import type { Container } from '../containers/types.ts';
import type { ImageConfig } from '../oci/types.ts';
import type { ImageRecord, Store } from './index.ts';
import { imageSize, repoTag } from './report.ts';
import { goSize } from '../units/index.ts';

/**
 * Bytes under path as containers/storage's directory.Size counts them: every entry but directories,
 * a file with several hard links once. 0 for a missing path; unreadable parts are skipped.
 */
export function treeSize(path: string): number {
  const seen = new Set<number>();
  let total = 0;
  const walk = (p: string) => {
    let names: string[];
    try {
      names = readdirSync(p);
    } catch {
      return;
    }
    for (const n of names) {
      const q = `${p}/${n}`;
      let st;
      try { st = lstatSync(q, { bigint: false }); } catch { continue; }
      if (st.isDirectory()) {
        walk(q);
        continue;
      }
      if (st.nlink > 1) {
        if (seen.has(st.ino)) continue;
        seen.add(st.ino);
      }
      total += st.size;
    }
  };
  walk(path);
  return total;
}

/** docker/go-units HumanSize: decimal units, Go's %.4g, no space ("2.008MB", "300kB", "0B"). */
export const goHumanSize = (bytes: number): string => goSize(bytes);

export interface ImageUsage {
  repository: string;
  tag: string;
  id: string;
  created: string;
  /** shared + unique */
  size: number;
  sharedSize: number;
  uniqueSize: number;
  containers: number;
}

type HistoryKey = string[];

/**
 * Parent of each image and the images that have children, by the rule lib/storage/report.ts's
 * imagesWithChildren uses (libimage's layer tree): a child has the same layers or one more on top,
 * and exactly one more history entry, the others equal.
 */
export async function imageTree(images: ImageRecord[], config: (id: string) => Promise<ImageConfig>): Promise<{ parent: Map<string, ImageRecord>; hasChildren: Set<string> }> {
  const hist = new Map<string, HistoryKey>();
  for (const r of images) {
    const h = (await config(r.id).catch(() => undefined))?.history ?? [];
    hist.set(r.id, h.map((e) => JSON.stringify([e.created, e.created_by, e.author, e.comment, !!e.empty_layer])));
  }
  const parent = new Map<string, ImageRecord>();
  const hasChildren = new Set<string>();
  for (const c of images) {
    for (const p of images) {
      if (c.id === p.id) continue;
      const layersOk = (c.layers.length === p.layers.length || c.layers.length === p.layers.length + 1) && p.layers.every((l, i) => c.layers[i] === l);
      const ph = hist.get(p.id)!, ch = hist.get(c.id)!;
      if (layersOk && ch.length === ph.length + 1 && ph.every((h, i) => ch[i] === h)) {
        if (!parent.has(c.id)) parent.set(c.id, p);
        hasChildren.add(p.id);
      }
    }
  }
  return { parent, hasChildren };
}

/**
 * podman 4.3's image rows: the image's size (layers and metadata, as `images` shows it); an image with
 * children shares all of it, one with a parent shares the parent's size; one row per name
 * (`<none>` for an image without names).
 */
export async function imageUsage(store: Store): Promise<ImageUsage[]> {
  const images = await store.listImages();
  const users = store.containerUsage();
  const { parent, hasChildren } = await imageTree(images, (id) => store.imageConfig(id));
  const out: ImageUsage[] = [];
  for (const rec of images) {
    const size = imageSize(store, rec);
    const p = parent.get(rec.id);
    const shared = hasChildren.has(rec.id) ? size : p ? Math.min(size, imageSize(store, p)) : 0;
    const base = { id: rec.id, created: rec.created, size, sharedSize: shared, uniqueSize: size - shared, containers: users.get(rec.id)?.length ?? 0 };
    const names = rec.names.filter((n) => repoTag(n).tag !== '<none>');
    if (!names.length) out.push({ ...base, repository: '<none>', tag: '<none>' });
    for (const n of names) out.push({ ...base, ...repoTag(n) });
  }
  return out;
}

export interface ContainerUsage {
  id: string;
  imageId: string;
  command: string[];
  /** volumes and bind mounts the user gave */
  localVolumes: number;
  /** the container's changes: its overlay upper dir */
  rwSize: number;
  created: string;
  status: string;
  names: string;
}

export function containerUsage(list: Container[], upperDir: (id: string) => string): ContainerUsage[] {
  return list.map((c) => ({
    id: c.config.id,
    imageId: c.config.imageId,
    command: c.config.command,
    localVolumes: c.config.mounts.filter((m) => m.type === 'volume' || m.type === 'bind').length,
    rwSize: treeSize(upperDir(c.config.id)),
    created: c.config.created,
    status: c.state.status,
    names: c.config.names[0] ?? '',
  }));
}

export interface VolumeUsage {
  name: string;
  /** containers using it, running or not */
  links: number;
  size: number;
  /** the whole size when no container uses it */
  reclaimable: number;
}

export async function volumeUsage(graphRoot: string): Promise<VolumeUsage[]> {
  const { listVolumes, listContainerRefs, volumeDataDir } = await import('../volumes/index.ts');
  const refs = listContainerRefs(graphRoot);
  return (await listVolumes(graphRoot)).map((v) => {
    const links = refs.filter((c) => c.volumes.includes(v.name)).length;
    const size = treeSize(volumeDataDir(graphRoot, v.name));
    return { name: v.name, links, size, reclaimable: links ? 0 : size };
  });
}

export interface UsageSummary {
  type: 'Images' | 'Containers' | 'Local Volumes';
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

/**
 * podman 4.3's summary rows. Images count per row (name), as podman does: a second name of an image
 * adds its size again; reclaimable is the size of the rows no container uses. Containers: active are
 * the running ones, the others' changes are reclaimable. Volumes: active is the number of links.
 */
export function summarize(images: ImageUsage[], containers: ContainerUsage[], volumes: VolumeUsage[]): UsageSummary[] {
  const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);
  const running = containers.filter((c) => c.status === 'running');
  return [
    {
      type: 'Images', total: images.length, active: images.filter((i) => i.containers > 0).length,
      size: sum(images, (i) => i.size), reclaimable: sum(images.filter((i) => i.containers === 0), (i) => i.size),
    },
    {
      type: 'Containers', total: containers.length, active: running.length,
      size: sum(containers, (c) => c.rwSize), reclaimable: sum(containers.filter((c) => c.status !== 'running'), (c) => c.rwSize),
    },
    {
      type: 'Local Volumes', total: volumes.length, active: sum(volumes, (v) => v.links),
      size: sum(volumes, (v) => v.size), reclaimable: sum(volumes, (v) => v.reclaimable),
    },
  ];
}

/** RECLAIMABLE as podman prints it: "2.067MB (51%)". */
export function reclaimableText(s: UsageSummary): string {
  const pct = s.size > 0 ? Math.round((s.reclaimable / s.size) * 100) : 0;
  return `${goHumanSize(s.reclaimable)} (${pct}%)`;
}
