// What containers need from the image store (helper 4's Store, lib/storage/index.ts), as a narrow
// interface so lifecycle code can be driven without the whole store.
import type { ImageConfig } from '../oci/types.ts';

export interface ImageInfo {
  id: string;
  names: string[];
  layers: string[];
  /** The image's Digest (podman's container inspect ImageDigest). */
  digest?: string;
}

export interface ImageProvider {
  /** Throws TspodError NO_SUCH_IMAGE when absent. */
  lookupImage(ref: string): Promise<ImageInfo>;
  imageConfig(id: string): Promise<ImageConfig>;
  layerDir(diffID: string): string;
}

export async function openImageProvider(paths: { graphRoot: string; runRoot: string }): Promise<ImageProvider> {
  const { openStore } = await import('../storage/index.ts');
  return (await openStore(paths)) as unknown as ImageProvider;
}
