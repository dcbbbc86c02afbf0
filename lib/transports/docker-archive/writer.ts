// Writes one docker-archive holding one or more images (podman save IMG1 IMG2). Blobs go to a temp
// directory as they arrive; finish() writes the tar (layers <diffID>.tar, <configHex>.json, the legacy
// <layerID>/{VERSION,json,layer.tar} entries, manifest.json, repositories) to a temp name and renames
// it over PATH, or streams it to a writable (save to stdout).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { digestHex } from '../../oci/digest.ts';
import { tempName } from '../fs-util.ts';
import { DockerArchiveReference } from './transport.ts';

export interface ArchiveImage {
  configDigest: string;
  layerDigests: string[];
  repoTags: string[];
}

export class DockerArchiveWriter {
  readonly blobs = new Map<string, string>(); // digest -> temp file
  readonly images: ArchiveImage[] = [];
  private constructor(readonly dir: string, private readonly target: string | NodeJS.WritableStream) {}

  /** target: a file path (written atomically) or a stream (stdout). */
  static async create(target: string | NodeJS.WritableStream, tmpDir?: string): Promise<DockerArchiveWriter> {
    const dir = await mkdtemp(join(tmpDir ?? tmpdir(), 'tspod-docker-archive-'));
    return new DockerArchiveWriter(dir, target);
  }

  /** A reference whose destinations add to this archive; tag is a full "host/repo:tag" or undefined. */
  reference(tag?: string): DockerArchiveReference {
    const path = typeof this.target === 'string' ? this.target : '/dev/stdout';
    return new DockerArchiveReference(path, tag, undefined, this);
  }

  /** Add an image; one already there with the same config gains the new RepoTags (as containers/image). */
  addImage(img: ArchiveImage): void {
    const same = this.images.find((i) => i.configDigest === img.configDigest);
    if (!same) {
      this.images.push({ ...img, repoTags: [...new Set(img.repoTags)] });
      return;
    }
    for (const t of img.repoTags) if (!same.repoTags.includes(t)) same.repoTags.push(t);
  }

  async finish(): Promise<void> {
    try {
      if (typeof this.target === 'string') {
        const tmp = tempName(dirname(this.target));
        try {
          await this.writeTar(createWriteStream(tmp, { flags: 'wx' }));
          await rename(tmp, this.target);
        } catch (err) {
          await rm(tmp, { force: true });
          throw err;
        }
      } else {
        await this.writeTar(this.target);
      }
    } finally {
      await this.discard();
    }
  }

  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private async writeTar(out: NodeJS.WritableStream): Promise<void> {
    const ts = await import('tar-stream');
    // a CommonJS module: bundled, its exports sit on .default
    const makePack = ts.pack ?? (ts as unknown as { default: typeof ts }).default.pack;
    const pack = makePack();
    const done = pipeline(pack, out as any);
    const header = (name: string, size: number) => ({ name, size, mode: 0o444, mtime: new Date(0), uid: 0, gid: 0 });
    const addBytes = (name: string, data: Buffer | string) =>
      new Promise<void>((resolve, reject) => pack.entry(header(name, Buffer.byteLength(data)), data, (err) => (err ? reject(err) : resolve())));
    const addFile = (name: string, file: string, size: number) =>
      new Promise<void>((resolve, reject) => {
        const entry = pack.entry(header(name, size), (err) => (err ? reject(err) : resolve()));
        createReadStream(file).on('error', reject).pipe(entry);
      });
    try {
      const written = new Set<string>();
      const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
      const repositories: Record<string, Record<string, string>> = {};
      const { stat } = await import('node:fs/promises');
      for (const img of this.images) {
        const layers: string[] = [];
        for (const d of img.layerDigests) {
          const name = `${digestHex(d)}.tar`;
          if (!written.has(name)) {
            await addFile(name, this.blobs.get(d)!, (await stat(this.blobs.get(d)!)).size);
            written.add(name);
          }
          layers.push(name);
        }
        const configName = `${digestHex(img.configDigest)}.json`;
        const configBytes = await readFile(this.blobs.get(img.configDigest)!);
        if (!written.has(configName)) {
          await addBytes(configName, configBytes);
          written.add(configName);
        }
        const top = await this.writeLegacy(img, configBytes, written, addBytes, pack);
        for (const t of img.repoTags) {
          const i = t.lastIndexOf(':');
          (repositories[t.slice(0, i)] ??= {})[t.slice(i + 1)] = top;
        }
        manifest.push({ Config: configName, RepoTags: img.repoTags, Layers: layers });
      }
      await addBytes('manifest.json', JSON.stringify(manifest));
      // Go's encoding/json writes map keys sorted.
      const sorted = Object.fromEntries(Object.keys(repositories).sort().map((k) => [k, sortKeys(repositories[k])]));
      await addBytes('repositories', JSON.stringify(sorted));
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
    await done;
  }

  /**
   * The pre-1.10 per-layer entries containers/image also writes; returns the top layer ID. IDs are
   * containers/image's: the sha256 of the layer's legacy config with "layer_id": chainID added
   * (the top layer's config holds part of the image config, so images sharing layers differ there).
   */
  private async writeLegacy(
    img: ArchiveImage, configBytes: Buffer, written: Set<string>,
    addBytes: (name: string, data: Buffer | string) => Promise<void>, pack: import('tar-stream').Pack,
  ): Promise<string> {
    const config = JSON.parse(configBytes.toString('utf8'));
    let chainID = '';
    let last = '';
    for (const [i, d] of img.layerDigests.entries()) {
      const layerConfig: Record<string, unknown> = {};
      if (last) layerConfig.parent = last;
      if (i === img.layerDigests.length - 1) {
        for (const k of ['architecture', 'config', 'container', 'container_config', 'created', 'docker_version', 'os']) layerConfig[k] = config[k] ?? null;
      }
      chainID = chainID === '' ? d : 'sha256:' + createHash('sha256').update(`${chainID} ${d}`).digest('hex');
      const id = createHash('sha256').update(goMapJson({ ...layerConfig, layer_id: chainID })).digest('hex');
      if (!written.has(id)) {
        await new Promise<void>((resolve, reject) =>
          pack.entry({ name: `${id}/layer.tar`, type: 'symlink', linkname: `../${digestHex(d)}.tar`, mode: SYMLINK_NO_PERMS, mtime: new Date(0) }, (err) => (err ? reject(err) : resolve())));
        await addBytes(`${id}/VERSION`, '1.0');
        await addBytes(`${id}/json`, goMapJson({ ...layerConfig, id }));
        written.add(id);
      }
      last = id;
    }
    return last;
  }
}

// Go's archive/tar writes the legacy symlinks with permission bits 0; tar-stream replaces a mode of 0
// with 0644, and writes only the low 12 bits: S_IFLNK alone gives 0 there.
const SYMLINK_NO_PERMS = 0o120000;

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/** json.Marshal of a Go map: keys sorted, compact, <, > and & escaped. */
function goMapJson(o: Record<string, unknown>): string {
  return JSON.stringify(sortKeys(o)).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
