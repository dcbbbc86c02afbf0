// oci:PATH[:REF] — an OCI image layout directory (image-spec image-layout.md): oci-layout,
// index.json, blobs/<alg>/<hex>. REF selects the index.json entry whose
// org.opencontainers.image.ref.name annotation equals it; one layout holds many images.
import { dirname, resolve } from 'node:path';
import { TspodError } from '../../errors.ts';
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, SystemContext } from '../types.ts';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

// containers/image internal/image reference validation for OCI ref names.
const REF_RE = /^[A-Za-z0-9._\-:@/+]*$/;

/** Split "path[:ref]" at the first colon, as containers/image does on Unix. */
export function splitPathAndImage(reference: string): { path: string; image: string } {
  const i = reference.indexOf(':');
  if (i < 0) return { path: reference, image: '' };
  return { path: reference.slice(0, i), image: reference.slice(i + 1) };
}

export function validateRefName(transport: string, image: string): void {
  if (!REF_RE.test(image)) throw new TspodError('INVALID_REFERENCE', `${transport}: invalid image reference "${image}"`);
}

export function pathNamespaces(p: string): string[] {
  const out: string[] = [];
  while (p !== '/') {
    p = dirname(p);
    out.push(p);
  }
  return out;
}

/** PATH[:IMAGE] references of the OCI layout and OCI archive transports: naming and policy identity. */
export abstract class OciPathReference implements ImageReference {
  abstract readonly transport: ImageTransport;
  readonly resolvedPath: string;
  constructor(readonly path: string, readonly image: string) {
    this.resolvedPath = resolve(path);
  }
  stringWithinTransport(): string {
    return this.image ? `${this.path}:${this.image}` : this.path;
  }
  dockerReference(): string | undefined {
    return undefined;
  }
  policyConfigurationIdentity(): string {
    return this.image ? `${this.resolvedPath}:${this.image}` : this.resolvedPath;
  }
  policyConfigurationNamespaces(): string[] {
    return [...(this.image ? [this.resolvedPath] : []), ...pathNamespaces(this.resolvedPath)];
  }
  abstract newImageSource(ctx: SystemContext): Promise<ImageSource>;
  abstract newImageDestination(ctx: SystemContext): Promise<ImageDestination>;
  abstract deleteImage(ctx: SystemContext): Promise<void>;
}

/** Policy scopes of path transports are absolute paths. */
export function validatePathScope(scope: string): void {
  if (!scope.startsWith('/')) throw new TspodError('INVALID_POLICY', `invalid scope "${scope}": must be an absolute path`);
}

export class OciLayoutReference extends OciPathReference {
  readonly transport = ociLayoutTransport;
  async newImageSource(ctx: SystemContext): Promise<ImageSource> {
    const { OciLayoutSource, dirLayoutReader, sharedBlobReader } = await import('./source.ts');
    return OciLayoutSource.open(this, sharedBlobReader(dirLayoutReader(this.resolvedPath), ctx.ociSharedBlobDir), this.image);
  }
  async newImageDestination(ctx: SystemContext): Promise<ImageDestination> {
    const { OciLayoutDestination } = await import('./destination.ts');
    return OciLayoutDestination.open(this, this.resolvedPath, this.image, ctx);
  }
  async deleteImage(ctx: SystemContext): Promise<void> {
    const { deleteOciImage } = await import('./destination.ts');
    await deleteOciImage(this.resolvedPath, this.image, ctx.ociSharedBlobDir);
  }
}

export const ociLayoutTransport: ImageTransport = {
  name: 'oci',
  parseReference(reference: string): ImageReference {
    const { path, image } = splitPathAndImage(reference);
    if (path === '') throw new TspodError('INVALID_REFERENCE', 'oci: an empty path is not a valid layout reference');
    validateRefName('oci', image);
    return new OciLayoutReference(path, image);
  },
  validatePolicyScope: validatePathScope,
};
