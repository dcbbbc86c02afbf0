// docker-archive:PATH[:NAME:TAG|:@N] — the `docker save` format: manifest.json (Config, RepoTags,
// Layers), the config as <hex>.json, layers as uncompressed tars (and, from docker 25, an OCI
// layout's blobs/sha256/<hex> paths, which manifest.json names the same way).
import { resolve } from 'node:path';
import { TspodError } from '../../errors.ts';
import { parseNamed, withDefaultTag } from '../../reference/parse.ts';
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, SystemContext } from '../types.ts';
import { pathNamespaces } from '../oci-layout/transport.ts';

export class DockerArchiveReference implements ImageReference {
  readonly transport = dockerArchiveTransport;
  readonly resolvedPath: string;
  /**
   * @param tag full docker reference "host/repo:tag" for RepoTags / selecting an image
   * @param sourceIndex "@N": the Nth image of manifest.json
   * @param writer when set, destinations add to this shared multi-image writer
   */
  constructor(readonly path: string, readonly tag?: string, readonly sourceIndex?: number, readonly writer?: import('./writer.ts').DockerArchiveWriter) {
    this.resolvedPath = resolve(path);
  }
  stringWithinTransport(): string {
    if (this.tag) return `${this.path}:${this.tag}`;
    if (this.sourceIndex !== undefined) return `${this.path}:@${this.sourceIndex}`;
    return this.path;
  }
  dockerReference(): string | undefined {
    return this.tag;
  }
  policyConfigurationIdentity(): string {
    return this.resolvedPath;
  }
  policyConfigurationNamespaces(): string[] {
    return pathNamespaces(this.resolvedPath);
  }
  async newImageSource(ctx: SystemContext): Promise<ImageSource> {
    const { DockerArchiveSource } = await import('./source.ts');
    return DockerArchiveSource.open(this, ctx);
  }
  async newImageDestination(ctx: SystemContext): Promise<ImageDestination> {
    if (this.sourceIndex !== undefined) {
      throw new TspodError('INVALID_REFERENCE', 'docker-archive: a destination cannot be given as @N, use NAME:TAG or nothing');
    }
    const { DockerArchiveDestination } = await import('./destination.ts');
    return DockerArchiveDestination.open(this, ctx);
  }
  async deleteImage(): Promise<void> {
    throw new TspodError('UNSUPPORTED', 'deleting images not implemented for docker-archive: images');
  }
}

export function parseDockerArchiveReference(reference: string): DockerArchiveReference {
  const i = reference.indexOf(':');
  const path = i < 0 ? reference : reference.slice(0, i);
  const rest = i < 0 ? '' : reference.slice(i + 1);
  if (path === '') throw new TspodError('INVALID_REFERENCE', 'docker-archive reference: an empty path is not valid');
  if (rest === '') return new DockerArchiveReference(path);
  if (rest.startsWith('@')) {
    const n = Number(rest.slice(1));
    if (!/^\d+$/.test(rest.slice(1)) || !Number.isSafeInteger(n)) {
      throw new TspodError('INVALID_REFERENCE', `Invalid source index @${rest.slice(1)}`);
    }
    return new DockerArchiveReference(path, undefined, n);
  }
  const named = parseNamed(rest);
  if (named.digest) throw new TspodError('INVALID_REFERENCE', `docker-archive doesn't support digest references: "${rest}"`);
  return new DockerArchiveReference(path, withDefaultTag(named).toString());
}

export const dockerArchiveTransport: ImageTransport = {
  name: 'docker-archive',
  parseReference: parseDockerArchiveReference,
};
