// oci-archive:PATH[:REF] — a tar of an OCI layout. Read in place (tar index, no extraction);
// written as a layout in a temp directory and tarred to PATH (temp name + rename) in commit().
import { resolve } from 'node:path';
import { TspodError } from '../../errors.ts';
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, SystemContext } from '../types.ts';
import { pathNamespaces, splitPathAndImage, validateRefName } from '../oci-layout/transport.ts';

export class OciArchiveReference implements ImageReference {
  readonly transport = ociArchiveTransport;
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
  async newImageSource(ctx: SystemContext): Promise<ImageSource> {
    const { openOciArchiveSource } = await import('./archive.ts');
    return openOciArchiveSource(this, ctx);
  }
  async newImageDestination(ctx: SystemContext): Promise<ImageDestination> {
    const { OciArchiveDestination } = await import('./archive.ts');
    return OciArchiveDestination.open(this, ctx);
  }
  async deleteImage(): Promise<void> {
    throw new TspodError('UNSUPPORTED', 'deleting images not implemented for oci-archive: images');
  }
}

export const ociArchiveTransport: ImageTransport = {
  name: 'oci-archive',
  parseReference(reference: string): ImageReference {
    const { path, image } = splitPathAndImage(reference);
    if (path === '') throw new TspodError('INVALID_REFERENCE', 'oci-archive: an empty path is not a valid archive reference');
    validateRefName('oci-archive', image);
    return new OciArchiveReference(path, image);
  },
  validatePolicyScope(scope: string): void {
    if (!scope.startsWith('/')) throw new TspodError('INVALID_POLICY', `invalid scope "${scope}": must be an absolute path`);
  },
};
