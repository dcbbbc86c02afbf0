// oci-archive:PATH[:REF] — a tar of an OCI layout. Read in place (tar index, no extraction);
// written as a layout in a temp directory and tarred to PATH (temp name + rename) in commit().
import { TspodError } from '../../errors.ts';
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, SystemContext } from '../types.ts';
import { OciPathReference, splitPathAndImage, validatePathScope, validateRefName } from '../oci-layout/transport.ts';

export class OciArchiveReference extends OciPathReference {
  readonly transport = ociArchiveTransport;
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
  validatePolicyScope: validatePathScope,
};
