// Saving images of the local store to archives and directories (podman save), and reading an
// archive's images for load.
import { TspodError } from '../errors.ts';
import type { SystemContext } from '../transports/types.ts';
import { copyImage } from './index.ts';

export interface SaveImagesOptions {
  format: 'docker-archive' | 'oci-archive' | 'oci-dir' | 'docker-dir';
  /** A path, or a stream (stdout) for the archive formats. */
  output: string | NodeJS.WritableStream;
  compress?: boolean;
  reportWriter?: NodeJS.WritableStream;
  ctx: SystemContext;
}

export async function saveImages(images: { id: string; name?: string }[], o: SaveImagesOptions): Promise<void> {
  const { parseImageName } = await import('../transports/index.ts');
  const copyOpts = { srcCtx: o.ctx, destCtx: o.ctx, reportWriter: o.reportWriter };
  const source = (id: string) => parseImageName(`containers-storage:@${id}`);
  if (o.format === 'docker-archive') {
    const { DockerArchiveWriter } = await import('../transports/docker-archive/writer.ts');
    if (typeof o.output === 'string') await refuseExisting(o.output);
    const writer = await DockerArchiveWriter.create(o.output, o.ctx.tmpDir);
    try {
      for (const img of images) await copyImage(await source(img.id), writer.reference(img.name), copyOpts);
      await writer.finish();
    } finally {
      await writer.discard();
    }
    return;
  }
  const img = images[0];
  if (o.format === 'oci-archive' && typeof o.output !== 'string') {
    // an OCI archive is written through a temp file, then streamed out
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { createReadStream } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { pipeline } = await import('node:stream/promises');
    const dir = await mkdtemp(join(o.ctx.tmpDir ?? tmpdir(), 'tspod-save-'));
    try {
      const file = join(dir, 'archive.tar');
      await saveImages(images, { ...o, output: file });
      await pipeline(createReadStream(file), o.output as NodeJS.WritableStream, { end: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return;
  }
  const path = o.output as string;
  const tag = img.name ? `:${img.name}` : '';
  const dest =
    o.format === 'oci-archive' ? `oci-archive:${path}${tag}` : o.format === 'oci-dir' ? `oci:${path}${tag}` : `dir:${path}`;
  await copyImage(await source(img.id), await parseImageName(dest), {
    ...copyOpts,
    // podman save --compress: containers/image DirForceCompress (the OCI formats compress anyway)
    destCtx: { ...o.ctx, dirForceCompress: o.compress },
    format: o.format === 'docker-dir' ? 'v2s2' : o.format === 'oci-dir' ? 'oci' : undefined,
  });
}

async function refuseExisting(path: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const st = await stat(path).catch(() => undefined);
  if (st && st.isFile() && st.size > 0) throw new TspodError('FILE_EXISTS', 'docker-archive doesn\'t support modifying existing images');
}

export interface LoadOptions {
  ctx: SystemContext;
  reportWriter?: NodeJS.WritableStream;
  /** containers-storage reference for a full name or a 64-hex ID. */
  storageReference: (nameOrId: string) => Promise<import('../transports/types.ts').ImageReference>;
}

/**
 * Load every image of a docker-archive, oci-archive, OCI layout or dir: directory into the store
 * (podman load). Returns the names loaded ("sha256:<id>" for an image without one).
 */
export async function loadImages(path: string, o: LoadOptions): Promise<string[]> {
  const { stat } = await import('node:fs/promises');
  const { parseImageName } = await import('../transports/index.ts');
  const { configDigestOf } = await import('./pull.ts');
  const { normalize } = await import('../reference/parse.ts');
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new TspodError('NO_SUCH_FILE', `stat ${path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
  });
  const { localImageNames, normalizeLocalName } = await import('../storage/naming.ts');
  // names as podman's load gives them (lib/storage/naming.ts); "shown" is what "Loaded image:" prints
  const sources: { ref: string; names: string[]; shown: string[] }[] = [];
  const notLoadable = (which?: string, err?: unknown): TspodError => {
    const lines: Record<string, string> = {
      oci: `${path}: index.json missing`, 'oci-archive': `${path}: index.json missing`,
      'docker-archive': `${path}: manifest.json missing`, dir: `${path}: manifest.json missing`,
    };
    if (which) lines[which] = (err as Error).message;
    return new TspodError('INVALID_ARCHIVE', `payload does not match any of the supported image formats:${Object.entries(lines).map(([k, v]) => `\n * ${k}: ${v}`).join('')}`);
  };
  const localName = (which: string, name: string): string => {
    try {
      return normalizeLocalName(name);
    } catch (err) {
      throw notLoadable(which, err);
    }
  };
  const norm = (n: string): string | undefined => {
    try {
      return normalize(n);
    } catch {
      return undefined;
    }
  };
  if (st.isDirectory()) {
    const { existsSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    if (existsSync(join(path, 'index.json'))) {
      const index = JSON.parse(readFileSync(join(path, 'index.json'), 'utf8'));
      const ms = index.manifests ?? [];
      if (ms.length > 1) {
        // podman loads one image from a layout; tspod loads each named one
        for (const d of ms) {
          const name = d.annotations?.['org.opencontainers.image.ref.name'];
          if (!name) throw new TspodError('INVALID_ARCHIVE', `${path}: OCI layout images without names cannot be loaded one by one`);
          const n = localName('oci', name);
          sources.push({ ref: `oci:${path}:${name}`, names: [n], shown: [n] });
        }
      } else {
        const ref = `oci:${path}`;
        try {
          sources.push({ ref, ...(await localImageNames(await parseImageName(ref), o.ctx)) });
        } catch (err) {
          throw notLoadable('oci', err);
        }
      }
    } else if (existsSync(join(path, 'manifest.json'))) {
      sources.push({ ref: `dir:${path}`, names: [], shown: [] });
    }
  } else {
    const { TarIndex } = await import('../transports/docker-archive/tar-index.ts');
    const tar = await TarIndex.open(path, o.ctx.tmpDir);
    try {
      if (tar.entries.has('manifest.json')) {
        const items = JSON.parse((await tar.readFile('manifest.json'))!.toString('utf8')) as { RepoTags?: string[] | null }[];
        items.forEach((it, i) => {
          const names = (it.RepoTags ?? []).map(norm).filter((n): n is string => !!n);
          sources.push({ ref: `docker-archive:${path}:@${i}`, names, shown: names });
        });
      } else if (tar.entries.has('index.json')) {
        const index = JSON.parse((await tar.readFile('index.json'))!.toString('utf8'));
        const ms = index.manifests ?? [];
        for (const d of ms) {
          const name = d.annotations?.['org.opencontainers.image.ref.name'];
          if (!name && ms.length > 1) throw new TspodError('INVALID_ARCHIVE', `${path}: OCI archive images without names cannot be loaded one by one`);
          const n = name ? localName('oci-archive', name) : undefined;
          sources.push({ ref: name ? `oci-archive:${path}:${name}` : `oci-archive:${path}`, names: n ? [n] : [], shown: n ? [n] : [] });
        }
      }
    } finally {
      await tar.close();
    }
  }
  if (sources.length === 0) throw notLoadable();
  const loaded: string[] = [];
  for (const s of sources) {
    const src = await parseImageName(s.ref);
    const id = (await configDigestOf(src, o.ctx)).slice(7);
    // one copy per name as podman: each name moves to the front of the image's names
    for (const n of s.names.length ? s.names : [id]) {
      await copyImage(src, await o.storageReference(n), { srcCtx: o.ctx, destCtx: o.ctx, reportWriter: o.reportWriter });
    }
    loaded.push(...(s.names.length ? s.shown : [`sha256:${id}`]));
  }
  return loaded;
}
