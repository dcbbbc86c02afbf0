// dir:PATH — skopeo's directory format (containers/image directory/): manifest.json, a "version"
// file, blobs named by their sha256 hex, signatures signature-1, signature-2, ...
// Instances of a list written with --all are "<hex>.manifest.json" and "<hex>.signature-N".
import { dirname, resolve } from 'node:path';
import { TspodError } from '../../errors.ts';
import type { ImageDestination, ImageReference, ImageSource, ImageTransport, SystemContext } from '../types.ts';

export const DIR_VERSION = 'Directory Transport Version: 1.1\n';

export class DirReference implements ImageReference {
  readonly transport = dirTransport;
  /** Absolute path of the directory. */
  readonly resolvedPath: string;
  constructor(readonly path: string) {
    this.resolvedPath = resolve(path);
  }
  stringWithinTransport(): string {
    return this.path;
  }
  dockerReference(): string | undefined {
    return undefined;
  }
  policyConfigurationIdentity(): string {
    return this.resolvedPath;
  }
  policyConfigurationNamespaces(): string[] {
    const out: string[] = [];
    let p = this.resolvedPath;
    while (p !== '/') {
      p = dirname(p);
      out.push(p);
    }
    return out;
  }
  async newImageSource(_ctx: SystemContext): Promise<ImageSource> {
    const { DirImageSource } = await import('./source.ts');
    return DirImageSource.open(this);
  }
  async newImageDestination(ctx: SystemContext): Promise<ImageDestination> {
    const { DirImageDestination } = await import('./destination.ts');
    return DirImageDestination.open(this, ctx);
  }
  async deleteImage(_ctx: SystemContext): Promise<void> {
    const { deleteDirImage } = await import('./destination.ts');
    await deleteDirImage(this);
  }
}

export const dirTransport: ImageTransport = {
  name: 'dir',
  parseReference(reference: string): ImageReference {
    if (reference === '') throw new TspodError('INVALID_REFERENCE', 'dir: an empty path is not a valid directory reference');
    return new DirReference(reference);
  },
  validatePolicyScope(scope: string): void {
    if (!scope.startsWith('/')) throw new TspodError('INVALID_POLICY', `invalid scope "${scope}": must be an absolute path`);
  },
};
