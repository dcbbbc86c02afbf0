// Image pruning, shared by `image prune` and `system prune`: dangling images (all: every image no
// container uses), repeated until nothing is left, as libimage prunes (removing an image can make its
// parent dangling). Children go before their parent.
import { TspodError } from '../errors.ts';
import type { ImageRecord, Store } from './index.ts';
import { compileFilters, imageSize, imagesWithChildren, isDangling } from './report.ts';

export interface PruneImagesOptions {
  all?: boolean;
  /** image prune --filter values */
  filters?: string[];
  /** a further test an image must pass (system prune's label!=) */
  match?: (rec: ImageRecord) => Promise<boolean>;
  /** called as each image goes, with its size before removal (podman's reclaimed space) */
  onRemoved?: (rec: ImageRecord, size: number) => void;
}

/** Removes what prune removes; returns the removed images and the failures (removal stops at one). */
export async function pruneImages(store: Store, o: PruneImagesOptions = {}): Promise<{ removed: ImageRecord[]; errors: TspodError[] }> {
  const removedList: ImageRecord[] = [];
  const errors: TspodError[] = [];
  for (let removed = true; removed && !errors.length;) {
    removed = false;
    const images = await store.listImages();
    const usage = store.containerUsage();
    const match = await compileFilters(o.filters ?? [], {
      store, images, containersOf: (id) => usage.get(id)?.length ?? 0, config: (id) => store.imageConfig(id),
    });
    const parents = await imagesWithChildren(images, (id) => store.imageConfig(id));
    for (const rec of images) {
      if (usage.get(rec.id)?.length) continue;
      if (!o.all && !isDangling(rec, parents)) continue;
      if (o.all && parents.has(rec.id)) continue; // children first, the parent in the next pass
      if (!(await match(rec)) || (o.match && !(await o.match(rec)))) continue;
      const size = imageSize(store, rec);
      try {
        await store.removeImage(rec.id, { force: true });
        removedList.push(rec);
        o.onRemoved?.(rec, size);
        removed = true;
      } catch (err) {
        if (err instanceof TspodError) errors.push(err);
        else throw err;
      }
    }
  }
  await store.collectGarbage();
  return { removed: removedList, errors };
}
