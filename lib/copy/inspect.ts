// podman manifest inspect: fetch the top-level manifest of a registry image and print it as podman
// does (lists in the Docker list shape, 4-space indent).
import { TspodError } from '../errors.ts';
import * as MT from '../oci/media-types.ts';
import type { SystemContext } from '../transports/types.ts';
import { parseIndex } from './manifest.ts';

export async function inspectManifest(image: string, ctx: SystemContext): Promise<string> {
  const { parseImageName } = await import('../transports/index.ts');
  const { resolveShortName } = await import('../reference/index.ts');
  const name = image.startsWith('docker://') ? image.slice(9) : image;
  let lastErr: unknown;
  for (const cand of resolveShortName(name, ctx)) {
    try {
      const src = await (await parseImageName(`docker://${cand}`)).newImageSource(ctx);
      try {
        const m = await src.getManifest();
        const obj = JSON.parse(m.bytes.toString('utf8'));
        if (MT.isIndex(m.mediaType)) {
          const idx = parseIndex(m.bytes);
          return JSON.stringify({
            schemaVersion: 2,
            mediaType: MT.DOCKER_MANIFEST_LIST,
            manifests: idx.manifests.map((d) => ({ mediaType: d.mediaType, size: d.size, digest: d.digest, ...(d.platform ? { platform: d.platform } : {}) })),
          }, null, 4);
        }
        return JSON.stringify(obj, null, 4);
      } finally {
        await src.close();
      }
    } catch (err) {
      lastErr = err;
    }
  }
  const e = lastErr as TspodError;
  const msg = (e?.message ?? '').replace(/^initializing source /, '');
  throw new TspodError(e?.code ?? 'MANIFEST_UNKNOWN', `reading image "${msg.startsWith('docker://') ? msg.replace(/: /, '": ') : msg}`, { cause: e, hint: e?.hint });
}
